"""A document's history for its page: who, when, field: old → new (from django-auditlog).

auditlog keeps each change as text ("True", "24", "22200.00", "2026-12-07"); the page shows it as a
business document would (``shown_value``): yes/no for a flag, a choice's label, a date and a number in
the reader's format (erp.formats, erp.money), and for a reference the record it points to — a
document by its number, linked to its page when the reader may open it, a role by its translated
name, a content type by its model's name. References are looked up once per kind of record, whatever
the number of entries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from erp import audit
from erp.formats import format_date, format_datetime
from erp.money import format_money, format_number, format_quantity
from erp.roles import role_label

EMPTY = ("", "None", None)


def history_for(instance: Model, limit: int = 200, user: Any = None) -> list[dict[str, Any]]:
    """The entries of ``instance``, newest first: [{"entry": LogEntry, "changes": [{"field", "old",
    "new"}]}]. With ``user``, references to documents the user may open are links to their pages."""
    entries = list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_pk=str(instance.pk)
        )
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )
    model = type(instance)
    concrete = {f.name: f for f in model._meta.concrete_fields}
    generic = {gfk.fk_field: gfk for gfk in model._meta.private_fields if isinstance(gfk, GenericForeignKey)}
    references = References()
    pending: list[tuple[dict[str, Any], list[tuple[str, Any, Any, Any]]]] = []
    for entry in entries:
        raw = [(name, *pair(values)) for name, values in entry.changes_dict.items()]
        changes: list[tuple[str, Any, Any, Any]] = []
        kinds = {name: new for name, _old, new in raw}
        for name, old, new in raw:
            model_field = concrete.get(name)
            if model_field is None:
                label = audit.label_of(name)  # a document-level key (erp.audit.register_label)
                if label is not None and not (blank(old) and blank(new)):
                    changes.append((str(label), None, old, new))
                continue
            if model_field.primary_key or old == new or (blank(old) and blank(new)):
                continue  # a creation lists every field; show only those that got a value
            target = generic_target(model_field, generic, kinds, instance)
            for value in (old, new):
                references.want(model_field, value, target)
            changes.append((str(model_field.verbose_name), (model_field, target), old, new))
        pending.append(({"entry": entry, "changes": []}, changes))
    references.load(user)
    rows = []
    for row, changes in pending:
        for label, about, old, new in changes:
            if about is None:
                row["changes"].append({"field": label, "old": shown_data(old), "new": shown_data(new)})
                continue
            model_field, target = about
            row["changes"].append({"field": label, "old": shown_value(model_field, old, references, target),
                                   "new": shown_value(model_field, new, references, target)})
        rows.append(row)
    return rows


def pair(values: Any) -> tuple[Any, Any]:
    if isinstance(values, list | tuple):
        padded = [*values, "", ""]
        return padded[0], padded[1]
    return "", values


def blank(value: Any) -> bool:
    return value in EMPTY or value == []


# References ----------------------------------------------------------------------------------------


def generic_target(model_field: models.Field[Any, Any], generic: Mapping[str, GenericForeignKey],
                   changed: Mapping[str, Any], instance: Model) -> type[Model] | None:
    """The model an id field of a generic reference (``document_id``) points to: the content type
    recorded beside it in the same entry, else the instance's."""
    gfk = generic.get(model_field.name)
    if gfk is None:
        return None
    type_id = changed.get(gfk.ct_field)
    if blank(type_id):
        type_id = getattr(instance, f"{gfk.ct_field}_id", None)
    try:
        return ContentType.objects.get_for_id(int(type_id)).model_class() if type_id else None
    except (ContentType.DoesNotExist, ValueError, TypeError):
        return None


@dataclass
class References:
    """The records the entries point to, loaded once per model: {model: {pk: (text, url)}}."""

    wanted: defaultdict[type[Model], set[Any]] = field(default_factory=lambda: defaultdict(set))
    found: dict[type[Model], dict[str, tuple[str, str]]] = field(default_factory=dict)

    def want(self, model_field: models.Field[Any, Any], value: Any, target: type[Model] | None) -> None:
        related = target or (model_field.related_model if model_field.is_relation else None)
        if related is None or related is ContentType or blank(value):
            return
        if not isinstance(related, type):
            return
        try:
            self.wanted[related].add(related._meta.pk.to_python(value))
        except Exception:  # noqa: BLE001 - a value that is no key of the model shows as recorded
            return

    def load(self, user: Any) -> None:
        for model, ids in self.wanted.items():
            ids = {pk for pk in ids if pk is not None}
            texts = {str(obj.pk): reference_text(obj) for obj in model._base_manager.filter(pk__in=ids)}
            links: dict[str, str] = {}
            if user is not None and getattr(user, "is_authenticated", False) and texts:
                from erp.document_screens.kinds import visible_documents  # the screens use this module

                visible = visible_documents(user, model, [int(pk) for pk in texts if pk.isdigit()])
                if visible is not None:
                    kind, allowed = visible
                    links = {str(pk): reverse(kind.url("detail"), args=[pk]) for pk in allowed}
            self.found[model] = {pk: (text, links.get(pk, "")) for pk, text in texts.items()}

    def shown(self, model: type[Model], value: Any) -> SafeString | str:
        try:
            key = str(model._meta.pk.to_python(value))
        except Exception:  # noqa: BLE001
            key = str(value)
        text, url = self.found.get(model, {}).get(key, ("", ""))
        if not text:
            return format_html("#{}", value)  # a record since deleted: its key is all there is
        return format_html('<a href="{}">{}</a>', url, text) if url else text


def reference_text(obj: Model) -> str:
    """How a referenced record is named: a role translated, a document by its reference (its number)."""
    if isinstance(obj, Group):
        return str(role_label(obj))
    return str(obj)


def content_type_name(value: Any) -> str:
    try:
        model = ContentType.objects.get_for_id(int(value)).model_class()
    except (ContentType.DoesNotExist, ValueError, TypeError):
        return str(value)
    return str(capfirst(model._meta.verbose_name)) if model is not None else str(value)


# Values --------------------------------------------------------------------------------------------


def shown_value(model_field: models.Field[Any, Any], value: Any, references: References,
                target: type[Model] | None = None) -> SafeString | str:
    """A recorded value of ``model_field`` as the reader reads it (empty for none)."""
    if blank(value):
        return ""
    if target is not None:
        return references.shown(target, value)
    if model_field.is_relation and model_field.related_model is ContentType:
        return content_type_name(value)
    if model_field.is_relation and isinstance(model_field.related_model, type):
        return references.shown(model_field.related_model, value)
    if model_field.choices:
        choices = {str(key): label for key, label in model_field.flatchoices}
        return str(choices.get(str(value), value))
    if isinstance(model_field, models.BooleanField):
        truth = value if isinstance(value, bool) else str(value) in ("True", "true", "1")
        return _("Yes") if truth else _("No")
    if isinstance(model_field, models.DateTimeField):
        return shown_moment(value)
    if isinstance(model_field, models.DateField):
        try:
            return format_date(str(value)[:10])
        except ValueError:
            return str(value)
    if isinstance(model_field, models.DecimalField):
        number = as_decimal(value)
        if number is None:
            return str(value)
        return format_money(number) if model_field.decimal_places == 2 else format_number(number)
    if isinstance(model_field, models.IntegerField):
        number = as_decimal(value)
        return format_number(number) if number is not None else str(value)
    return str(value)


def shown_moment(value: Any) -> str:
    try:
        return format_datetime(str(value).replace(" ", "T", 1))
    except ValueError:
        return str(value)


def as_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def shown_data(value: Any) -> SafeString | str:
    """A document-level value (erp.audit.register_label): text as recorded, or a list of lines
    recorded as data ({"line", "item", "quantity", "unit", "decimals", "location", "lot"}: the picks
    of a delivery note), written in the reader's format."""
    if blank(value):
        return ""
    data = value
    if isinstance(value, str) and value[:1] in "[{":
        try:
            data = json.loads(value)
        except ValueError:
            return value
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        return format_html_join(mark_safe("; "), "{}", ((line_text(row),) for row in data))
    return str(value) if not isinstance(value, str) else value


def line_text(row: Mapping[str, Any]) -> str:
    """One recorded line: "1 SCR-M3: 24 PCS @ A-01 (lot L-7)"."""
    quantity = format_quantity(row.get("quantity"), int(row.get("decimals") or 0))
    text = f"{row.get('line', '')} {row.get('item', '')}: {quantity} {row.get('unit', '')}".strip()
    if row.get("location"):
        text += f" @ {row['location']}"
    if row.get("lot"):
        text += " " + _("(lot %(lot)s)") % {"lot": row["lot"]}
    return text
