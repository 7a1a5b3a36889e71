"""What finance shows on the other departments' pages: a sales order's customer invoices and a purchase
order's supplier invoices, each with what was invoiced and what is paid (registered in
FinanceConfig.ready; erp.registry.register_document_panel)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Model, Q, Sum

from finance import status as st
from finance.models import CustomerInvoice
from finance.selectors import supplier_invoice_paid

ZERO = Decimal("0")


def sales_order_invoices(user: Any, document: Model) -> dict[str, Any] | None:
    """The invoices and credit notes with lines of the order (two queries); None when there are none."""
    invoices = list(CustomerInvoice.objects.filter(lines__order_line__order_id=document.pk)
                    .distinct().order_by("document_date", "pk"))
    if not invoices:
        return None
    amounts = dict(CustomerInvoice.objects.filter(pk__in=[i.pk for i in invoices])
                   .annotate(of_order=Sum("lines__net_amount", filter=Q(lines__order_line__order_id=document.pk)))
                   .values_list("pk", "of_order"))
    live = [i for i in invoices if i.status == st.CustomerInvoiceStatus.POSTED]
    sign = {i.pk: -1 if i.is_credit_note else 1 for i in invoices}
    return {
        "order_invoices": [{"invoice": i, "of_order": amounts.get(i.pk) or ZERO} for i in invoices],
        "invoiced_net": sum((sign[i.pk] * (amounts.get(i.pk) or ZERO) for i in live), ZERO),
        "invoiced_total": sum((sign[i.pk] * i.total_amount for i in live), ZERO),
        "paid_total": sum((sign[i.pk] * i.paid_amount for i in live), ZERO),
        "can_open": user.has_perm("finance.view_customerinvoice"),
    }


def purchase_order_invoices(user: Any, document: Model) -> dict[str, Any] | None:
    """The supplier invoices of the order (purchasing's), with what finance paid of each."""
    from purchasing.models import SupplierInvoice

    bills = list(SupplierInvoice.objects.filter(lines__order_line__order_id=document.pk)
                 .exclude(status="cancelled").distinct().order_by("document_date", "pk"))
    if not bills:
        return None
    paid = supplier_invoice_paid([bill.pk for bill in bills])
    posted = [bill for bill in bills if bill.status == "posted"]
    return {
        "order_bills": [{"bill": bill, "paid": paid.get(bill.pk, ZERO)} for bill in bills],
        "invoiced_total": sum((bill.total_amount for bill in posted), ZERO),
        "paid_total": sum((paid.get(bill.pk, ZERO) for bill in posted), ZERO),
    }
