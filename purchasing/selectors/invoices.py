"""Reads of the supplier invoices: the user's invoices (through ``restrict``: a buyer sees their
suppliers' only), the suppliers and order lines an invoice may bill."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from erp.scoping import CHANGE
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierInvoice
from purchasing.services.invoices import INVOICEABLE_ORDER_STATUSES


def invoices_for_user(user: Any, *, supplier: Supplier | None = None, status: str | None = None,
                      match_status: str | None = None, date_from: datetime.date | None = None,
                      date_to: datetime.date | None = None, search: str = "") -> QuerySet[SupplierInvoice]:
    rows = SupplierInvoice.objects.restrict(user).select_related("supplier")
    if supplier:
        rows = rows.filter(supplier=supplier)
    if status:
        rows = rows.filter(status=status)
    if match_status:
        rows = rows.filter(match_status=match_status)
    if date_from:
        rows = rows.filter(document_date__gte=date_from)
    if date_to:
        rows = rows.filter(document_date__lte=date_to)
    if search := search.strip():
        rows = rows.filter(Q(number__icontains=search) | Q(supplier_invoice_number__icontains=search)
                           | Q(supplier__name__icontains=search) | Q(supplier__code__iexact=search))
    return rows.order_by("-document_date", "-pk")


def invoice_suppliers(user: Any) -> QuerySet[Supplier]:
    """The suppliers the user may bill invoices of (their own, or all for a manager)."""
    return Supplier.objects.restrict(user, CHANGE).filter(is_active=True).order_by("code")


def invoiceable_orders(user: Any) -> QuerySet[PurchaseOrder]:
    """Approved orders of the user's suppliers with something received and not yet invoiced."""
    return (PurchaseOrder.objects.restrict(user, CHANGE).filter(status__in=INVOICEABLE_ORDER_STATUSES)
            .select_related("supplier").order_by("-document_date", "-pk"))


def invoiceable_order_lines(supplier_id: int | None) -> QuerySet[PurchaseOrderLine]:
    """The lines of a supplier's approved orders (what an invoice line may name)."""
    if supplier_id is None:
        return PurchaseOrderLine.objects.none()
    return (PurchaseOrderLine.objects.filter(order__supplier_id=supplier_id,
                                             order__status__in=INVOICEABLE_ORDER_STATUSES)
            .select_related("order", "item", "unit").order_by("order_id", "line_no", "pk"))
