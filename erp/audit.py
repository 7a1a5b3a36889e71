"""Audit entries for the writes that auditlog's save signals do not see (docs/architecture.md, "Audit").

auditlog records a model's ``save()`` and ``delete()``; ``bulk_create``, ``bulk_update``, a queryset's
``update()`` and hand-written SQL bypass it. Each such write of business data records its entries
here, with the actor, remote address and correlation id that auditlog's middleware put in its
context, in one INSERT (``LogEntry.objects.bulk_create``). Inside ``batch()`` the entries wait and go
in one INSERT at its end, with those of everything else the batch covers (a confirmation's lines,
its status change and its tasks' references: one statement).
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

CREATE = LogEntry.Action.CREATE
UPDATE = LogEntry.Action.UPDATE
DELETE = LogEntry.Action.DELETE

_BATCH: ContextVar[list[LogEntry] | None] = ContextVar("erp_audit_batch", default=None)
# Keys of document-level entries that are not fields of the document ("reserved" on an order:
# what inventory_reserve reserved where), with the label a document's history shows for them.
_LABELS: dict[str, Any] = {}


def register_label(key: str, label: Any) -> None:
    """Name a key that document-level entries carry (call from an AppConfig's ``ready``)."""
    _LABELS[key] = label


def label_of(key: str) -> Any:
    """The registered label of a document-level key, or None."""
    return _LABELS.get(key)


def as_text(value: Any) -> str:
    """A value as auditlog's diff writes it in ``changes`` ("None" for NULL)."""
    return str(smart_str(value))


@dataclass(frozen=True)
class Context:
    """Who and where, as auditlog's middleware (or ``set_actor``) recorded it for this request."""

    actor: Any
    remote_addr: str | None
    remote_port: int | None
    cid: str | None

    @property
    def actor_id(self) -> int | None:
        return self.actor.pk if self.actor is not None else None

    @property
    def actor_email(self) -> str | None:
        return getattr(self.actor, "email", None) if self.actor is not None else None

    def as_json(self) -> dict[str, Any]:
        """For a database function that writes its own entries (inventory_reserve)."""
        return {"actor": self.actor_id, "actor_email": self.actor_email, "remote_addr": self.remote_addr,
                "remote_port": self.remote_port, "cid": self.cid}


def context(actor: Any = None) -> Context:
    """The audit context: ``actor`` if given (a service's actor), else the request's user."""
    try:
        values: Mapping[str, Any] = auditlog_value.get()
    except LookupError:
        values = {}
    if values and not _in_effect(values):
        values = {}
    if actor is None:
        actor = values.get("actor")
    if not isinstance(actor, get_user_model()):  # an anonymous or lazy user: as auditlog does
        actor = None
    remote_addr = values.get("remote_addr")
    if remote_addr is not None:
        try:
            ipaddress.ip_address(remote_addr)
        except ValueError:
            remote_addr = None
    return Context(actor=actor, remote_addr=remote_addr, remote_port=values.get("remote_port"), cid=get_cid())


def _in_effect(values: Mapping[str, Any]) -> bool:
    """Whether auditlog's context manager that set ``values`` is still open: auditlog sets its
    context variable without resetting it and stops using it by disconnecting its LogEntry
    pre_save receiver, so a request's user would otherwise outlive the request in its thread."""
    duid = values.get("signal_duid")
    return duid is not None and any(key[0] == duid for key, *_rest in pre_save.receivers)


def row_entry(model: type[models.Model], pk: Any, representation: str, action: int, changes: Mapping[str, Any],
              ctx: Context) -> LogEntry:
    """An unsaved entry for the row ``pk`` of ``model`` (when there is no instance at hand)."""
    return LogEntry(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk),
        object_id=pk if isinstance(pk, int) else None, object_repr=representation, action=action,
        changes=dict(changes), actor=ctx.actor, actor_email=ctx.actor_email, remote_addr=ctx.remote_addr,
        remote_port=ctx.remote_port, cid=ctx.cid, timestamp=timezone.now(),
    )


def entry(instance: models.Model, action: int, changes: Mapping[str, Any], ctx: Context) -> LogEntry:
    """An unsaved entry for ``instance``, as auditlog would write it."""
    return row_entry(type(instance), instance.pk, smart_str(instance), action, changes, ctx)


def record(entries: Sequence[LogEntry]) -> None:
    """Write ``entries`` in one INSERT, or keep them for the open ``batch()``."""
    if not entries:
        return
    pending = _BATCH.get()
    if pending is not None:
        pending.extend(entries)
    else:
        LogEntry.objects.bulk_create(entries)


@contextmanager
def batch() -> Iterator[None]:
    """Keep the entries recorded inside and write them in one INSERT at the end (nothing if the
    block raises: its transaction rolls back anyway). A batch inside a batch joins the outer one."""
    if _BATCH.get() is not None:
        yield
        return
    pending: list[LogEntry] = []
    token = _BATCH.set(pending)
    try:
        yield
    finally:
        _BATCH.reset(token)
    if pending:
        LogEntry.objects.bulk_create(pending)


def record_created(instances: Iterable[models.Model], *, actor: Any = None) -> None:
    """Entries for rows just written by ``bulk_create`` (their primary keys set)."""
    ctx = context(actor)
    record([entry(instance, CREATE, model_instance_diff(None, instance) or {}, ctx) for instance in instances])


def snapshot(instances: Iterable[models.Model]) -> dict[Any, models.Model]:
    """Copies of ``instances`` before a bulk change, for ``record_updated``."""
    return {instance.pk: copy.copy(instance) for instance in instances}


def record_updated(instances: Iterable[models.Model], before: Mapping[Any, models.Model], fields: Sequence[str], *,
                   actor: Any = None) -> None:
    """Entries for the rows of ``instances`` whose ``fields`` changed since ``before`` (``snapshot``),
    written by ``bulk_update``, ``erp.sql.bulk_set`` or a conditional UPDATE."""
    ctx = context(actor)
    entries = []
    for instance in instances:
        old = before.get(instance.pk)
        changes = model_instance_diff(old, instance, fields_to_check=fields) if old is not None else None
        if changes:
            entries.append(entry(instance, UPDATE, changes, ctx))
    record(entries)


def update_queryset(queryset: models.QuerySet[Any], *, actor: Any = None, **values: Any) -> int:
    """``queryset.update(**values)`` with an entry per row it changes: the rows are read first (one
    query; for the few rows a flag update touches), then updated by primary key."""
    fields = list(values)
    rows = list(queryset)
    if not rows:
        return 0
    before = snapshot(rows)
    touched: int = queryset.model._default_manager.filter(pk__in=[row.pk for row in rows]).update(**values)
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
    record_updated(rows, before, fields, actor=actor)
    return touched


def untrack_derived_relations() -> None:
    """Leave out of every model's audit diff the relations that are not columns of its own: the reverse
    side of one-to-one relations (a journal entry's ``reversed_by``, an item's ``valuation``) and generic
    foreign keys (a stock move's ``document``; their type and id columns are audited).

    Why: auditlog diffs every field ``_meta.get_fields()`` lists; reading one of these loads a row on
    each save (for a new row a reverse one-to-one is always empty), and what they point at is audited
    by its own columns or on the model that holds the key."""
    from auditlog.registry import auditlog

    for model, options in auditlog._registry.items():  # no public writer; as erp.crypto reads it
        names = [f.name for f in model._meta.get_fields() if not f.concrete and (f.one_to_one or f.many_to_one)]
        excluded = list(options["exclude_fields"] or [])
        if names and not options["include_fields"]:
            options["exclude_fields"] = [*excluded, *(name for name in names if name not in excluded)]
