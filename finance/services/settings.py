"""A company's finance settings: how deliveries are invoiced (one invoice per delivery note, or one per
customer and month) and whether posting a customer invoice takes a Taiwan uniform invoice number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company
from finance import status as st
from finance.models import FinanceSettings
from finance.services.invoices import settings_of

if TYPE_CHECKING:
    from erp.models import User


@atomic_with_retry
def settings_save(*, company: Company, actor: User | None, invoice_grouping: str,
                  uniform_invoices: bool) -> FinanceSettings:
    """Save the company's settings (the row is made with the defaults when missing, then locked);
    audited. A delivery already drafted stays on its invoice: the grouping applies to the next ones."""
    if invoice_grouping not in st.InvoiceGrouping.values:
        raise DomainError(_("Choose how deliveries are invoiced."), field="invoice_grouping")
    row = FinanceSettings.objects.select_for_update().get(pk=settings_of(company).pk)
    row.invoice_grouping, row.uniform_invoices = invoice_grouping, bool(uniform_invoices)
    row.save(update_fields=["invoice_grouping", "uniform_invoices"])  # auditlog records the change
    return row
