"""The tasks' idempotency keys as partial unique constraints (after 0004 filled them, in a
transaction of their own): one task per event, kind and document; one open task per kind and
document among the tasks no event asked for."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("office", "0004_task_keys_from_text")]

    operations = [
        migrations.AddConstraint(
            model_name="task",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source_event__isnull", False)),
                fields=("source_event", "kind", "document_type", "document_id"),
                name="task_once_per_event",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="task",
            constraint=models.UniqueConstraint(
                condition=models.Q(("document_type__isnull", False), ("source_event__isnull", True),
                                   ("status", "open"), models.Q(("kind", ""), _negated=True)),
                fields=("kind", "document_type", "document_id"),
                name="task_open_once_per_kind_and_document",
            ),
        ),
    ]
