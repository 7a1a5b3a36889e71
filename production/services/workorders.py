"""Work orders: save a draft, release (number, BOM explosion, operations, reservations with shortages
reported), issue components (explicitly or backflushed at completion), complete quantities (finished
goods received at actual cost), close (standard vs actual, variances announced) and cancel.

Stock moves only through inventory's services (``reserve_many``, ``issue_reserved``, ``issue_picks``,
``post_moves``, ``release``). Lock order: the work order, its component rows (pk order), then what
inventory locks (valuations, balances). Status changes through ``erp.documents.transition``.

Costing rules (docs/production.md, "Work orders"):
- material: what was issued, at the components' moving-average cost (the ledger's values);
- labour: per operation, (setup once + run time x quantity) / 60 / efficiency x the work center's
  cost per hour, charged as quantities are completed; the standard ignores efficiency;
- overhead: the order's overhead % of labour (0 unless set), standard and actual alike;
- a completion is valued at its share of the material in work in progress (all of it on the last
  completion) plus its labour and overhead, divided by the quantity completed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import check_transition, transition
from erp.errors import DomainError, ImmutableDocument
from erp.events import publish
from erp.models import Company, User
from erp.money import format_quantity, round_cost, round_money, round_quantity
from inventory import status as inventory_status
from inventory.models import Item, Location, Lot, StockMove, Warehouse
from inventory.selectors import held_by_line
from inventory.services.masterdata import lot_for_receipt
from inventory.services.stock import (
    MoveSpec,
    Pick,
    ReserveRequest,
    issue_picks,
    issue_reserved,
    post_moves,
    release,
    reserve_many,
)
from production import status as st
from production.models import Bom, Routing, WorkOrder, WorkOrderComponent, WorkOrderOperation
from production.selectors.workorders import byproducts_of, default_bom
from production.signals import work_order_closed

ZERO = Decimal("0")
HUNDRED = Decimal("100")
SIXTY = Decimal("60")
MAX_DEPTH = 20  # phantoms within phantoms: deeper than this is a cycle the BOM checks missed
CONSUMPTION = inventory_status.MoveType.PRODUCTION_CONSUMPTION
OUTPUT = inventory_status.MoveType.PRODUCTION_OUTPUT
ISSUABLE = (st.WorkOrderStatus.RELEASED, st.WorkOrderStatus.IN_PROGRESS)


def as_quantity(value: Any, field: str = "quantity") -> Decimal:
    """``value`` as a positive quantity (6 places); a DomainError on ``field`` otherwise."""
    try:
        quantity = Decimal(str(value).strip()) if value is not None and str(value).strip() else None
    except (InvalidOperation, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise DomainError(_("Enter a number."), field=field)
    if quantity <= 0:
        raise DomainError(_("The quantity must be greater than zero."), field=field)
    if round_quantity(quantity) != quantity:
        raise DomainError(_("At most 6 decimal places."), field=field)
    return quantity


# Drafts ----------------------------------------------------------------------------------------


def check_bom(item: Item, bom: Bom | None, on_date: datetime.date) -> Bom:
    if bom is None:
        found = default_bom(item, on_date)
        if found is None:
            raise DomainError(_("%(item)s has no active default BOM valid on %(date)s: choose a BOM version.")
                              % {"item": item.code, "date": on_date.isoformat()}, field="bom")
        return found
    if bom.item_id != item.pk:
        raise DomainError(_("BOM %(bom)s is not a BOM of %(item)s.") % {"bom": bom, "item": item.code},
                          field="bom")
    if not bom.is_active:
        raise DomainError(_("BOM %(bom)s is inactive.") % {"bom": bom}, field="bom")
    return bom


@atomic_with_retry
def work_order_save(*, company: Company, actor: User, item: Item, warehouse: Warehouse, quantity: Any,
                    start_date: datetime.date, due_date: datetime.date | None = None, bom: Bom | None = None,
                    routing: Routing | None = None, work_order: WorkOrder | None = None, backflush: bool = False,
                    overhead_percent: Any = ZERO, notes: str = "", sales_order_line: Any = None,
                    source: str = st.WorkOrderSource.MANUAL, responsible: User | None = None) -> WorkOrder:
    """Create or change a draft work order. The BOM defaults to the item's default version on the
    start date, the routing to the BOM's. Refused: another company's or an inactive item, a bought
    item, a zero quantity, an inactive BOM or another item's, a routing of another item, a due date
    before the start."""
    if work_order is not None:
        work_order = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
        if not work_order.is_editable:
            raise ImmutableDocument()
    if item.company_id != company.pk or not item.is_active:
        raise DomainError(_("Choose an active item of this company."), field="item")
    if item.procurement != inventory_status.Procurement.MAKE:
        raise DomainError(_("%(item)s is bought, not made: a work order needs a make item.") % {"item": item.code},
                          field="item")
    if warehouse.company_id != company.pk or not warehouse.is_active:
        raise DomainError(_("Choose an active warehouse of this company."), field="warehouse")
    amount = as_quantity(quantity)
    due = due_date or start_date
    if due < start_date:
        raise DomainError(_("The due date must not be before the start date."), field="due_date")
    try:
        overhead = Decimal(str(overhead_percent or 0))
    except InvalidOperation:
        overhead = Decimal("-1")
    if overhead < 0 or overhead > Decimal("1000"):
        raise DomainError(_("The overhead must be between 0 and 1000 %."), field="overhead_percent")
    bom = check_bom(item, bom, start_date)
    routing = routing or bom.routing
    if routing is not None and routing.item_id != item.pk:
        raise DomainError(_("Routing %(routing)s belongs to another item.") % {"routing": routing.code},
                          field="routing")
    fields = {"item": item, "warehouse": warehouse, "quantity": amount, "start_date": start_date, "due_date": due,
              "bom": bom, "routing": routing, "backflush": bool(backflush), "overhead_percent": overhead,
              "notes": notes or "", "responsible": responsible}
    if work_order is None:
        work_order = WorkOrder(company=company, created_by=actor, updated_by=actor, source=source,
                               sales_order_line=sales_order_line, **fields)
        work_order.save()
        audit.record_created([work_order], actor=actor)
        return work_order
    before = audit.snapshot([work_order])
    for name, value in fields.items():
        setattr(work_order, name, value)
    work_order.updated_by = actor
    work_order.save()
    audit.record_updated([work_order], before, list(fields), actor=actor)
    return work_order


# Release ---------------------------------------------------------------------------------------


@dataclass
class Requirement:
    item: Item
    per_unit: Decimal  # base units of the component per base unit of the order's item
    sequence: int


def explode(bom: Bom, on_date: datetime.date, per: Decimal = Decimal("1"), depth: int = 0,
            into: dict[int, Requirement] | None = None) -> dict[int, Requirement]:
    """{component id: requirement per unit of the BOM's item}: each line's base quantity per the BOM's
    quantity with its scrap; a phantom's own default BOM exploded in its place; by-products left out
    (they come out of the order: ``byproducts_of``)."""
    into = {} if into is None else into
    if depth > MAX_DEPTH:
        raise DomainError(_("BOM %(bom)s nests phantoms too deep: check it for a cycle.") % {"bom": bom}, field="bom")
    for line in bom.lines.select_related("component", "component__base_unit").order_by("sequence", "pk"):
        if line.kind == st.BomLineKind.BY_PRODUCT:
            continue
        need = per * line.quantity_base / bom.quantity * (1 + line.scrap_percent / HUNDRED)
        if line.kind == st.BomLineKind.PHANTOM:
            phantom = default_bom(line.component, on_date)
            if phantom is None:
                raise DomainError(_("Phantom %(item)s has no active default BOM valid on %(date)s.")
                                  % {"item": line.component.code, "date": on_date.isoformat()}, field="bom")
            explode(phantom, on_date, need, depth + 1, into)
            continue
        row = into.get(line.component_id)
        if row is None:
            into[line.component_id] = Requirement(line.component, need, len(into) * 10 + 10)
        else:
            row.per_unit += need
    return into


def byproduct_specs(order: WorkOrder, completed_after: Decimal, target: Location) -> list[MoveSpec]:
    """The production output moves of the by-products due for ``completed_after`` units, less what
    earlier completions received (each rounded on the total, so partial completions add up), at each
    by-product's standard cost. A lot-tracked by-product takes the work order's number as its lot."""
    if order.bom is None:
        return []
    specs = []
    for n, (item, per) in enumerate(byproducts_of(order.bom), start=1):
        before = round_quantity(per * order.completed_quantity)
        quantity = round_quantity(per * completed_after) - before
        if quantity <= 0 or not item.is_stocked:
            continue
        lot = lot_for_receipt(item=item, number=order.number, manufactured_on=timezone.localdate()) \
            if item.lot_tracked else None
        specs.append(MoveSpec(item=item, location=target, lot=lot, quantity=quantity, move_type=OUTPUT,
                              unit_cost=item.standard_cost, line=n + 1, field="quantity"))
    return specs


def standard_material_unit(bom: Bom, components: Sequence[WorkOrderComponent]) -> Decimal:
    """Standard material per unit: the BOM version's cost roll-up when it was costed, otherwise the
    components' standard costs."""
    if bom.costed_at is not None:
        return bom.material_cost
    return sum((row.quantity_per * row.standard_cost for row in components), ZERO)


def labour(operations: Sequence[WorkOrderOperation], quantity: Decimal, *, setup: bool, actual: bool) -> Decimal:
    """Labour of ``quantity``: per operation (setup once when ``setup``, + run x quantity) in hours x the
    cost rate, each rounded to the cent; ``actual`` divides the hours by the work center's efficiency."""
    total = ZERO
    for op in operations:
        hours = ((op.setup_minutes if setup else ZERO) + op.run_minutes * quantity) / SIXTY
        if actual:
            hours = hours * HUNDRED / op.efficiency_percent
        total += round_money(hours * op.cost_rate)
    return total


def overhead_of(work_order: WorkOrder, labour_amount: Decimal) -> Decimal:
    return round_money(labour_amount * work_order.overhead_percent / HUNDRED)


@dataclass
class Shortage:
    component: Item
    required: Decimal
    reserved: Decimal
    short: Decimal

    def text(self) -> str:
        return _("%(item)s: %(short)s %(unit)s short (%(reserved)s of %(required)s reserved)") % {
            "item": self.component.code, "unit": self.component.base_unit.code,
            "short": format_quantity(self.short, self.component.base_unit),
            "reserved": format_quantity(self.reserved, self.component.base_unit),
            "required": format_quantity(self.required, self.component.base_unit)}


@dataclass
class ReleaseResult:
    work_order: WorkOrder
    shortages: list[Shortage]


def lock(work_order: WorkOrder) -> WorkOrder:
    """The work order read again under its row lock (the first lock of every change)."""
    locked = (WorkOrder.objects.select_for_update(of=("self",))
              .select_related("item", "item__base_unit", "warehouse", "bom").get(pk=work_order.pk))
    locked._stored_status = locked.status
    return locked


def reserve_outstanding(work_order: WorkOrder, actor: User | None) -> list[Shortage]:
    """Reserve what each stocked component still needs (required - issued - held), as much as is
    available; returns the components left short. One call of inventory's ``reserve_many``."""
    lines = list(work_order.components.select_related("component", "component__base_unit")
                 .select_for_update(of=("self",)).order_by("pk"))
    held = held_by_line([work_order])
    wanted = {}
    for line in lines:
        need = line.quantity_required - line.issued_quantity - held.get(line.pk, ZERO)
        if line.component.is_stocked and need > 0:
            wanted[line.pk] = need
    requests = [ReserveRequest(item=line.component, warehouse=work_order.warehouse, quantity=wanted[line.pk],
                               line_id=line.pk) for line in lines if line.pk in wanted]
    got = reserve_many(company=work_order.company, document=work_order, requests=requests, partial=True,
                       actor=actor) if requests else {}
    shortages = []
    for line in lines:
        if line.pk in wanted and got.get(line.pk, ZERO) < wanted[line.pk]:
            reserved = held.get(line.pk, ZERO) + got.get(line.pk, ZERO)
            shortages.append(Shortage(line.component, line.quantity_required - line.issued_quantity, reserved,
                                      wanted[line.pk] - got.get(line.pk, ZERO)))
    return shortages


@atomic_with_retry
def work_order_release(*, work_order: WorkOrder, actor: User) -> ReleaseResult:
    """Release a draft: it takes its WO number, its BOM is exploded into component rows for its
    quantity, its routing copied into operations with the standard costs, and its components are
    reserved in its warehouse as far as the stock goes (never more than is available); the result
    lists the components left short."""
    order = lock(work_order)
    check_transition(order, st.WorkOrderStatus.RELEASED)
    bom = check_bom(order.item, order.bom, order.start_date)
    if bom.quantity <= 0:  # pragma: no cover - a CHECK constraint holds it
        raise DomainError(_("BOM %(bom)s makes no quantity.") % {"bom": bom}, field="bom")
    requirements = explode(bom, order.start_date)
    order.components.all().delete()
    order.operations.all().delete()
    components = WorkOrderComponent.objects.bulk_create([
        WorkOrderComponent(company=order.company, work_order=order, sequence=req.sequence, component=req.item,
                           quantity_per=round_quantity(req.per_unit),
                           quantity_required=round_quantity(req.per_unit * order.quantity),
                           standard_cost=req.item.standard_cost, backflush=order.backflush)
        for req in requirements.values()])
    operations: list[WorkOrderOperation] = []
    if order.routing is not None:
        for op in order.routing.operations.select_related("work_center").order_by("sequence", "pk"):
            center = op.work_center
            if not center.is_active:
                raise DomainError(_("Operation %(op)s runs at inactive work center %(center)s.")
                                  % {"op": op, "center": center.code}, field="routing")
            hours = (op.setup_minutes + op.run_minutes * order.quantity) / SIXTY * HUNDRED / center.efficiency_percent
            operations.append(WorkOrderOperation(
                company=order.company, work_order=order, sequence=op.sequence, name=op.name, work_center=center,
                setup_minutes=op.setup_minutes, run_minutes=op.run_minutes,
                efficiency_percent=center.efficiency_percent, cost_rate=center.cost_rate,
                planned_hours=hours.quantize(Decimal("0.0001"))))
        WorkOrderOperation.objects.bulk_create(operations)
    audit.record_created([*components, *operations], actor=actor)
    standard_labour = labour(operations, order.quantity, setup=True, actual=False)
    transition(order, st.WorkOrderStatus.RELEASED, actor=actor, extra_fields={
        "bom": bom,
        "standard_material": round_money(standard_material_unit(bom, components) * order.quantity),
        "standard_labour": standard_labour, "standard_overhead": overhead_of(order, standard_labour)})
    shortages = reserve_outstanding(order, actor)
    copy_state(order, work_order)
    return ReleaseResult(work_order, shortages)


@atomic_with_retry
def work_order_reserve(*, work_order: WorkOrder, actor: User) -> ReleaseResult:
    """Reserve again what a released order's components are still short of (stock has arrived)."""
    order = lock(work_order)
    if order.status not in ISSUABLE:
        raise DomainError(_("Only a released or started work order reserves components."))
    shortages = reserve_outstanding(order, actor)
    return ReleaseResult(work_order, shortages)


def copy_state(source: WorkOrder, target: WorkOrder) -> None:
    """The caller's object gets what the locked copy now holds (status, number, quantities, costs)."""
    if source is target:
        return
    for field in WorkOrder._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._stored_status = source.status


# Issues ----------------------------------------------------------------------------------------


@dataclass
class IssueLine:
    """Issue ``quantity`` (base unit) of one of the order's components: from its reservations (topped
    up from available stock) when no ``location`` is given, otherwise from that location (and lot)."""

    component: WorkOrderComponent | int
    quantity: Any
    location: Location | None = None
    lot: Lot | None = None
    lot_number: str = ""  # the lot by its number, when ``lot`` is not given


def check_source(order: WorkOrder, row: WorkOrderComponent, location: Location | None, lot: Lot | None) -> None:
    item = row.component
    if location is not None:
        if location.warehouse_id != order.warehouse_id:
            raise DomainError(_("Location %(loc)s is not in the order's warehouse %(wh)s.")
                              % {"loc": location, "wh": order.warehouse.code}, field="location")
        if location.kind == inventory_status.LocationKind.QUARANTINE:
            raise DomainError(_("%(item)s at %(loc)s is on hold in quarantine (waiting for inspection): it cannot "
                                "be issued.") % {"item": item.code, "loc": location}, field="location")
        if location.kind != inventory_status.LocationKind.INTERNAL:
            raise DomainError(_("Location %(loc)s is not a storage location.") % {"loc": location}, field="location")
    if lot is not None:
        if lot.item_id != item.pk:
            raise DomainError(_("Lot %(lot)s belongs to another item.") % {"lot": lot.number}, field="lot")
        if location is None:
            raise DomainError(_("Give the location of lot %(lot)s.") % {"lot": lot.number}, field="location")


def issue_row(order: WorkOrder, row: WorkOrderComponent, quantity: Decimal, actor: User | None,
              location: Location | None = None, lot: Lot | None = None) -> Decimal:
    """Issue ``quantity`` of ``row``'s component (its rows locked by the caller); returns the value
    issued (positive). Without a location: what the row holds, topped up from available stock (all
    or nothing); with one: from there, consuming a reservation held there."""
    check_source(order, row, location, lot)
    moves: list[StockMove]
    if location is None:
        held = held_by_line([order], [row.pk]).get(row.pk, ZERO)
        if quantity > held:
            reserve_many(company=order.company, document=order, actor=actor, requests=[
                ReserveRequest(item=row.component, warehouse=order.warehouse, quantity=quantity - held,
                               line_id=row.pk)])
        moves = issue_reserved(company=order.company, document=order, line_id=row.pk, quantity=quantity,
                               move_type=CONSUMPTION, actor=actor, issuing_document=order)
    else:
        moves = issue_picks(company=order.company, document=order, issuing_document=order, move_type=CONSUMPTION,
                            actor=actor, picks=[Pick(line_id=row.pk, item=row.component, location=location, lot=lot,
                                                     quantity=quantity, field="quantity")])
    value = -sum((move.value for move in moves), ZERO)
    row.issued_quantity += quantity
    row.issued_value += value
    return value


def save_issued(rows: Sequence[WorkOrderComponent], before: dict[Any, Any], actor: User | None) -> None:
    WorkOrderComponent.objects.bulk_update(rows, ["issued_quantity", "issued_value"])
    audit.record_updated(rows, before, ["issued_quantity", "issued_value"], actor=actor)


def started(order: WorkOrder, actor: User, extra: dict[str, Any]) -> None:
    """Record ``extra`` on the locked order; a released order becomes in progress."""
    if order.status == st.WorkOrderStatus.RELEASED:
        transition(order, st.WorkOrderStatus.IN_PROGRESS, actor=actor, extra_fields=extra)
    else:
        audit.update_queryset(WorkOrder.objects.filter(pk=order.pk), actor=actor, updated_by=actor,
                              updated_at=timezone.now(), **extra)
        for name, value in extra.items():
            setattr(order, name, value)


@atomic_with_retry
def work_order_issue(*, work_order: WorkOrder, actor: User, lines: Sequence[IssueLine]) -> WorkOrder:
    """Issue components to a released or started order through inventory (a production consumption
    at the moving-average cost); the order is then in progress. Quarantined stock (on hold until
    inspected) is refused; nothing is issued if any line is refused."""
    order = lock(work_order)
    if order.status not in ISSUABLE:
        raise DomainError(_("Components are issued to a released or started work order only."))
    rows = {row.pk: row for row in order.components.select_related("component", "component__base_unit")
            .select_for_update(of=("self",)).order_by("pk")}
    wanted = [line for line in lines if line.quantity not in (None, "", 0, ZERO)]
    if not wanted:
        raise DomainError(_("Enter a quantity to issue for at least one component."), field="quantity")
    before = audit.snapshot(rows.values())
    total = ZERO
    touched = []
    for line in sorted(wanted, key=lambda x: x.component if isinstance(x.component, int) else x.component.pk):
        key = line.component if isinstance(line.component, int) else line.component.pk
        row = rows.get(key)
        if row is None:
            raise DomainError(_("That component is not on this work order."), field="component")
        lot = line.lot
        if lot is None and line.lot_number.strip():
            lot = Lot.objects.filter(item=row.component, number=line.lot_number.strip()).first()
            if lot is None:
                raise DomainError(_("%(item)s has no lot %(lot)s.") % {"item": row.component.code,
                                                                      "lot": line.lot_number.strip()}, field="lot")
        total += issue_row(order, row, as_quantity(line.quantity), actor, line.location, lot)
        touched.append(row)
    save_issued(touched, before, actor)
    started(order, actor, {"actual_material": order.actual_material + total})
    copy_state(order, work_order)
    return work_order


# Completion ------------------------------------------------------------------------------------


def receiving_location(warehouse: Warehouse, location: Location | None) -> Location:
    if location is not None:
        if location.warehouse_id != warehouse.pk or location.kind != inventory_status.LocationKind.INTERNAL \
                or not location.is_active:
            raise DomainError(_("Choose an active storage location of warehouse %(wh)s.") % {"wh": warehouse.code},
                              field="location")
        return location
    found = (Location.objects.filter(warehouse=warehouse, kind=inventory_status.LocationKind.INTERNAL, is_active=True)
             .order_by("code").first())
    if found is None:
        raise DomainError(_("Warehouse %(wh)s has no storage location to receive into.") % {"wh": warehouse.code},
                          field="location")
    return found


def backflush(order: WorkOrder, completed_after: Decimal, actor: User) -> Decimal:
    """Issue what the backflushed components need for ``completed_after`` units less what they were
    issued; returns the value issued."""
    rows = list(order.components.select_related("component", "component__base_unit")
                .select_for_update(of=("self",)).order_by("pk"))
    before = audit.snapshot(rows)
    total, touched = ZERO, []
    for row in rows:
        if not (row.backflush or order.backflush) or not row.component.is_stocked:
            continue
        need = round_quantity(row.quantity_required * completed_after / order.quantity) - row.issued_quantity
        if need > 0:
            total += issue_row(order, row, need, actor)
            touched.append(row)
    if touched:
        save_issued(touched, before, actor)
    return total


@atomic_with_retry
def work_order_complete(*, work_order: WorkOrder, actor: User, quantity: Any, location: Location | None = None,
                        lot_number: str = "") -> WorkOrder:
    """Complete ``quantity`` (base unit) of a released or started order: backflushed components are
    issued, then the finished goods and the BOM's by-products are received into the warehouse
    (production output moves). The by-products are valued at their standard cost, and that value is
    taken off the finished goods, which carry the rest of the actual cost. More than is left to
    complete (quantity - completed) is refused."""
    order = lock(work_order)
    if order.status not in ISSUABLE:
        raise DomainError(_("Only a released or started work order can be completed."))
    amount = as_quantity(quantity)
    left = order.quantity - order.completed_quantity
    if amount > left:
        raise DomainError(_("Only %(left)s %(unit)s are left to complete on %(order)s; %(wanted)s requested.") % {
            "left": format_quantity(left, order.item.base_unit), "unit": order.item.base_unit.code,
            "order": order.reference, "wanted": format_quantity(amount, order.item.base_unit)}, field="quantity")
    target = receiving_location(order.warehouse, location)
    lot = None
    number = (lot_number or "").strip()
    if order.item.lot_tracked:
        if not number:
            raise DomainError(_("%(item)s is lot-tracked: give a lot number.") % {"item": order.item.code},
                              field="lot_number")
        lot = lot_for_receipt(item=order.item, number=number, manufactured_on=timezone.localdate())
    elif number:
        raise DomainError(_("%(item)s is not lot-tracked: leave the lot number empty.") % {"item": order.item.code},
                          field="lot_number")
    completed_after = order.completed_quantity + amount
    material = order.actual_material + backflush(order, completed_after, actor)
    operations = list(order.operations.order_by("sequence", "pk"))
    labour_now = labour(operations, amount, setup=order.completed_quantity == 0, actual=True)
    overhead_now = overhead_of(order, labour_now)
    in_process = (material + order.actual_labour + order.actual_overhead - order.received_value
                  - order.byproduct_value)
    final = completed_after == order.quantity
    material_share = in_process if final else round_money(in_process * amount / left)
    byproducts = byproduct_specs(order, completed_after, target)
    byproduct_value = sum((round_money(spec.quantity * (spec.unit_cost or ZERO)) for spec in byproducts), ZERO)
    value = material_share + labour_now + overhead_now - byproduct_value
    moves = post_moves(company=order.company, actor=actor, document=order, specs=[
        MoveSpec(item=order.item, location=target, lot=lot, quantity=amount, move_type=OUTPUT,
                 unit_cost=round_cost(max(value, ZERO) / amount), field="quantity", line=1), *byproducts])
    finished = [move for move in moves if move.item_id == order.item_id]
    extra = {"completed_quantity": completed_after, "actual_material": material,
             "actual_labour": order.actual_labour + labour_now, "actual_overhead": order.actual_overhead + overhead_now,
             "received_value": order.received_value + sum((m.value for m in finished), ZERO),
             "byproduct_value": order.byproduct_value + sum((m.value for m in moves if m not in finished), ZERO)}
    if final:
        transition(order, st.WorkOrderStatus.COMPLETED, actor=actor, extra_fields=extra)
        release(document=order, actor=actor)  # what is still held (over-reserved) goes back
    else:
        started(order, actor, extra)
    copy_state(order, work_order)
    return work_order


# Close and cancel ------------------------------------------------------------------------------


def cost_block(material: Decimal, labour_amount: Decimal, overhead: Decimal) -> dict[str, str]:
    return {"material": str(material), "labour": str(labour_amount), "overhead": str(overhead),
            "total": str(material + labour_amount + overhead)}


@atomic_with_retry
def work_order_close(*, work_order: WorkOrder, actor: User) -> WorkOrder:
    """Close a started or completed order: its remaining reservations are released, the standard cost
    of the completed quantity (material from the BOM's roll-up or the components' standard costs,
    labour from the routing, overhead) is set against the actual cost, the variances are stored and
    announced (``production.work_order_closed``)."""
    order = lock(work_order)
    check_transition(order, st.WorkOrderStatus.CLOSED)
    assert order.bom is not None  # a released order always has its BOM
    rows = list(order.components.order_by("pk"))
    operations = list(order.operations.order_by("sequence", "pk"))
    done = order.completed_quantity
    std_material = round_money(standard_material_unit(order.bom, rows) * done)
    std_labour = labour(operations, done, setup=done > 0, actual=False)
    std_overhead = overhead_of(order, std_labour)
    variances = {"material_variance": order.actual_material - std_material,
                 "labour_variance": order.actual_labour - std_labour,
                 "overhead_variance": order.actual_overhead - std_overhead}
    release(document=order, actor=actor)
    transition(order, st.WorkOrderStatus.CLOSED, actor=actor, extra_fields={
        "standard_material": std_material, "standard_labour": std_labour, "standard_overhead": std_overhead,
        **variances})
    publish(work_order_closed, company=order.company, source=order, work_order_id=order.pk, number=order.number,
            item_id=order.item_id, item_code=order.item.code, quantity=str(order.quantity),
            completed_quantity=str(done),
            standard=cost_block(std_material, std_labour, std_overhead),
            actual=cost_block(order.actual_material, order.actual_labour, order.actual_overhead),
            variances=cost_block(variances["material_variance"], variances["labour_variance"],
                                 variances["overhead_variance"]),
            finished_goods_value=str(order.received_value), byproduct_value=str(order.byproduct_value),
            closed_on=timezone.localdate().isoformat())
    copy_state(order, work_order)
    return work_order


@atomic_with_retry
def work_order_cancel(*, work_order: WorkOrder, actor: User) -> WorkOrder:
    """Cancel a draft or a released order before anything was issued or completed; its reservations
    are released."""
    order = lock(work_order)
    check_transition(order, st.WorkOrderStatus.CANCELLED)
    if order.completed_quantity > 0 or order.components.filter(issued_quantity__gt=0).exists():
        raise DomainError(_("%(order)s has issued components or completed quantities: close it instead.")
                          % {"order": order.reference})
    release(document=order, actor=actor)
    transition(order, st.WorkOrderStatus.CANCELLED, actor=actor)
    copy_state(order, work_order)
    return work_order
