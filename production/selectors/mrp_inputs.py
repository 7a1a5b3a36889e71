"""What an MRP run reads, loaded set-based: one statement per kind of input for the whole company
(items, BOMs, BOM lines, sales order lines, demand lines, work orders, purchase order lines,
requisition lines, preferred supplier items, stock, reservations), never one per item or day. The
rows come back as plain tuples in a fixed order (by id), so the netting (production.services.mrp)
works in memory and the same database gives the same plan.

The rules of what counts are in docs/production.md, "MRP: the rules"."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum

from erp.models import Company
from inventory import status as inventory_status
from inventory.models import Item, ItemUnit, Reservation, StockBalance
from production import status as st
from production.models import Bom, BomLine, Demand, WorkOrder
from purchasing import status as purchasing_status
from purchasing.models import PurchaseOrderLine, PurchaseRequisitionLine, SupplierItem
from sales import status as sales_status
from sales.models import SalesOrder, SalesOrderLine

ZERO = Decimal("0")

# The kinds of scheduled receipt (MrpException.reference names the document).
WORK_ORDER = "work_order"
PURCHASE_ORDER = "purchase_order"
REQUISITION = "requisition"
RECEIPT_KINDS = (WORK_ORDER, PURCHASE_ORDER, REQUISITION)


class ItemRow(NamedTuple):
    id: int
    code: str
    procurement: str
    safety_stock: Decimal
    lead_time_days: int
    lot_sizing: str
    lot_size: Decimal
    lot_minimum: Decimal
    lot_multiple: Decimal


class BomRow(NamedTuple):
    id: int
    item_id: int
    quantity: Decimal


class BomLineRow(NamedTuple):
    id: int
    bom_id: int
    kind: str
    component_id: int
    quantity_base: Decimal
    scrap_percent: Decimal


class SalesLineRow(NamedTuple):
    id: int
    item_id: int
    open_quantity: Decimal
    date: datetime.date  # needed by (before clamping to the horizon)
    reference: str


class DemandRow(NamedTuple):
    id: int
    item_id: int
    date: datetime.date
    quantity: Decimal


class ReceiptRow(NamedTuple):
    kind: str
    id: int
    item_id: int
    quantity: Decimal
    date: datetime.date | None  # due (None: no date, counts on the as-of date)
    reference: str


class SupplierTerms(NamedTuple):
    """The preferred supplier item of a buy item, in the item's base unit."""

    item_id: int
    lead_time_days: int | None
    min_order_quantity: Decimal
    order_multiple: Decimal


@dataclass
class MrpInputs:
    as_of: datetime.date
    end: datetime.date
    items: list[ItemRow] = field(default_factory=list)
    boms: list[BomRow] = field(default_factory=list)
    bom_lines: list[BomLineRow] = field(default_factory=list)
    sales_lines: list[SalesLineRow] = field(default_factory=list)
    demands: list[DemandRow] = field(default_factory=list)
    receipts: list[ReceiptRow] = field(default_factory=list)
    supplier_terms: dict[int, SupplierTerms] = field(default_factory=dict)
    # item id → available stock on the as-of date (on hand in storage less reservations for other purposes)
    available: dict[int, Decimal] = field(default_factory=dict)
    stock_rows: int = 0

    def summary(self) -> dict[str, Any]:
        """What went in, JSON-able, with a digest of every input row so that two runs can be compared."""
        by_kind = {kind: 0 for kind in RECEIPT_KINDS}
        for receipt in self.receipts:
            by_kind[receipt.kind] += 1
        return {
            "as_of": self.as_of.isoformat(), "end": self.end.isoformat(),
            "items": len(self.items), "boms": len(self.boms), "bom_lines": len(self.bom_lines),
            "sales_lines": len(self.sales_lines), "demand_lines": len(self.demands),
            "scheduled_receipts": by_kind, "stock_rows": self.stock_rows,
            "supplier_items": len(self.supplier_terms), "digest": self.digest(),
        }

    def digest(self) -> str:
        """sha256 over every input row in a canonical form (ids, quantities, dates)."""
        hasher = hashlib.sha256()
        parts: list[Any] = [self.as_of, self.end, self.items, self.boms, self.bom_lines, self.sales_lines,
                            self.demands, self.receipts, sorted(self.supplier_terms.values()),
                            sorted(self.available.items())]
        for part in parts:
            hasher.update(json.dumps(part, default=_canonical, separators=(",", ":")).encode())
            hasher.update(b"|")
        return hasher.hexdigest()


def _canonical(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)  # pragma: no cover


def mrp_inputs(*, company: Company, as_of: datetime.date, end: datetime.date) -> MrpInputs:
    """Everything a run of ``company`` plans with, as of ``as_of`` up to ``end`` (inclusive)."""
    data = MrpInputs(as_of=as_of, end=end)
    data.items = [ItemRow(*row) for row in Item.objects.filter(
        company=company, is_active=True,
        procurement__in=[inventory_status.Procurement.MAKE, inventory_status.Procurement.BUY],
    ).exclude(item_type=inventory_status.ItemType.SERVICE).order_by("id").values_list(
        "id", "code", "procurement", "safety_stock", "lead_time_days", "lot_sizing", "lot_size", "lot_minimum",
        "lot_multiple")]
    planned = {item.id for item in data.items}
    data.boms, data.bom_lines = _boms(company, as_of, planned)
    data.sales_lines = _sales_lines(company, as_of, end, planned)
    data.demands = [DemandRow(*row) for row in Demand.objects.filter(
        company=company, is_active=True, date__gte=as_of, date__lte=end,
    ).order_by("id").values_list("id", "item_id", "date", "quantity") if row[1] in planned]
    data.receipts = _receipts(company, end, planned)
    data.supplier_terms = _supplier_terms(company, as_of, planned)
    data.available, data.stock_rows = _available(company, data.sales_lines, planned)
    return data


def _boms(company: Company, as_of: datetime.date, planned: set[int]) -> tuple[list[BomRow], list[BomLineRow]]:
    """The default BOM version valid on ``as_of`` of each planned item, and its lines."""
    valid = (Q(company=company, is_default=True, is_active=True)
             & (Q(valid_from__isnull=True) | Q(valid_from__lte=as_of))
             & (Q(valid_to__isnull=True) | Q(valid_to__gte=as_of)))
    boms = [BomRow(*row) for row in Bom.objects.filter(valid).order_by("id").values_list("id", "item_id", "quantity")
            if row[1] in planned]
    kept = {bom.id for bom in boms}
    lines = [BomLineRow(*row) for row in BomLine.objects.filter(
        bom__company=company, bom__is_default=True, bom__is_active=True,
    ).filter(Q(bom__valid_from__isnull=True) | Q(bom__valid_from__lte=as_of),
             Q(bom__valid_to__isnull=True) | Q(bom__valid_to__gte=as_of)).order_by("bom_id", "sequence", "id")
        .values_list("id", "bom_id", "kind", "component_id", "quantity_base", "scrap_percent") if row[1] in kept]
    return boms, lines


def _sales_lines(company: Company, as_of: datetime.date, end: datetime.date, planned: set[int]
                 ) -> list[SalesLineRow]:
    """Confirmed (or partly delivered) orders' lines still to deliver, needed by the promised date
    (the line's, else its requested date, else the order's) less the company's shipping preparation
    days; those needed after ``end`` are outside the horizon."""
    prep = datetime.timedelta(days=company.shipping_prep_days)
    rows = SalesOrderLine.objects.filter(
        order__company=company, order__status__in=sales_status.OPEN_ORDER_STATUSES,
    ).order_by("id").values_list("id", "item_id", "quantity_base", "delivered_quantity", "promised_date",
                                 "requested_date", "order__promised_date", "order__requested_date", "order__number",
                                 "line_no")
    found = []
    for pk, item_id, quantity, delivered, promised, requested, order_promised, order_requested, number, no in rows:
        left = quantity - delivered
        if item_id not in planned or left <= 0:
            continue
        date = promised or requested or order_promised or order_requested
        needed = as_of if date is None else max(as_of, date - prep)
        if needed <= end:
            found.append(SalesLineRow(pk, item_id, left, needed, f"{number}/{no}"))
    return found


def _receipts(company: Company, end: datetime.date, planned: set[int]) -> list[ReceiptRow]:
    """Open work orders (quantity not yet completed, on their due date), open purchase order lines of
    orders awaiting approval, approved, sent or partly received (quantity not yet received, on the
    line's expected date, else the order's) and open lines of open requisitions (on their required
    date). Receipts due after ``end`` are outside the horizon."""
    found: list[ReceiptRow] = []
    for pk, item_id, quantity, completed, due, number in WorkOrder.objects.filter(
            company=company, status__in=st.OPEN_WORK_ORDER).order_by("id").values_list(
            "id", "item_id", "quantity", "completed_quantity", "due_date", "number"):
        if item_id in planned and quantity > completed and due <= end:
            found.append(ReceiptRow(WORK_ORDER, pk, item_id, quantity - completed, due, number))
    for pk, item_id, quantity, received, returned, line_due, order_due, number, no in PurchaseOrderLine.objects.filter(
            order__company=company, order__status__in=purchasing_status.OPEN_ORDER_STATUSES).order_by("id").values_list(
            "id", "item_id", "quantity_base", "received_quantity", "returned_quantity", "expected_date",
            "order__expected_date", "order__number", "line_no"):
        left = quantity - (received - returned)
        expected = line_due or order_due
        if item_id in planned and left > 0 and (expected is None or expected <= end):
            found.append(ReceiptRow(PURCHASE_ORDER, pk, item_id, left, expected, f"{number}/{no}"))
    for pk, item_id, quantity, required, number, no in PurchaseRequisitionLine.objects.filter(
            requisition__company=company, requisition__status=purchasing_status.RequisitionStatus.OPEN,
            status=purchasing_status.RequisitionLineStatus.OPEN).order_by("id").values_list(
            "id", "item_id", "quantity_base", "required_date", "requisition__number", "line_no"):
        if item_id in planned and (required is None or required <= end):
            found.append(ReceiptRow(REQUISITION, pk, item_id, quantity, required, f"{number}/{no}"))
    return found


def _supplier_terms(company: Company, as_of: datetime.date, planned: set[int]) -> dict[int, SupplierTerms]:
    """Each buy item's preferred supplier item valid on ``as_of`` (of an active supplier): its lead
    time (else the supplier's), minimum order quantity and order multiple converted to base units.
    A supplier item in a unit the item cannot convert keeps its lead time only."""
    found = SupplierItem.objects.filter(
        supplier__company=company, supplier__is_active=True, is_preferred=True, is_active=True,
    ).filter(Q(valid_from__isnull=True) | Q(valid_from__lte=as_of), Q(valid_to__isnull=True) | Q(valid_to__gte=as_of)
             ).order_by("item_id", "id").values_list("item_id", "unit_id", "item__base_unit_id", "lead_time_days",
                                                     "supplier__lead_time_days", "min_order_quantity",
                                                     "order_multiple")
    rows = [row for row in found if row[0] in planned]
    factors = {(item_id, unit_id): factor for item_id, unit_id, factor in ItemUnit.objects.filter(
        item__company=company, item_id__in=[row[0] for row in rows if row[1] != row[2]],
    ).values_list("item_id", "unit_id", "factor")} if any(row[1] != row[2] for row in rows) else {}
    terms: dict[int, SupplierTerms] = {}
    for item_id, unit_id, base_unit_id, lead_time, supplier_lead_time, moq, multiple in rows:
        if item_id in terms:
            continue  # one preferred per item and date (an exclusion constraint): the first by id
        factor = Decimal("1") if unit_id == base_unit_id else factors.get((item_id, unit_id))
        terms[item_id] = SupplierTerms(item_id, lead_time if lead_time is not None else supplier_lead_time,
                                       moq * factor if factor is not None else ZERO,
                                       multiple * factor if factor is not None else ZERO)
    return terms


def _available(company: Company, sales_lines: list[SalesLineRow], planned: set[int]) -> tuple[dict[int, Decimal], int]:
    """Per item: on hand in storage locations (never quarantine nor transit) less what is reserved
    there, plus the reservations of the sales order lines MRP counts as demand (their open quantity
    is already a gross requirement: subtracting their reservations too would count them twice).
    Returns (available per item, number of stock rows read)."""
    available: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = 0
    for item_id, on_hand, reserved, count in StockBalance.objects.filter(
            company=company, location__kind=inventory_status.LocationKind.INTERNAL,
    ).values("item_id").order_by("item_id").annotate(
            on_hand=Sum("on_hand"), reserved=Sum("reserved"), count=Count("id")).values_list(
            "item_id", "on_hand", "reserved", "count"):
        rows += count
        if item_id in planned:
            available[item_id] += on_hand - reserved
    counted = {line.id for line in sales_lines}
    if counted:
        for item_id, line_id, quantity in Reservation.objects.filter(
                company=company, status=inventory_status.ReservationStatus.ACTIVE,
                document_type=ContentType.objects.get_for_model(SalesOrder), line_id__isnull=False,
                location__kind=inventory_status.LocationKind.INTERNAL,
        ).values("item_id", "line_id").order_by("item_id", "line_id").annotate(quantity=Sum("quantity")).values_list(
                "item_id", "line_id", "quantity"):
            if line_id in counted and item_id in planned:
                available[item_id] += quantity
    return dict(available), rows
