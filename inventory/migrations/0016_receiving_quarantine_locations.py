"""Every existing warehouse gets its quarantine location (code QC; QUARANTINE where QC is taken), as
``inventory.services.masterdata.warehouse_create`` now makes one with each new warehouse."""

from django.db import migrations


def create_quarantine_locations(apps, schema_editor):
    Warehouse = apps.get_model("inventory", "Warehouse")
    Location = apps.get_model("inventory", "Location")
    for warehouse in Warehouse.objects.exclude(locations__kind="quarantine").order_by("pk"):
        taken = Location.objects.filter(warehouse=warehouse, code="QC").exists()
        Location.objects.create(company_id=warehouse.company_id, warehouse=warehouse,
                                code="QUARANTINE" if taken else "QC", name="Quarantine", kind="quarantine")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0015_receipt_source_and_quarantine")]

    operations = [migrations.RunPython(create_quarantine_locations, migrations.RunPython.noop)]
