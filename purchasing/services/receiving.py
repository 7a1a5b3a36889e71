"""Goods received against purchase orders.

The receipt is inventory's document (``inventory.GoodsReceipt`` whose source is the order): purchasing
makes its draft from the order's open quantities (``receipt_create_for_order``) and takes part in its
posting through inventory's in-transaction hooks (``purchasing/receivers.py``): it locks the order and
refuses a receipt it can no longer take (``order_for_receipt``), checks the over-receipt tolerance and
records the received quantities (``order_record_receipt``), and opens an incoming inspection for each
line posted to quarantine (``inspections_open``). A voided posted receipt takes its quantities back
(``order_reverse_receipt``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import transition
from erp.errors import DomainError
from erp.models import User
from erp.money import format_quantity, round_cost
from inventory import status as inventory_status
from inventory.models import GoodsReceipt, GoodsReceiptLine, Item, Location, StockBalance, UnitOfMeasure, Warehouse
from inventory.services.documents import receipt_save
from inventory.units import to_base
from purchasing import status as st
from purchasing.models import Inspection, PurchaseOrder, PurchaseOrderLine
from purchasing.selectors.pricing import purchasing_settings
from purchasing.services.feedback import repromise_pegged_sales_lines

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def refuse_unreceivable(order: PurchaseOrder) -> None:
    """A DomainError unless goods may be received against ``order`` (approved, sent or partially received)."""
    if order.status in st.RECEIVABLE_ORDER_STATUSES:
        return
    if order.status == st.OrderStatus.CANCELLED:
        message = _("%(order)s is cancelled: nothing can be received against it.")
    elif order.status in (st.OrderStatus.RECEIVED, st.OrderStatus.CLOSED):
        message = _("%(order)s is %(status)s: nothing more can be received against it.")
    else:
        message = _("%(order)s is not approved: nothing can be received against it.")
    raise DomainError(message % {"order": order.reference, "status": order.get_status_display().lower()},
                      field="order")


def default_location(warehouse: Warehouse, item: Item) -> Location | None:
    """Where an item is put away in a warehouse: the first active storage location holding it, else
    the warehouse's first active storage location."""
    storage = Location.objects.filter(warehouse=warehouse, kind=inventory_status.LocationKind.INTERNAL,
                                      is_active=True)
    holding = (StockBalance.objects.filter(item=item, location__in=storage, on_hand__gt=0)
               .order_by("location__code").select_related("location").first())
    if holding is not None:
        return holding.location
    return storage.order_by("code").first()


def in_line_unit(line: PurchaseOrderLine, base: Decimal) -> tuple[Decimal, UnitOfMeasure]:
    """(quantity, unit) of ``base`` in the order line's unit when it divides exactly, else the base unit."""
    factor = line.quantity_base / line.quantity
    quantity = base / factor
    if quantity == quantity.quantize(Decimal("0.0001")):
        return quantity.quantize(Decimal("0.0001")).normalize(), line.unit
    return base, line.item.base_unit


def unit_cost_in(line: PurchaseOrderLine, unit: UnitOfMeasure) -> Decimal:
    """The order line's price per ``unit`` (the receipt line's cost is per its own unit)."""
    if unit.pk == line.unit_id:
        return line.unit_price
    base = to_base(line.item, Decimal("1"), unit)
    per_base = line.unit_price * line.quantity / line.quantity_base
    return round_cost(per_base * (base if base is not None else Decimal("1")))


@atomic_with_retry
def receipt_create_for_order(*, order: PurchaseOrder, actor: User,
                             lines: Sequence[Mapping[str, Any]] | None = None, **header: Any) -> GoodsReceipt:
    """A draft goods receipt of ``order`` in its warehouse: by default every line's open quantity, or
    ``lines`` = [{order_line, quantity, unit?, location?, lot_number?, manufactured_on?, expires_on?}].
    The keeper checks it (quantities, lots, locations) on inventory's receipt screen and posts it."""
    refuse_unreceivable(order)
    order_lines = {line.pk: line for line in order.lines.select_related("item", "item__base_unit", "unit")}
    rows: list[dict[str, Any]] = []
    if lines is None:
        for line in order_lines.values():
            if line.open_quantity > 0 and line.item.is_stocked:
                quantity, unit = in_line_unit(line, line.open_quantity)
                rows.append({"order_line": line, "quantity": quantity, "unit": unit})
        if not rows:
            raise DomainError(_("Everything on %(order)s was received: there is nothing left to receive.")
                              % {"order": order.reference}, field="order")
    else:
        for n, given in enumerate(lines, start=1):
            ref = given.get("order_line")
            found = order_lines.get(getattr(ref, "pk", ref))  # type: ignore[arg-type]
            if found is None:
                raise DomainError(_("Line %(n)s: choose a line of %(order)s.") % {"n": n, "order": order.reference},
                                  field="lines")
            rows.append({**given, "order_line": found})
    receipt_lines = []
    for row in rows:
        line = row["order_line"]
        unit = row.get("unit") or line.unit
        location = row.get("location") or default_location(order.warehouse, line.item)
        receipt_lines.append({
            "item": line.item, "unit": unit, "quantity": row.get("quantity"), "location": location,
            "lot_number": row.get("lot_number") or "", "manufactured_on": row.get("manufactured_on"),
            "expires_on": row.get("expires_on"), "unit_cost": unit_cost_in(line, unit), "source_line_id": line.pk,
        })
    supplier = order.supplier
    header.setdefault("supplier_reference", f"{supplier.code} {supplier.name}"[:200])
    return receipt_save(company=order.company, actor=actor, lines=receipt_lines, warehouse=order.warehouse,
                        source_type=ContentType.objects.get_for_model(PurchaseOrder), source_id=order.pk,
                        source_reference=order.reference[:60], **header)


# Inventory's hooks (purchasing/receivers.py) ---------------------------------------------------


def order_for_receipt(order_id: int | None) -> PurchaseOrder:
    """The receipt's order, locked (the order's changes and the other receipts wait), if goods may be
    received against it; its lines are locked too, in pk order."""
    order = None if order_id is None else (
        PurchaseOrder.objects.select_for_update(of=("self",)).select_related("supplier", "company")
        .filter(pk=order_id).first())
    if order is None:
        raise DomainError(_("The receipt's purchase order no longer exists."), field="order")
    refuse_unreceivable(order)
    list(PurchaseOrderLine.objects.select_for_update().filter(order=order).order_by("pk").values_list("pk", flat=True))
    return order


def check_tolerance(order: PurchaseOrder, lines: Sequence[PurchaseOrderLine], receipt_lines: Sequence[GoodsReceiptLine],
                    received: Mapping[int, Decimal]) -> None:
    """Refuse receiving more of an order line than ordered plus the company's over-receipt tolerance."""
    tolerance = purchasing_settings(order.company).over_receipt_percent
    by_pk = {line.pk: line for line in lines}
    numbers: dict[int | None, int] = {}
    for n, receipt_line in enumerate(receipt_lines, start=1):
        numbers.setdefault(receipt_line.source_line_id, n)
        ordered = by_pk.get(receipt_line.source_line_id or 0)
        if ordered is not None and ordered.item_id != receipt_line.item_id:
            raise DomainError(_("Line %(n)s: %(item)s is not the item of the order's line %(line)s (%(ordered)s).") % {
                "n": n, "item": receipt_line.item.code, "line": ordered.line_no, "ordered": ordered.item.code},
                field="lines")
    for line_id, quantity in received.items():
        line = by_pk.get(line_id)
        if line is None:
            raise DomainError(_("Line %(n)s: the purchase order line no longer exists.") % {"n": numbers[line_id]},
                              field="lines")
        after = line.received_quantity + quantity - line.returned_quantity
        allowed = line.quantity_base * (1 + tolerance / HUNDRED)
        if after > allowed:
            unit = line.item.base_unit
            raise DomainError(
                _("Line %(n)s: receiving %(quantity)s would bring %(item)s to %(after)s, more than the order's "
                  "%(ordered)s plus the %(tolerance)s %% tolerance.") % {
                    "n": numbers[line_id], "quantity": format_quantity(quantity, unit, with_unit=True),
                    "item": line.item.code, "after": format_quantity(after, unit, with_unit=True),
                    "ordered": format_quantity(line.quantity_base, unit, with_unit=True),
                    "tolerance": format_quantity(tolerance)},
                field="lines")


def set_receipt_status(order: PurchaseOrder, lines: Sequence[PurchaseOrderLine], actor: User | None) -> None:
    stocked = [line for line in lines if line.item.is_stocked]
    complete = all(line.net_received >= line.quantity_base for line in stocked)
    target = st.OrderStatus.RECEIVED if complete else st.OrderStatus.PARTIAL
    if order.status in (st.OrderStatus.CLOSED, st.OrderStatus.CANCELLED, st.OrderStatus.DRAFT,
                        st.OrderStatus.AWAITING_APPROVAL):
        return  # a closed order keeps its status; a revision in progress takes it when approved again
    if target != order.status:
        transition(order, target, actor=actor)


def order_record_receipt(*, order: PurchaseOrder, receipt: GoodsReceipt, lines: Sequence[GoodsReceiptLine],
                         received: Mapping[int, Decimal], actor: User | None) -> list[PurchaseOrderLine]:
    """Add ``received`` ({order line id: base quantity}) to the locked order's lines within the
    tolerance, and move the order to partially received or received. Returns the lines received."""
    order_lines = list(PurchaseOrderLine.objects.select_for_update(of=("self",)).filter(order=order).select_related(
        "item", "item__base_unit").order_by("pk"))
    check_tolerance(order, order_lines, lines, received)
    changed = [line for line in order_lines if line.pk in received]
    before = audit.snapshot(changed)
    for line in changed:
        line.received_quantity += received[line.pk]
    PurchaseOrderLine.objects.bulk_update(changed, ["received_quantity"])
    audit.record_updated(changed, before, ["received_quantity"], actor=actor)
    set_receipt_status(order, order_lines, actor)
    after_receipt(changed, actor)
    return changed


def after_receipt(order_lines: Sequence[PurchaseOrderLine], actor: User | None) -> None:
    """What follows a receipt of ``order_lines`` in the same transaction: the sales order lines pegged
    to them are promised again (a line fully received supplies today; sales notifies the rep when a
    promised date moves)."""
    repromise_pegged_sales_lines(order_lines=order_lines, actor=actor)


def inspections_open(*, receipt: GoodsReceipt, lines: Sequence[GoodsReceiptLine], order: PurchaseOrder | None,
                     actor: User | None) -> list[Inspection]:
    """One pending inspection for each line posted to quarantine (waiting for its inspection)."""
    quarantined = [line for line in lines if line.posted_location is not None
                   and line.posted_location.kind == inventory_status.LocationKind.QUARANTINE]
    if not quarantined:
        return []
    order_lines = set(PurchaseOrderLine.objects.filter(order=order).values_list("pk", flat=True)) if order else set()
    inspections = []
    for line in quarantined:
        base = to_base(line.item, line.quantity, line.unit)
        assert line.posted_location is not None and base is not None
        inspections.append(Inspection(
            company=receipt.company, receipt=receipt, receipt_line=line,
            order_line_id=line.source_line_id if line.source_line_id in order_lines else None,
            supplier=order.supplier if order is not None else None, item=line.item, lot=line.lot,
            warehouse=receipt.warehouse, quarantine_location=line.posted_location, destination=line.location,
            quantity=base, document_date=receipt.document_date, created_by=actor, updated_by=actor))
    created = Inspection.objects.bulk_create(inspections)
    audit.record_created(created, actor=actor)
    return created


def order_reverse_receipt(*, order: PurchaseOrder | None, receipt: GoodsReceipt, received: Mapping[int, Decimal],
                          actor: User | None) -> None:
    """A posted receipt is voided and reversed: its pending inspections are cancelled (refused once one
    was recorded: its goods left quarantine) and the order's received quantities go back."""
    inspections = list(Inspection.objects.select_for_update().filter(receipt=receipt).order_by("pk"))
    for inspection in inspections:
        if inspection.status == st.InspectionStatus.DONE:
            raise DomainError(_("%(inspection)s was already recorded: the receipt can no longer be reversed. "
                                "Return the goods to the supplier instead.") % {"inspection": inspection.reference},
                              field="receipt")
    for inspection in inspections:
        if inspection.status == st.InspectionStatus.PENDING:
            transition(inspection, st.InspectionStatus.CANCELLED, actor=actor)
    if order is None:
        return
    order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    lines = list(PurchaseOrderLine.objects.select_for_update(of=("self",)).filter(order=order).select_related(
        "item", "item__base_unit").order_by("pk"))
    changed = [line for line in lines if line.pk in received]
    before = audit.snapshot(changed)
    for line in changed:
        line.received_quantity -= received[line.pk]
        if line.received_quantity < line.returned_quantity:
            raise DomainError(_("Line %(n)s of %(order)s: goods of it were returned to the supplier; the receipt can "
                                "no longer be reversed.") % {"n": line.line_no, "order": order.reference},
                              field="receipt")
    PurchaseOrderLine.objects.bulk_update(changed, ["received_quantity"])
    audit.record_updated(changed, before, ["received_quantity"], actor=actor)
    if order.status == st.OrderStatus.RECEIVED:
        transition(order, st.OrderStatus.PARTIAL, actor=actor)
