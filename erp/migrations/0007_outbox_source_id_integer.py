"""An event's source id is an integer: ``OutboxEvent.source_id`` from text (blank for none) to a
nullable bigint. Existing rows: blank becomes NULL, every other id is cast; the index
``event_by_source`` is rebuilt by the ALTER (see ``erp.migration_ops``)."""

from django.db import migrations, models

from erp.migration_ops import text_ids_to_integers


class Migration(migrations.Migration):
    dependencies = [("erp", "0006_numbering_follows_fiscal_year")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[text_ids_to_integers("erp_outboxevent", ["source_id"])],
            state_operations=[
                migrations.AlterField(
                    model_name="outboxevent",
                    name="source_id",
                    field=models.PositiveBigIntegerField(blank=True, null=True),
                ),
            ],
        ),
    ]
