"""Supplier returns (RTV): goods of a posted goods receipt sent back to the supplier — rejected at
incoming inspection (taken from quarantine), or found wrong later (taken from where they were put
away). Posting issues them at the receipt line's cost per base unit (not the average: the supplier
credits what we paid), lowers the order lines' kept quantities and the inspections' open rejects.

A posted return is final: the transition table has no way back (a return sent by mistake is received
again with a new receipt). A draft is voided with a reason (``return_cancel``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NoReturn

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition, void
from erp.errors import DomainError
from erp.models import Company, User
from erp.money import format_quantity, round_cost
from inventory import status as inventory_status
from inventory.models import GoodsReceipt, GoodsReceiptLine, Location, Lot, UnitOfMeasure
from inventory.services.stock import MoveSpec, post_moves
from inventory.units import to_base
from purchasing import status as st
from purchasing.models import Inspection, PurchaseOrder, PurchaseOrderLine, Supplier, SupplierReturn, SupplierReturnLine

ZERO = Decimal("0")


def refuse(n: int, message: str, field: str = "lines") -> NoReturn:
    raise DomainError(_("Line %(n)s: ") % {"n": n} + message, field=field)


def base_cost(line: GoodsReceiptLine) -> Decimal:
    """The receipt line's cost per base unit (its ``unit_cost`` is per its own unit)."""
    base = to_base(line.item, line.quantity, line.unit)
    return round_cost(line.unit_cost * line.quantity / base) if base else ZERO


def returned_by_receipt_line(line_ids: Sequence[int], exclude: SupplierReturn | None = None) -> dict[int, Decimal]:
    """{receipt line id: base quantity on posted returns}."""
    rows = (SupplierReturnLine.objects.filter(receipt_line_id__in=line_ids,
                                              supplier_return__status=st.ReturnStatus.POSTED)
            .values("receipt_line_id").annotate(total=Sum("quantity_base")))
    return {row["receipt_line_id"]: row["total"] for row in rows}


def receipt_order(receipt: GoodsReceipt) -> PurchaseOrder | None:
    if receipt.source_type is None or receipt.source_id is None \
            or receipt.source_type.model_class() is not PurchaseOrder:
        return None
    return PurchaseOrder.objects.select_related("supplier").filter(pk=receipt.source_id).first()


def default_lines(receipt: GoodsReceipt) -> list[dict[str, Any]]:
    """What a new return proposes: the rejects of the receipt's inspections not yet returned, from
    quarantine; without any, every line's kept quantity from where it was posted."""
    inspections = list(Inspection.objects.filter(receipt=receipt, status=st.InspectionStatus.DONE,
                                                 rejected_quantity__gt=0).select_related("receipt_line"))
    rejected = [{"receipt_line": i.receipt_line, "quantity": i.rejected_quantity - i.returned_quantity,
                 "location": i.quarantine_location_id and i.quarantine_location}
                for i in inspections if i.rejected_quantity > i.returned_quantity]
    if rejected:
        return rejected
    lines = list(receipt.lines.select_related("item", "unit", "posted_location").order_by("pk"))
    returned = returned_by_receipt_line([line.pk for line in lines])
    rows = []
    for line in lines:
        base = to_base(line.item, line.quantity, line.unit) or ZERO
        left = base - returned.get(line.pk, ZERO)
        if left > 0:
            rows.append({"receipt_line": line, "quantity": left, "location": line.posted_location or line.location})
    return rows


def check_line(n: int, supplier_return: SupplierReturn, given: Mapping[str, Any],
               receipt_lines: Mapping[int, GoodsReceiptLine]) -> SupplierReturnLine:
    ref = given.get("receipt_line")
    line = receipt_lines.get(getattr(ref, "pk", ref))  # type: ignore[arg-type]
    if line is None:
        refuse(n, _("choose a line of receipt %(receipt)s.") % {"receipt": supplier_return.receipt.reference})
    assert line is not None
    unit: UnitOfMeasure = given.get("unit") or line.item.base_unit
    quantity: Any = given.get("quantity")
    if quantity is None or Decimal(quantity) <= 0:
        refuse(n, _("the quantity must be greater than zero."), "quantity")
    base = to_base(line.item, Decimal(quantity), unit)
    if base is None:
        refuse(n, _("%(unit)s is not a unit of %(item)s.") % {"unit": unit.code, "item": line.item.code}, "unit")
    location: Location | None = given.get("location") or line.posted_location or line.location
    assert location is not None
    if location.warehouse_id != supplier_return.warehouse_id:
        refuse(n, _("location %(loc)s is not in warehouse %(wh)s.")
               % {"loc": location, "wh": supplier_return.warehouse.code}, "location")
    lot: Lot | None = given.get("lot") or line.lot
    inspection = None
    if location.kind == inventory_status.LocationKind.QUARANTINE:
        inspection = Inspection.objects.filter(receipt_line=line).first()
        if inspection is not None and inspection.status != st.InspectionStatus.DONE:
            refuse(n, _("%(item)s is waiting for its inspection: record it first.") % {"item": line.item.code})
    return SupplierReturnLine(
        supplier_return=supplier_return, receipt_line=line, order_line_id=(
            line.source_line_id if supplier_return.order_id else None),
        inspection=inspection, item=line.item, quantity=Decimal(quantity), unit=unit, quantity_base=base,
        location=location, lot=lot, unit_cost=base_cost(line))


@atomic_with_retry
def return_save(*, company: Company, actor: User, receipt: GoodsReceipt, lines: Sequence[Mapping[str, Any]],
                supplier_return: SupplierReturn | None = None, supplier: Supplier | None = None,
                **header: Any) -> SupplierReturn:
    """Create or update a draft return of ``receipt`` with its lines ([{receipt_line, quantity, unit?,
    location?, lot?}], replaced as a whole)."""
    if receipt.company_id != company.pk or receipt.status != inventory_status.DocStatus.POSTED:
        raise DomainError(_("Goods can only be returned from a posted goods receipt."), field="receipt")
    if not lines:
        raise DomainError(_("Add at least one line."), field="lines")
    order = receipt_order(receipt)
    supplier = order.supplier if order is not None else supplier
    if supplier is None:
        raise DomainError(_("Choose the supplier the goods go back to."), field="supplier")
    if supplier_return is None:
        supplier_return = SupplierReturn(company=company, created_by=actor)
    elif not supplier_return.is_editable:
        raise DomainError(_("Only a draft return can be changed."), field="lines")
    supplier_return.receipt, supplier_return.order, supplier_return.supplier = receipt, order, supplier
    supplier_return.warehouse_id = receipt.warehouse_id
    for name, value in header.items():
        setattr(supplier_return, name, value)
    supplier_return.updated_by = actor
    receipt_lines = {line.pk: line for line in receipt.lines.select_related(
        "item", "item__base_unit", "unit", "location", "posted_location", "lot")}
    supplier_return.full_clean(exclude=["number", "status"])
    supplier_return.save()
    checked = [check_line(n, supplier_return, given, receipt_lines) for n, given in enumerate(lines, start=1)]
    SupplierReturnLine.objects.filter(supplier_return=supplier_return).delete()
    audit.record_created(SupplierReturnLine.objects.bulk_create(checked), actor=actor)
    return supplier_return


@atomic_with_retry
def return_create_from_receipt(*, receipt: GoodsReceipt, actor: User, supplier: Supplier | None = None,
                               reason: str = "") -> SupplierReturn:
    """A draft return of ``receipt`` proposing its rejected goods (or what was kept of every line)."""
    lines = default_lines(receipt)
    if not lines:
        raise DomainError(_("Everything of %(receipt)s was returned already.") % {"receipt": receipt.reference},
                          field="receipt")
    return return_save(company=receipt.company, actor=actor, receipt=receipt, lines=lines, supplier=supplier,
                       reason=reason)


@atomic_with_retry
def return_post(*, supplier_return: SupplierReturn, actor: User) -> SupplierReturn:
    """Send the goods back: they leave at the receipt's cost; the order lines' returned quantities and
    the inspections' returned rejects go up. Refused beyond what the receipt line kept, beyond an
    inspection's rejects, or beyond what is on hand at the location (nothing is posted then)."""
    check_transition(supplier_return, st.ReturnStatus.POSTED)
    if supplier_return.order_id:  # the order first, as a receipt's posting locks it
        PurchaseOrder.objects.select_for_update().filter(pk=supplier_return.order_id).first()
    supplier_return = SupplierReturn.objects.select_for_update(of=("self",)).select_related("company", "receipt").get(
        pk=supplier_return.pk)
    check_transition(supplier_return, st.ReturnStatus.POSTED)
    lines = list(supplier_return.lines.select_related("item", "item__base_unit", "location", "lot",
                                                      "receipt_line", "receipt_line__item", "receipt_line__unit")
                 .order_by("pk"))
    order_lines = {line.pk: line for line in PurchaseOrderLine.objects.select_for_update().filter(
        pk__in=[line.order_line_id for line in lines if line.order_line_id]).order_by("pk")}
    inspections = {i.pk: i for i in Inspection.objects.select_for_update().filter(
        pk__in=[line.inspection_id for line in lines if line.inspection_id]).order_by("pk")}
    returned = returned_by_receipt_line([line.receipt_line_id for line in lines])
    specs = []
    for n, line in enumerate(lines, start=1):
        receipt_line = line.receipt_line
        kept = (to_base(receipt_line.item, receipt_line.quantity, receipt_line.unit) or ZERO) \
            - returned.get(receipt_line.pk, ZERO)
        unit = line.item.base_unit
        if line.quantity_base > kept:
            refuse(n, _("only %(kept)s of %(item)s from this receipt are left to return.")
                   % {"kept": format_quantity(kept, unit, with_unit=True), "item": line.item.code}, "quantity")
        returned[receipt_line.pk] = returned.get(receipt_line.pk, ZERO) + line.quantity_base
        inspection = inspections.get(line.inspection_id) if line.inspection_id else None
        if inspection is not None:
            left = inspection.rejected_quantity - inspection.returned_quantity
            if line.quantity_base > left:
                refuse(n, _("only %(left)s of %(item)s were rejected at inspection and not yet returned.")
                       % {"left": format_quantity(left, unit, with_unit=True), "item": line.item.code}, "quantity")
            inspection.returned_quantity += line.quantity_base
        order_line = order_lines.get(line.order_line_id) if line.order_line_id else None
        if order_line is not None:
            order_line.returned_quantity += line.quantity_base
        specs.append(MoveSpec(item=line.item, location=line.location, lot=line.lot, quantity=-line.quantity_base,
                              move_type=inventory_status.MoveType.SUPPLIER_RETURN, unit_cost=line.unit_cost,
                              field="quantity", line=n))
    transition(supplier_return, st.ReturnStatus.POSTED, actor=actor, extra_fields={"posted_at": timezone.now()})
    post_moves(company=supplier_return.company, specs=specs, actor=actor, document=supplier_return)
    changed_lines, changed_inspections = list(order_lines.values()), list(inspections.values())
    if changed_lines:
        before = audit.snapshot(PurchaseOrderLine.objects.filter(pk__in=[row.pk for row in changed_lines]))
        PurchaseOrderLine.objects.bulk_update(changed_lines, ["returned_quantity"])
        audit.record_updated(changed_lines, before, ["returned_quantity"], actor=actor)
    if changed_inspections:
        before = audit.snapshot(Inspection.objects.filter(pk__in=[row.pk for row in changed_inspections]))
        Inspection.objects.bulk_update(changed_inspections, ["returned_quantity"])
        audit.record_updated(changed_inspections, before, ["returned_quantity"], actor=actor)
    if supplier_return.order_id:
        order = PurchaseOrder.objects.get(pk=supplier_return.order_id)
        if order.status == st.OrderStatus.RECEIVED:  # the supplier owes the goods again
            transition(order, st.OrderStatus.PARTIAL, actor=actor)
    return supplier_return


@atomic_with_retry
def return_cancel(*, supplier_return: SupplierReturn, actor: User, reason: str) -> SupplierReturn:
    """Void a draft return (a posted one is final: receive the goods again instead)."""
    if supplier_return.status == st.ReturnStatus.POSTED:
        raise DomainError(_("A posted return cannot be voided: receive the goods again with a new receipt."),
                          field="status")
    check_transition(supplier_return, st.ReturnStatus.CANCELLED)
    void(supplier_return, st.ReturnStatus.CANCELLED, actor=actor, reason=reason)
    return supplier_return
