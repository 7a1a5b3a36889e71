"""Status changes of documents: the one path by which a document leaves draft, is confirmed,
posted, cancelled… Each department's services call ``transition`` for its documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import audit
from erp.errors import ConcurrentChange, DomainError, IllegalTransition
from erp.models import Document
from erp.numbering import take_number
from erp.signals import document_status_changed
from erp.sql import update_row_if

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from erp.models import User

VOID_REASON_MAX_LENGTH = 300
# Reasons the system gives when it voids a document nobody voided by hand; stored as these message
# keys and translated when shown (Document.void_reason_text), like task titles.
SYSTEM_VOID_REASONS = {
    "order_closed": gettext_noop("The order was closed: what was not delivered will not be shipped."),
}
DocumentT = TypeVar("DocumentT", bound=Document)
UNAUDITED_FIELDS = frozenset({"voided_by", "voided_at"})  # the history row's who and when say it already


def status_label(document: Document, status: str) -> StrOrPromise:
    field = type(document)._meta.get_field("status")
    label: StrOrPromise = dict(field.flatchoices).get(status, status)
    return label


def check_transition(document: Document, target: str) -> None:
    allowed = document.TRANSITIONS.get(document.status, ())
    if target not in allowed:
        raise IllegalTransition(
            _("%(document)s cannot go from “%(old)s” to “%(new)s”.")
            % {
                "document": document.reference,
                "old": status_label(document, document.status),
                "new": status_label(document, target),
            }
        )


def transition(document: DocumentT, target: str, *, actor: User | None,
               extra_fields: Mapping[str, Any] | None = None) -> DocumentT:
    """Move ``document`` to ``target`` or raise a DomainError; takes the number when it leaves draft.

    The UPDATE is conditional on the status read, so two users confirming at once cannot both win.
    """
    check_transition(document, target)
    model = type(document)
    old = document.status
    before = {field: getattr(document, field) for field in (extra_fields or {})}
    updates = {"status": target, "updated_by": actor, "updated_at": timezone.now(), **(extra_fields or {})}
    with transaction.atomic(), audit.batch():  # its entry and its receivers' in one INSERT
        if not document.number and target not in model.UNNUMBERED:
            updates["number"] = take_number(
                company=document.company, doc_type=document.number_type, on_date=document.document_date
            )
        touched = update_row_if(model, document.pk, where={"status": old}, values=updates)
        if touched != 1:
            raise ConcurrentChange()
        for field, value in updates.items():
            setattr(document, field, value)
        document._stored_status = target
        changes = {"status": [old, target]}
        if "number" in updates:
            changes["number"] = ["", updates["number"]]
        for field, value in before.items():  # what the caller changed with the status (a promised date)
            if value != updates[field] and field not in UNAUDITED_FIELDS:
                changes[field] = [audit.as_text(value), audit.as_text(updates[field])]
        # A conditional UPDATE bypasses auditlog's save signals: record the change ourselves.
        audit.record([audit.entry(document, audit.UPDATE, changes, audit.context(actor))])
        document_status_changed.send(
            sender=model, document=document, old_status=old, new_status=target, actor=actor
        )
    return document


def void_reason(reason: str | None) -> str:
    """The reason for voiding, trimmed; refused (a DomainError on the field ``reason``) when empty."""
    text = " ".join(str(reason or "").split())
    if not text:
        raise DomainError(_("Give the reason for voiding."), field="reason")
    if len(text) > VOID_REASON_MAX_LENGTH:
        raise DomainError(_("The reason is too long: at most %(max)s characters.") % {"max": VOID_REASON_MAX_LENGTH},
                          field="reason")
    return text


def void(document: DocumentT, target: str, *, actor: User | None, reason: str,
         extra_fields: Mapping[str, Any] | None = None) -> DocumentT:
    """Void (作廢) ``document``: the ``transition`` to ``target`` (its cancelled status) recording the
    reason, who and when; the history shows the reason with the change of status."""
    text = void_reason(reason)
    return transition(document, target, actor=actor, extra_fields={
        "void_reason": text, "voided_by": actor, "voided_at": timezone.now(), **(extra_fields or {})})
