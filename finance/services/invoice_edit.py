"""Changing the header of a draft customer invoice: its date, due date, the buyer's tax id (統一編號)
and the notes. The lines are what the deliveries shipped and are not edited (a wrong draft is deleted
and the delivery invoiced again); a posted invoice is voided, never changed.

The invoice's row is locked while it changes, so a posting in flight finishes first and the draft
check sees its result."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError, ImmutableDocument
from erp.identifiers import normalise_tax_id, tax_id_error
from finance import status as st
from finance.models import CustomerInvoice

if TYPE_CHECKING:
    from erp.models import User

HEADER_FIELDS = ("document_date", "due_date", "buyer_tax_id", "notes")


def buyer_tax_id_of(value: str) -> str:
    """The buyer's tax id as a uniform invoice prints it: normalised (half-width, no spaces), empty for a
    consumer, else a valid 統一編號 of eight digits (DomainError on ``buyer_tax_id``)."""
    tax_id = normalise_tax_id(value)
    if not tax_id:
        return ""
    if message := tax_id_error(tax_id):
        raise DomainError(message, field="buyer_tax_id")
    if len(tax_id) != 8 or not tax_id.isdigit():
        raise DomainError(_("A uniform invoice names a buyer's tax id (統一編號) of 8 digits; leave it empty for a "
                            "consumer."), field="buyer_tax_id")
    return tax_id


@atomic_with_retry
def invoice_update_header(*, invoice: CustomerInvoice, actor: User | None, document_date: datetime.date,
                          due_date: datetime.date | None, buyer_tax_id: str = "", notes: str = "") -> CustomerInvoice:
    """Change a draft's date, due date, buyer's tax id and notes (audited); refused once it is posted
    (409) and for a due date before the invoice date or an invalid tax id (400 on the field)."""
    locked = CustomerInvoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
    if locked.status != st.CustomerInvoiceStatus.DRAFT:
        raise ImmutableDocument()
    tax_id = buyer_tax_id_of(buyer_tax_id or "")
    if due_date is not None and due_date < document_date:
        raise DomainError(_("The due date is before the invoice date."), field="due_date")
    locked.document_date, locked.due_date = document_date, due_date
    locked.buyer_tax_id, locked.notes = tax_id, (notes or "").strip()
    locked.updated_by = actor
    locked.save(update_fields=[*HEADER_FIELDS, "updated_by", "updated_at"])  # auditlog records the change
    return locked
