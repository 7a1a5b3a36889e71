"""Tasks get structured keys: ``kind`` (what work it is, chosen by the creating department) and
``source_event`` (the bus event whose handler asked for it); ``document_id`` becomes a nullable
bigint. Existing rows: kind blank, no source event (0004 fills both from the old text markers);
a blank document id becomes NULL, every other one is cast; ``task_by_document`` is rebuilt by the
ALTER (see ``erp.migration_ops``)."""

import django.db.models.deletion
from django.db import migrations, models

from erp.migration_ops import text_ids_to_integers


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0007_outbox_source_id_integer"),
        ("office", "0002_task_document_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="kind",
            field=models.CharField(blank=True, editable=False, max_length=60, verbose_name="kind"),
        ),
        migrations.AddField(
            model_name="task",
            name="source_event",
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to="erp.outboxevent", verbose_name="asked for by event"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[text_ids_to_integers("office_task", ["document_id"])],
            state_operations=[
                migrations.AlterField(
                    model_name="task",
                    name="document_id",
                    field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="document id"),
                ),
            ],
        ),
    ]
