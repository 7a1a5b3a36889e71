"""The delivery note draft after a confirmation is now asked for by sales (sales.prepare_delivery)
instead of being made by an inventory subscriber: deliveries still pending under the old key keep
their place in the queue."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial"), ("erp", "0005_permission_version")]

    operations = [
        migrations.RunSQL(
            "UPDATE erp_eventdelivery SET subscriber = 'sales.prepare_delivery' "
            "WHERE subscriber = 'inventory.prepare_delivery'",
            "UPDATE erp_eventdelivery SET subscriber = 'inventory.prepare_delivery' "
            "WHERE subscriber = 'sales.prepare_delivery'",
            elidable=True,
        ),
    ]
