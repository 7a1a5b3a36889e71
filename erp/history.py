"""A document's history for its page: who, when, field: old → new (from django-auditlog)."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType


def history_for(instance, limit=200):
    entries = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_pk=str(instance.pk)
        )
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )
    rows = []
    for entry in entries:
        changes = []
        for field, values in entry.changes_display_dict.items():
            old, new = (list(values) + ["", ""])[:2] if isinstance(values, list | tuple) else ("", values)
            old, new = blank(old), blank(new)
            if old == new or field.lower() == "id":
                continue  # a creation lists every field; show only those that got a value
            changes.append({"field": field, "old": old, "new": new})
        rows.append({"entry": entry, "changes": changes})
    return rows


def blank(value):
    return "" if value in (None, "None", "") else value
