"""A document's history for its page: who, when, field: old → new (from django-auditlog)."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from erp import audit


def history_for(instance: Model, limit: int = 200) -> list[dict[str, Any]]:
    entries = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_pk=str(instance.pk)
        )
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )
    concrete = {f.name for f in type(instance)._meta.concrete_fields}
    rows = []
    for entry in entries:
        changes: list[dict[str, Any]] = []
        # changes_display_dict is built from changes_dict in the same order: keep the rows of real
        # columns (auditlog also lists reverse relations such as a document's "lines" on creation).
        raw_names = list(entry.changes_dict)
        for index, (field, values) in enumerate(entry.changes_display_dict.items()):
            if index < len(raw_names) and raw_names[index] not in concrete:
                label = audit.label_of(raw_names[index])
                if label is None:
                    continue
                field = label  # a document-level key (erp.audit.register_label)
            old, new = (list(values) + ["", ""])[:2] if isinstance(values, list | tuple) else ("", values)
            old, new = blank(old), blank(new)
            if old == new or field.lower() == "id":
                continue  # a creation lists every field; show only those that got a value
            changes.append({"field": str(field), "old": old, "new": new})
        rows.append({"entry": entry, "changes": changes})
    return rows


def blank(value: Any) -> Any:
    return "" if value in (None, "None", "") else value
