"""Converts a database that applied the first version of 0005 (delivery notes with foreign keys to the
sales order and its lines) to the generic source reference the current 0005 creates: adds the columns,
copies the order, its number and what the note prints of it, then drops the foreign keys. A database made
with the current 0005 has nothing to convert. Written without any migration dependency on sales: it reads
the sales tables only when the old columns (and so those tables) are there."""

from django.db import migrations

NOTE_FIELDS = ("source_type", "source_id", "source_reference", "customer_code", "customer_tax_id",
               "customer_reference", "due_date")
LINE_FIELDS = ("source_line_id", "source_line_no", "description")


def columns_of(cursor, table):
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                   "AND table_schema = current_schema()", [table])
    return {row[0] for row in cursor.fetchall()}


def add_nullable_then_require(schema_editor, model, names):
    """Add each field as it will be, but nullable; returns a function that makes them as they are meant to be
    (NOT NULL) once filled."""
    added = []
    for name in names:
        field = model._meta.get_field(name)
        nullable = field.clone()
        nullable.null = True
        if field.remote_field is not None:  # a clone names its target model; give it the resolved one
            nullable.remote_field.model = field.remote_field.model
            nullable.remote_field.field_name = field.remote_field.field_name
        nullable.set_attributes_from_name(name)
        nullable.model = model
        schema_editor.add_field(model, nullable)
        added.append((nullable, field))

    def require():
        for nullable, field in added:
            if not field.null:
                schema_editor.alter_field(model, nullable, field)

    return require


def convert(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if "sales_order_id" not in columns_of(cursor, "inventory_deliverynote"):
            return
    DeliveryNote = apps.get_model("inventory", "DeliveryNote")
    DeliveryNoteLine = apps.get_model("inventory", "DeliveryNoteLine")
    ContentType = apps.get_model("contenttypes", "ContentType")
    require_note = add_nullable_then_require(schema_editor, DeliveryNote, NOTE_FIELDS)
    require_line = add_nullable_then_require(schema_editor, DeliveryNoteLine, LINE_FIELDS)
    order_type, _created = ContentType.objects.get_or_create(app_label="sales", model="salesorder")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_deliverynote d SET source_type_id = %s, source_id = d.sales_order_id, "
            "source_reference = COALESCE(NULLIF(o.number, ''), 'SO #' || o.id), customer_code = c.code, customer_name = c.name, "
            "customer_tax_id = c.tax_id, customer_reference = o.customer_reference, due_date = o.promised_date "
            "FROM sales_salesorder o JOIN sales_customer c ON c.id = o.customer_id WHERE o.id = d.sales_order_id",
            [order_type.pk],
        )
        cursor.execute(
            "UPDATE inventory_deliverynoteline l SET source_line_id = l.order_line_id, source_line_no = ol.line_no, "
            "description = ol.description FROM sales_salesorderline ol WHERE ol.id = l.order_line_id"
        )
        # Dropping a column drops its foreign key and index with it.
        cursor.execute("ALTER TABLE inventory_deliverynote DROP COLUMN sales_order_id")
        cursor.execute("ALTER TABLE inventory_deliverynoteline DROP COLUMN order_line_id")
    require_note()
    require_line()
    schema_editor.add_index(DeliveryNote, DeliveryNote._meta.indexes[[i.name for i in DeliveryNote._meta.indexes]
                                                                      .index("delivery_by_source")])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inventory", "0007_reserve_function"),
    ]

    # The state already has the generic reference (0005); only an old database changes.
    operations = [migrations.RunPython(convert, migrations.RunPython.noop, elidable=True)]
