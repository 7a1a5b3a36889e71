"""Writes of bills of materials: a version with its lines (``bom_save``), a copy as a new version
(``bom_copy``), deactivation (``bom_deactivate``) and the cost roll-up kept on the version
(``bom_cost_rollup``).

Rules (each refusal a DomainError naming its field; a line's names the line):
- the item is the company's and not a service; a new version's item is active;
- every line: a component of the company, quantity per > 0 in one of the component's units (the base
  unit or an alternative unit with a conversion: ``quantity_base`` is kept in the base unit), scrap %
  from 0 to 99 (none on a by-product), an operation of the BOM's routing; at least one component or
  phantom line; a phantom's component has a BOM of its own;
- no cycle: the item may not be below itself at any depth, through any active version (default or
  not) of any item; the refusal shows the path ("BIKE → WHEEL → SPOKE → BIKE");
- one default version per item and date: checked under a lock on the item's row, naming the other
  version; the exclusion constraint ``bom_one_default`` is the backstop (its IntegrityError becomes
  the same message);
- a version an open work order uses keeps its lines and quantity (copy it to a new version instead).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.formats import format_date
from erp.models import Company, User
from inventory import status as inventory_status
from inventory.models import Item, UnitOfMeasure
from inventory.selectors import unit_factors
from inventory.units import to_base, unit_error
from production import status as st
from production.models import Bom, BomLine, Routing, RoutingOperation
from production.selectors.boms import (
    COST_BASES,
    STANDARD,
    CostBreakdown,
    bom_cost_breakdown,
    open_work_orders_of,
)

ONE_DEFAULT = "bom_one_default"
UNIQUE_VERSION = "bom_unique_version"
HUNDRED = Decimal("100")
MAX_SCRAP = Decimal("99")
Kind = st.BomLineKind
CONSUMED = (Kind.COMPONENT, Kind.PHANTOM)


class BomHeader(TypedDict, total=False):
    """The header fields ``bom_save`` takes besides the item and version."""

    name: str
    quantity: Decimal | int | str
    routing: Routing | None
    is_default: bool
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    is_active: bool
    notes: str


class BomLineInput(TypedDict, total=False):
    """A line as a form or the API gives it; ``id`` names a line of the version being changed. An
    empty unit is the component's base unit, an empty kind a component."""

    id: int | None
    component: Item | None
    quantity: Decimal | int | str | None
    unit: UnitOfMeasure | None
    kind: str | None
    scrap_percent: Decimal | int | str | None
    operation: RoutingOperation | None
    notes: str | None


HEADER_FIELDS = tuple(BomHeader.__annotations__)


def refuse(n: int, message: str) -> DomainError:
    return DomainError(_("Line %(n)s: ") % {"n": n} + message, field="lines")


def decimal_of(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def lock_items(item_ids: Iterable[int]) -> dict[int, Item]:
    """Lock the items' rows in pk order (FOR NO KEY UPDATE: stock moves referencing them go on)."""
    rows = Item.objects.select_for_update(no_key=True).filter(pk__in=set(item_ids)).order_by("pk")
    return {item.pk: item for item in rows}


# Checks ------------------------------------------------------------------------------------------


def check_item(company: Company, item: Item | None, *, new: bool) -> Item:
    if item is None:
        raise DomainError(_("Choose the item the BOM makes."), field="item")
    if item.company_id != company.pk:
        raise DomainError(_("This record belongs to another company."), field="item")
    if item.item_type == inventory_status.ItemType.SERVICE:
        raise DomainError(_("%(item)s is a service: a service has no bill of materials.") % {"item": item.code},
                          field="item")
    if new and not item.is_active:
        raise DomainError(_("Item %(code)s is inactive.") % {"code": item.code}, field="item")
    return item


def check_header(bom: Bom, company: Company, routing_changed: bool) -> None:
    if not bom.version:
        raise DomainError(_("Give the version a name (1, 2, A…)."), field="version")
    quantity = decimal_of(bom.quantity)
    if quantity is None or quantity <= 0:
        raise DomainError(_("The quantity the BOM makes must be greater than zero."), field="quantity")
    bom.quantity = quantity
    if bom.valid_from and bom.valid_to and bom.valid_to < bom.valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")
    routing = bom.routing
    if routing is not None:
        if routing.company_id != company.pk:
            raise DomainError(_("This record belongs to another company."), field="routing")
        if routing.item_id != bom.item_id:
            raise DomainError(_("Routing %(routing)s makes %(other)s, not %(item)s.") % {
                "routing": routing.code, "other": routing.item.code, "item": bom.item.code}, field="routing")
        if routing_changed and not routing.is_active:
            raise DomainError(_("Routing %(routing)s is inactive.") % {"routing": routing.code}, field="routing")
    taken = Bom.objects.filter(item_id=bom.item_id, version=bom.version)
    if bom.pk is not None:
        taken = taken.exclude(pk=bom.pk)
    if taken.exists():
        raise DomainError(version_taken_message(bom), field="version")


def version_taken_message(bom: Bom) -> str:
    return _("%(item)s already has a version %(version)s.") % {"item": bom.item.code, "version": bom.version}


def checked_lines(bom: Bom, lines: Sequence[BomLineInput], existing: dict[int, BomLine]) -> list[BomLine]:
    """``lines`` checked and completed (base quantity, sequence) as unsaved BomLine objects (an
    existing line's object when ``id`` names it). Raises a DomainError naming the line."""
    company_id = bom.company_id
    components = [line.get("component") for line in lines]
    factors = unit_factors(item.pk for item in components if item is not None)
    known_components = {line.component_id for line in existing.values()}
    operation_ids = (set(RoutingOperation.objects.filter(routing_id=bom.routing_id).values_list("pk", flat=True))
                     if bom.routing_id else set())
    checked: list[BomLine] = []
    seen: set[int] = set()
    for n, line in enumerate(lines, start=1):
        component = line.get("component")
        if component is None:
            raise refuse(n, _("choose a component."))
        if component.company_id != company_id:
            raise refuse(n, _("the component belongs to another company."))
        if component.pk == bom.item_id:
            raise refuse(n, cycle_message([bom.item.code, bom.item.code]))
        if not component.is_active and component.pk not in known_components:
            raise refuse(n, _("%(item)s is inactive.") % {"item": component.code})
        kind = line.get("kind") or Kind.COMPONENT
        if kind not in Kind.values:
            raise refuse(n, _("unknown kind of line %(kind)s.") % {"kind": kind})
        quantity = decimal_of(line.get("quantity"))
        if quantity is None or quantity <= 0:
            raise refuse(n, _("the quantity per must be greater than zero."))
        unit = line.get("unit") or component.base_unit
        quantity_base = to_base(component, quantity, unit, factors.get(component.pk, {}))
        if quantity_base is None:
            raise refuse(n, unit_error(component, unit))
        if quantity_base <= 0:
            raise refuse(n, _("the quantity per is too small for the base unit of %(item)s.")
                         % {"item": component.code})
        scrap = decimal_of(line.get("scrap_percent")) or Decimal("0")
        if scrap < 0 or scrap > MAX_SCRAP:
            raise refuse(n, _("the scrap % must be from 0 to 99."))
        if kind == Kind.BY_PRODUCT and scrap:
            raise refuse(n, _("a by-product has no scrap %."))
        operation = line.get("operation")
        if operation is not None and operation.pk not in operation_ids:
            raise refuse(n, _("operation %(operation)s is not an operation of the BOM's routing.")
                         % {"operation": str(operation)} if bom.routing_id else
                         _("choose a routing for the BOM before naming an operation."))
        line_id = line.get("id")
        row = existing.get(line_id) if line_id else None
        if line_id and row is None:
            raise refuse(n, _("this line is not one of the BOM's lines."))
        if row is not None:
            if row.pk in seen:
                raise refuse(n, _("the line is given twice."))
            seen.add(row.pk)
        row = row or BomLine(bom=bom)
        row.sequence, row.kind, row.component, row.quantity, row.unit = n * 10, kind, component, quantity, unit
        row.quantity_base, row.scrap_percent, row.operation = quantity_base, scrap, operation
        row.notes = (line.get("notes") or "")[:300]
        checked.append(row)
    if not any(row.kind in CONSUMED for row in checked):
        raise DomainError(_("Add at least one component."), field="lines")
    check_phantoms(bom, checked)
    return checked


def check_phantoms(bom: Bom, rows: list[BomLine]) -> None:
    phantoms = {row.component_id for row in rows if row.kind == Kind.PHANTOM}
    if not phantoms:
        return
    with_bom = set(Bom.objects.filter(item_id__in=phantoms, is_active=True).values_list("item_id", flat=True))
    for n, row in enumerate(rows, start=1):
        if row.kind == Kind.PHANTOM and row.component_id not in with_bom:
            raise refuse(n, _("%(item)s has no active BOM: a phantom is replaced by its BOM's components.")
                         % {"item": row.component.code})


def cycle_message(codes: Sequence[str]) -> str:
    return _("%(item)s would contain itself: %(path)s.") % {"item": codes[0], "path": " → ".join(codes)}


def find_cycle(bom: Bom, component_ids: Iterable[int]) -> list[int] | None:
    """The item ids of a path from the BOM's item through the new components back to the item
    (through the lines of every active version but this one), or None: one query per level."""
    top = bom.item_id
    came_from: dict[int, int] = {}
    frontier: list[int] = []
    for component_id in component_ids:
        if component_id not in came_from:
            came_from[component_id] = top
            frontier.append(component_id)
    while frontier:
        edges = (BomLine.objects.filter(bom__company_id=bom.company_id, bom__is_active=True,
                                        bom__item_id__in=frontier, kind__in=CONSUMED)
                 .values_list("bom__item_id", "component_id").order_by("bom__item_id", "component_id").distinct())
        if bom.pk is not None:
            edges = edges.exclude(bom_id=bom.pk)
        following: list[int] = []
        for parent, child in edges:
            if child == top:
                path = [top, parent]
                while path[-1] != top:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if child not in came_from:
                came_from[child] = parent
                following.append(child)
        frontier = following
    return None


def check_no_cycle(bom: Bom, rows: list[BomLine]) -> None:
    path = find_cycle(bom, [row.component_id for row in rows if row.kind in CONSUMED])
    if path is None:
        return
    codes = dict(Item.objects.filter(pk__in=set(path)).values_list("pk", "code"))
    first_step = path[1]
    n = next(n for n, row in enumerate(rows, start=1) if row.component_id == first_step and row.kind in CONSUMED)
    raise refuse(n, cycle_message([codes[pk] for pk in path]))


def overlapping_default(bom: Bom) -> Bom | None:
    """Another active default version of the item whose dates overlap ``bom``'s."""
    others = Bom.objects.filter(item_id=bom.item_id, is_default=True, is_active=True)
    if bom.pk is not None:
        others = others.exclude(pk=bom.pk)
    if bom.valid_to is not None:
        others = others.exclude(valid_from__gt=bom.valid_to)
    if bom.valid_from is not None:
        others = others.exclude(valid_to__lt=bom.valid_from)
    return others.order_by("pk").first()


def dates_text(bom: Bom) -> str:
    if bom.valid_from is None and bom.valid_to is None:
        return _("no end dates")
    return f"{format_date(bom.valid_from) if bom.valid_from else '…'} – " \
           f"{format_date(bom.valid_to) if bom.valid_to else '…'}"


def default_message(bom: Bom, other: Bom | None) -> str:
    if other is None:
        return _("%(item)s already has a default BOM on these dates.") % {"item": bom.item.code}
    return _("%(item)s already has a default BOM on these dates: version %(version)s (%(dates)s). Take the default "
             "flag off there first, or give the two versions different dates.") % {
        "item": bom.item.code, "version": other.version, "dates": dates_text(other)}


def constraint_of(error: IntegrityError) -> str:
    name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    return str(name or error)


def line_signature(rows: Iterable[BomLine]) -> list[tuple[Any, ...]]:
    return [(row.component_id, row.kind, row.quantity, row.unit_id, row.scrap_percent, row.operation_id)
            for row in rows]


def check_not_in_use(bom: Bom, old_quantity: Decimal, existing: dict[int, BomLine], rows: list[BomLine]) -> None:
    """A version an open work order uses keeps its lines and its quantity."""
    before = sorted(existing.values(), key=lambda row: (row.sequence, row.pk))
    changed = (line_signature(before) != line_signature(rows) or Decimal(old_quantity) != Decimal(bom.quantity))
    if not changed:
        return
    orders = open_work_orders_of(bom)
    if orders:
        raise DomainError(_("%(bom)s is used by open work orders (%(orders)s): its lines and quantity cannot "
                            "change. Copy it to a new version and change that one.")
                          % {"bom": str(bom), "orders": ", ".join(orders)}, field="lines")


# Saving ------------------------------------------------------------------------------------------


@atomic_with_retry
def bom_save(*, company: Company, actor: User | None, item: Item | None, version: str,
             lines: Sequence[BomLineInput], bom: Bom | None = None, **header: Unpack[BomHeader]) -> Bom:
    """Create a version of ``item``'s BOM, or change ``bom``, with its lines, in one transaction. A
    line with the ``id`` of one of the version's lines changes it, one without is added, and the
    version's lines not named are removed."""
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    item = check_item(company, item, new=bom is None or (item is not None and bom.item_id != item.pk))
    if bom is not None:
        if bom.company_id != company.pk:
            raise DomainError(_("This record belongs to another company."))
        if bom.item_id != item.pk:
            raise DomainError(_("A BOM version cannot move to another item: copy it instead."), field="item")
    # The lock that makes "one default version per item and date" and "no cycle" hold: every save
    # of the item's versions (or of a version using one of these components) queues here.
    components = [line.get("component") for line in lines]
    lock_items([item.pk, *(component.pk for component in components if component is not None)])
    if bom is not None:
        bom = Bom.objects.select_for_update(of=("self",)).select_related("item", "routing").get(pk=bom.pk)
        old_quantity, old_routing = bom.quantity, bom.routing_id
    else:
        bom = Bom(company=company, item=item)
        old_quantity, old_routing = Decimal("0"), None
    bom.item = item
    bom.version = str(version or "").strip()
    for name, value in header.items():
        setattr(bom, name, value)
    check_header(bom, company, routing_changed=bom.routing_id != old_routing)
    existing = {row.pk: row for row in bom.lines.all()} if bom.pk else {}
    rows = checked_lines(bom, lines, existing)
    if bom.pk is not None:
        check_not_in_use(bom, old_quantity, existing, rows)
    check_no_cycle(bom, rows)
    if bom.is_default and bom.is_active:
        other = overlapping_default(bom)
        if other is not None:
            raise DomainError(default_message(bom, other), field="is_default")
    bom.full_clean(exclude=["material_cost", "operation_cost"], validate_constraints=False)
    try:
        with transaction.atomic():
            bom.save()
    except IntegrityError as error:
        name = constraint_of(error)
        if ONE_DEFAULT in name:
            raise DomainError(default_message(bom, overlapping_default(bom)), field="is_default") from None
        if UNIQUE_VERSION in name:
            raise DomainError(version_taken_message(bom), field="version") from None
        raise
    save_lines(bom, rows, existing)
    return bom


def save_lines(bom: Bom, rows: list[BomLine], existing: dict[int, BomLine]) -> None:
    kept = {row.pk for row in rows if row.pk}
    gone = [pk for pk in existing if pk not in kept]
    if gone:
        for row in BomLine.objects.filter(pk__in=gone).order_by("pk"):
            row.delete()  # auditlog records each removal
    for row in rows:
        row.bom = bom
        row.full_clean(exclude=["bom"])
        row.save()


def lines_as_input(bom: Bom, *, with_ids: bool = False) -> list[BomLineInput]:
    """A version's lines as ``bom_save`` takes them (``with_ids``: to keep them, else for a copy)."""
    return [{"id": row.pk if with_ids else None, "component": row.component, "quantity": row.quantity,
             "unit": row.unit, "kind": row.kind, "scrap_percent": row.scrap_percent, "operation": row.operation,
             "notes": row.notes}
            for row in bom.lines.select_related("component", "component__base_unit", "unit", "operation")
            .order_by("sequence", "pk")]


def bom_check_header(*, bom: Bom, actor: User | None, **header: Unpack[BomHeader]) -> None:
    """Whether ``bom_save`` accepts this change of ``bom``'s header (its lines kept): raises its
    DomainError, writes nothing (the admin's form asks before saving)."""
    with transaction.atomic():
        bom_save(company=bom.company, actor=actor, item=bom.item, version=bom.version,
                 lines=lines_as_input(bom, with_ids=True), bom=bom, **header)
        transaction.set_rollback(True)


@atomic_with_retry
def bom_copy(*, bom: Bom, version: str, actor: User | None, is_default: bool = False,
             valid_from: datetime.date | None = None, valid_to: datetime.date | None = None) -> Bom:
    """A new version of the item with ``bom``'s header and lines (not the default unless asked: make
    it the default when it is ready, with its dates)."""
    return bom_save(company=bom.company, actor=actor, item=bom.item, version=version, lines=lines_as_input(bom),
                    name=bom.name, quantity=bom.quantity, routing=bom.routing, is_default=is_default,
                    valid_from=valid_from, valid_to=valid_to, is_active=True, notes=bom.notes)


@atomic_with_retry
def bom_deactivate(*, bom: Bom, actor: User | None) -> Bom:
    """Retire a version: MRP and new work orders no longer use it (open work orders keep it)."""
    bom = Bom.objects.select_for_update(of=("self",)).select_related("item").get(pk=bom.pk)
    if not bom.is_active:
        raise DomainError(_("%(bom)s is already inactive.") % {"bom": str(bom)})
    bom.is_active = False
    bom.save(update_fields=["is_active"])
    return bom


@atomic_with_retry
def bom_cost_rollup(*, bom: Bom, actor: User | None, cost_basis: str = STANDARD,
                    on_date: datetime.date | None = None) -> CostBreakdown:
    """Work out the version's material and operation cost per unit of its item (see
    ``production.selectors.boms.bom_cost_breakdown``) and keep them on it with the time."""
    if cost_basis not in COST_BASES:
        raise DomainError(_("Choose standard or average cost."), field="cost_basis")
    bom = Bom.objects.select_for_update(of=("self",)).select_related("item", "routing").get(pk=bom.pk)
    breakdown = bom_cost_breakdown(bom, cost_basis=cost_basis, on_date=on_date)
    bom.material_cost, bom.operation_cost = breakdown.material_per_unit, breakdown.operation_per_unit
    bom.costed_at = timezone.now()
    bom.save(update_fields=["material_cost", "operation_cost", "costed_at"])
    return breakdown
