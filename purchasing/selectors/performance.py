"""Supplier performance over a period: on-time delivery, price variance and rejection rate, per
supplier, read in three grouped queries whatever the number of suppliers and documents.

- **On-time delivery %**: of the purchase order lines received by goods receipts dated in the period
  (one count per receipt line), those received on or before the order line's expected date.
- **Price variance**: of the supplier invoice lines posted in the period, invoiced amount less order
  price × quantity (the three-way match's variance), summed, and as a percentage of the expected amount.
- **Rejection rate**: of the quantity inspected by inspections done in the period, the part rejected.

Scope: the user's suppliers (a buyer's own, the Purchasing manager's all), through ``restrict``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DateField, F, IntegerField, OuterRef, Q, Subquery, Sum

from erp.models import User
from inventory import status as inventory_status
from inventory.models import GoodsReceiptLine
from purchasing import status as st
from purchasing.models import Inspection, PurchaseOrder, PurchaseOrderLine, Supplier, SupplierInvoiceLine

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass
class SupplierPerformance:
    supplier: Supplier
    receipt_lines: int = 0
    on_time_lines: int = 0
    invoiced_expected: Decimal = ZERO
    price_variance: Decimal = ZERO
    inspected: Decimal = ZERO
    rejected: Decimal = ZERO
    late_lines: int = field(default=0)

    @property
    def on_time_percent(self) -> Decimal | None:
        if not self.receipt_lines:
            return None
        return (Decimal(self.on_time_lines) * HUNDRED / self.receipt_lines).quantize(Decimal("0.1"))

    @property
    def price_variance_percent(self) -> Decimal | None:
        if not self.invoiced_expected:
            return None
        return (self.price_variance * HUNDRED / self.invoiced_expected).quantize(Decimal("0.01"))

    @property
    def rejection_percent(self) -> Decimal | None:
        if not self.inspected:
            return None
        return (self.rejected * HUNDRED / self.inspected).quantize(Decimal("0.01"))


def supplier_performance(user: User, date_from: datetime.date, date_to: datetime.date,
                         supplier: Supplier | None = None) -> list[SupplierPerformance]:
    """One row per supplier in the user's scope with any receipt, invoice or inspection in the period
    (``date_from``..``date_to``, both included), by supplier code."""
    suppliers = Supplier.objects.restrict(user)
    if supplier is not None:
        suppliers = suppliers.filter(pk=supplier.pk)
    rows: dict[int, SupplierPerformance] = {}

    def row(supplier_id: int) -> SupplierPerformance:
        return rows.setdefault(supplier_id, SupplierPerformance(supplier=Supplier(pk=supplier_id)))

    order_line = PurchaseOrderLine.objects.filter(pk=OuterRef("source_line_id"))
    receipts = (GoodsReceiptLine.objects
                .filter(document__status=inventory_status.DocStatus.POSTED,
                        document__source_type=ContentType.objects.get_for_model(PurchaseOrder),
                        document__document_date__range=(date_from, date_to), source_line_id__isnull=False)
                .annotate(supplier_id=Subquery(order_line.values("order__supplier_id"), output_field=IntegerField()),
                          expected=Subquery(order_line.values("expected_date"), output_field=DateField()))
                .filter(supplier_id__in=suppliers.values("pk"))
                .values("supplier_id")
                .annotate(lines=Count("pk"),
                          on_time=Count("pk", filter=Q(expected__isnull=True)
                                        | Q(document__document_date__lte=F("expected")))))
    for each in receipts:
        performance = row(each["supplier_id"])
        performance.receipt_lines, performance.on_time_lines = each["lines"], each["on_time"]
        performance.late_lines = each["lines"] - each["on_time"]

    invoices = (SupplierInvoiceLine.objects
                .filter(invoice__status=st.InvoiceStatus.POSTED, invoice__document_date__range=(date_from, date_to),
                        invoice__supplier__in=suppliers)
                .values(supplier_id=F("invoice__supplier_id"))
                .annotate(expected=Sum("expected_amount"), variance=Sum("variance")))
    for each in invoices:
        performance = row(each["supplier_id"])
        performance.invoiced_expected, performance.price_variance = each["expected"] or ZERO, each["variance"] or ZERO

    inspections = (Inspection.objects
                   .filter(status=st.InspectionStatus.DONE, inspected_at__date__range=(date_from, date_to),
                           supplier__in=suppliers)
                   .values("supplier_id")
                   .annotate(inspected=Sum(F("accepted_quantity") + F("rejected_quantity")),
                             rejected=Sum("rejected_quantity")))
    for each in inspections:
        performance = row(each["supplier_id"])
        performance.inspected, performance.rejected = each["inspected"] or ZERO, each["rejected"] or ZERO

    named = {s.pk: s for s in Supplier.objects.filter(pk__in=list(rows))}
    for supplier_id, performance in rows.items():
        performance.supplier = named[supplier_id]
    return sorted(rows.values(), key=lambda p: p.supplier.code)
