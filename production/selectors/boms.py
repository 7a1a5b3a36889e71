"""Reads of bills of materials: the user's BOM versions (``restrict``), the default version of an
item on a date, the indented multi-level explosion of a version, where-used (upwards, one or all
levels) and the cost breakdown that ``production.services.boms.bom_cost_rollup`` stores.

Explosion, where-used and costing are set-based: each level of the structure is read with one query
for the lines of every BOM on that level (and one for the default versions of the components to go
through), never one query per component.

What is exploded below a row: a phantom (always, through its default version on the date) and a
component made in house (procurement "make") that has a default version on the date. A bought
component is a leaf even when it has a BOM of its own (it is bought, not made); by-products are
outputs: shown, never exploded, not costed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from erp.models import Company, User
from erp.money import round_cost, round_quantity
from erp.scoping import VIEW
from inventory import status as inventory_status
from inventory.models import Item, ItemValuation, UnitOfMeasure
from production import status as st
from production.models import Bom, BomLine, RoutingOperation, WorkOrder

HUNDRED = Decimal("100")
ZERO = Decimal("0")
MAX_LEVELS = 50  # deeper than any real product: a guard against a cycle written around the services
STANDARD, AVERAGE = "standard", "average"
COST_BASES = (STANDARD, AVERAGE)
Kind = st.BomLineKind


# Lists ---------------------------------------------------------------------------------------


def boms_for_user(user: User, action: str = VIEW) -> QuerySet[Bom]:
    return Bom.objects.restrict(user, action)


def valid_on(on_date: datetime.date, prefix: str = "") -> Q:
    """The versions valid on ``on_date`` (an empty date is open)."""
    return ((Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on_date}))
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on_date})))


def bom_list(user: User, *, item: Item | None = None, item_code: str = "", search: str = "", version: str = "",
             default: bool | None = None, active: bool | None = None, valid_date: datetime.date | None = None,
             ) -> QuerySet[Bom]:
    """The user's BOM versions, narrowed by the list's filters: ``search`` (part of the item's code or
    name, or the description), ``version``, ``default``, ``active`` and ``valid_date``."""
    rows = (boms_for_user(user).select_related("item", "item__base_unit", "routing")
            .annotate(line_count=Count("lines")))
    if item is not None:
        rows = rows.filter(item=item)
    if item_code:
        rows = rows.filter(item__code=item_code)
    if search:
        rows = rows.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search)
                           | Q(name__icontains=search))
    if version:
        rows = rows.filter(version=version)
    if default is not None:
        rows = rows.filter(is_default=default)
    if active is not None:
        rows = rows.filter(is_active=active)
    if valid_date is not None:
        rows = rows.filter(valid_on(valid_date))
    return rows.order_by("item__code", "version", "pk")


def bom_get_for_user(user: User, pk: int, action: str = VIEW) -> Bom | None:
    return boms_for_user(user, action).filter(pk=pk).select_related("item", "item__base_unit", "routing").first()


def bom_lines(bom: Bom) -> QuerySet[BomLine]:
    return (BomLine.objects.filter(bom=bom).select_related("component", "component__base_unit", "unit",
                                                          "operation").order_by("sequence", "pk"))


def bom_versions(bom: Bom) -> QuerySet[Bom]:
    """Every version of the BOM's item (the version switcher of its page)."""
    return Bom.objects.filter(company_id=bom.company_id, item_id=bom.item_id).order_by("version", "pk")


# Default versions --------------------------------------------------------------------------------


def bom_default_for(item: Item, on_date: datetime.date | None = None) -> Bom | None:
    """The item's default active version on ``on_date`` (today), the one MRP and new work orders use."""
    found = defaults_for(item.company_id, [item.pk], on_date or timezone.localdate())
    return found.get(item.pk)


def defaults_for(company_id: int, item_ids: Iterable[int], on_date: datetime.date) -> dict[int, Bom]:
    """{item id: its default active version on ``on_date``} for many items, in one query."""
    ids = set(item_ids)
    if not ids:
        return {}
    rows = (Bom.objects.filter(company_id=company_id, item_id__in=ids, is_default=True, is_active=True)
            .filter(valid_on(on_date)).select_related("routing").order_by("item_id", "pk"))
    found: dict[int, Bom] = {}
    for bom in rows:
        found.setdefault(bom.item_id, bom)
    return found


def lines_of(bom_ids: Iterable[int]) -> dict[int, list[BomLine]]:
    """{BOM id: its lines in order} for many BOMs, in one query."""
    ids = set(bom_ids)
    found: dict[int, list[BomLine]] = defaultdict(list)
    if not ids:
        return found
    rows = (BomLine.objects.filter(bom_id__in=ids)
            .select_related("component", "component__base_unit", "unit", "operation")
            .order_by("bom_id", "sequence", "pk"))
    for line in rows:
        found[line.bom_id].append(line)
    return found


# Explosion ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class ExplosionRow:
    """One row of an indented explosion: ``extended_quantity`` is what the exploded quantity of the
    top item needs of the component (its base unit, scrap included; for a by-product what it yields)."""

    level: int
    path: tuple[str, ...]  # item codes from the top item down to this component
    path_ids: tuple[int, ...]
    line: BomLine
    extended_quantity: Decimal
    bom: Bom | None = None  # the component's version exploded below this row
    cycle: bool = False  # the component is already above it (written around the services)
    children: list[ExplosionRow] = field(default_factory=list)

    @property
    def component(self) -> Item:
        return self.line.component

    @property
    def kind(self) -> str:
        return self.line.kind

    @property
    def quantity_per(self) -> Decimal:
        return self.line.quantity

    @property
    def unit(self) -> UnitOfMeasure:
        return self.line.unit

    @property
    def base_unit(self) -> UnitOfMeasure:
        return self.line.component.base_unit

    @property
    def scrap_percent(self) -> Decimal:
        return self.line.scrap_percent

    @property
    def is_output(self) -> bool:
        return self.line.kind == Kind.BY_PRODUCT

    @property
    def is_leaf(self) -> bool:
        return self.bom is None

    @property
    def path_text(self) -> str:
        return " → ".join(self.path)

    @property
    def indent(self) -> str:
        return "\u2003" * (self.level - 1)


def goes_through(line: BomLine) -> bool:
    """Whether the explosion goes below this line: a phantom, or a component made in house."""
    if line.kind == Kind.PHANTOM:
        return True
    return line.kind == Kind.COMPONENT and line.component.procurement == inventory_status.Procurement.MAKE


def explode_tree(bom: Bom, quantity: Decimal | None = None, *, on_date: datetime.date | None = None,
                 ) -> list[ExplosionRow]:
    """The top rows of ``bom``'s explosion for ``quantity`` of its item (default the BOM's own
    quantity), each with its ``children``; two queries per level."""
    on_date = on_date or timezone.localdate()
    quantity = bom.quantity if quantity is None else Decimal(quantity)
    roots: list[ExplosionRow] = []
    top_code = bom.item.code
    # (row the lines hang under or None for the top, BOM, its extended quantity, path, path ids)
    frontier: list[tuple[ExplosionRow | None, Bom, Decimal, tuple[str, ...], tuple[int, ...]]] = [
        (None, bom, quantity, (top_code,), (bom.item_id,))]
    level = 1
    while frontier and level <= MAX_LEVELS:
        lines = lines_of(parent_bom.pk for _row, parent_bom, _q, _p, _i in frontier)
        wanted: list[ExplosionRow] = []
        for parent, parent_bom, parent_quantity, path, path_ids in frontier:
            for line in lines.get(parent_bom.pk, []):
                per = line.quantity_base / parent_bom.quantity
                extended = parent_quantity * per
                if line.kind != Kind.BY_PRODUCT:
                    extended *= 1 + line.scrap_percent / HUNDRED
                row = ExplosionRow(level=level, path=(*path, line.component.code),
                                   path_ids=(*path_ids, line.component_id), line=line,
                                   extended_quantity=round_quantity(extended),
                                   cycle=line.component_id in path_ids)
                (parent.children if parent is not None else roots).append(row)
                if goes_through(line) and not row.cycle:
                    wanted.append(row)
        defaults = defaults_for(bom.company_id, (row.line.component_id for row in wanted), on_date)
        frontier = []
        for row in wanted:
            sub = defaults.get(row.line.component_id)
            if sub is not None:
                row.bom = sub
                frontier.append((row, sub, row.extended_quantity, row.path, row.path_ids))
        level += 1
    return roots


def flatten(rows: Sequence[ExplosionRow]) -> list[ExplosionRow]:
    """The tree in reading order: each row followed by the rows below it."""
    flat: list[ExplosionRow] = []
    for row in rows:
        flat.append(row)
        flat.extend(flatten(row.children))
    return flat


def bom_explode(bom: Bom, quantity: Decimal | None = None, *, on_date: datetime.date | None = None,
                ) -> list[ExplosionRow]:
    """The indented multi-level explosion of ``bom`` for ``quantity`` of its item (default the
    BOM's quantity) on ``on_date`` (today): rows in reading order (see ``ExplosionRow``)."""
    return flatten(explode_tree(bom, quantity, on_date=on_date))


# Where-used ------------------------------------------------------------------------------------


@dataclass(eq=False)
class WhereUsedRow:
    """One use of an item: ``line`` of ``bom`` (a version of ``parent``); ``path`` goes up from the
    item asked about (SPOKE ← WHEEL ← BIKE)."""

    level: int
    path: tuple[str, ...]
    line: BomLine

    @property
    def bom(self) -> Bom:
        return self.line.bom

    @property
    def parent(self) -> Item:
        return self.line.bom.item

    @property
    def path_text(self) -> str:
        return " ← ".join(self.path)

    @property
    def indent(self) -> str:
        return "\u2003" * (self.level - 1)


def where_used(user: User, item: Item, *, multi_level: bool = True) -> list[WhereUsedRow]:
    """The active BOM versions that use ``item`` (any kind of line), and with ``multi_level`` the
    versions that use their items, up to the top: rows in reading order, one query per level. A
    by-product line is shown but not followed up (the item comes out of that BOM)."""
    visible = boms_for_user(user).filter(is_active=True)
    uses: dict[int, list[BomLine]] = {}
    frontier = {item.pk}
    levels = 0
    while frontier and levels < (MAX_LEVELS if multi_level else 1):
        rows = (BomLine.objects.filter(component_id__in=frontier, bom__in=visible)
                .select_related("bom", "bom__item", "bom__item__base_unit", "unit")
                .order_by("bom__item__code", "bom__version", "sequence", "pk"))
        for line in rows:
            uses.setdefault(line.component_id, []).append(line)
        for component_id in frontier:
            uses.setdefault(component_id, [])
        frontier = {line.bom.item_id for component_id in frontier for line in uses[component_id]
                    if line.kind != Kind.BY_PRODUCT} - set(uses)
        levels += 1
    found: list[WhereUsedRow] = []

    def walk(item_id: int, level: int, path: tuple[str, ...], seen: tuple[int, ...]) -> None:
        for line in uses.get(item_id, []):
            parent_id = line.bom.item_id
            row = WhereUsedRow(level=level, path=(*path, line.bom.item.code), line=line)
            found.append(row)
            if multi_level and line.kind != Kind.BY_PRODUCT and parent_id not in seen and level < MAX_LEVELS:
                walk(parent_id, level + 1, row.path, (*seen, parent_id))

    walk(item.pk, 1, (item.code,), (item.pk,))
    return found


# Cost roll-up ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialCost:
    """A bought (or not exploded) component of the explosion, valued at its unit cost."""

    row: ExplosionRow
    unit_cost: Decimal
    amount: Decimal
    source: str  # STANDARD or AVERAGE: where the unit cost came from


@dataclass(frozen=True)
class OperationCost:
    """An operation of the routing of the BOM or of a made component: ``hours`` for ``quantity``
    (setup spread over the BOM's quantity, divided by the work center's efficiency) at its rate."""

    level: int
    path: tuple[str, ...]
    bom: Bom
    operation: RoutingOperation
    quantity: Decimal
    hours: Decimal
    cost_rate: Decimal
    amount: Decimal

    @property
    def path_text(self) -> str:
        return " → ".join(self.path)


@dataclass(frozen=True)
class CostBreakdown:
    """The cost of ``bom.quantity`` of the item and per unit (``material_per_unit``,
    ``operation_per_unit``: what the BOM stores)."""

    bom: Bom
    cost_basis: str
    materials: list[MaterialCost]
    operations: list[OperationCost]
    material_total: Decimal
    operation_total: Decimal
    material_per_unit: Decimal
    operation_per_unit: Decimal

    @property
    def total_per_unit(self) -> Decimal:
        return self.material_per_unit + self.operation_per_unit

    @property
    def total(self) -> Decimal:
        return self.material_total + self.operation_total


def unit_costs(company: Company | int, items: Iterable[Item], cost_basis: str) -> dict[int, tuple[Decimal, str]]:
    """{item id: (unit cost, source)}: the standard cost, or with ``AVERAGE`` the moving-average cost
    of inventory's valuation where the item has one (else its standard cost); one query."""
    listed = {item.pk: item for item in items}
    costs = {pk: (item.standard_cost, STANDARD) for pk, item in listed.items()}
    if cost_basis == AVERAGE and listed:
        company_id = company if isinstance(company, int) else company.pk
        rows = ItemValuation.objects.filter(company_id=company_id, item_id__in=list(listed), average_cost__gt=0)
        for item_id, average in rows.values_list("item_id", "average_cost"):
            costs[item_id] = (average, AVERAGE)
    return costs


def operation_hours(operation: RoutingOperation, bom_quantity: Decimal, quantity: Decimal) -> Decimal:
    """(setup ÷ BOM quantity + run) × quantity minutes, in hours, ÷ the work center's efficiency."""
    minutes = (operation.setup_minutes / bom_quantity + operation.run_minutes) * quantity
    return minutes / Decimal("60") / (operation.work_center.efficiency_percent / HUNDRED)


def bom_cost_breakdown(bom: Bom, *, cost_basis: str = STANDARD, on_date: datetime.date | None = None,
                       ) -> CostBreakdown:
    """Material: each leaf of the explosion of ``bom.quantity`` × its unit cost (made components are
    rolled up through their default versions); operations: the routings of the BOM and of the made
    components it goes through. Phantoms pass their components through and add no operations."""
    tree = explode_tree(bom, on_date=on_date)
    rows = flatten(tree)
    leaves = [row for row in rows if row.is_leaf and not row.is_output]
    costs = unit_costs(bom.company_id, (row.component for row in leaves), cost_basis)
    materials = []
    for row in leaves:
        unit_cost, source = costs[row.component.pk]
        materials.append(MaterialCost(row=row, unit_cost=unit_cost,
                                      amount=round_cost(row.extended_quantity * unit_cost), source=source))
    # The assemblies whose routings count: the BOM itself and the made components it goes through.
    made: list[tuple[int, tuple[str, ...], Bom, Decimal]] = [(0, (bom.item.code,), bom, bom.quantity)]
    made += [(row.level, row.path, row.bom, row.extended_quantity) for row in rows
             if row.bom is not None and row.kind == Kind.COMPONENT]
    routing_ids = {assembly.routing_id for _l, _p, assembly, _q in made if assembly.routing_id}
    by_routing: dict[int, list[RoutingOperation]] = defaultdict(list)
    for operation in (RoutingOperation.objects.filter(routing_id__in=routing_ids).select_related("work_center")
                      .order_by("routing_id", "sequence", "pk")):
        by_routing[operation.routing_id].append(operation)
    operations = []
    for level, path, assembly, quantity in made:
        for operation in by_routing.get(assembly.routing_id or 0, []):
            hours = operation_hours(operation, assembly.quantity, quantity)
            operations.append(OperationCost(level=level, path=path, bom=assembly, operation=operation,
                                            quantity=quantity, hours=round_cost(hours),
                                            cost_rate=operation.work_center.cost_rate,
                                            amount=round_cost(hours * operation.work_center.cost_rate)))
    material_total = sum((m.amount for m in materials), ZERO)
    operation_total = sum((o.amount for o in operations), ZERO)
    return CostBreakdown(bom=bom, cost_basis=cost_basis, materials=materials, operations=operations,
                         material_total=material_total, operation_total=operation_total,
                         material_per_unit=round_cost(material_total / bom.quantity),
                         operation_per_unit=round_cost(operation_total / bom.quantity))


# Open work orders ----------------------------------------------------------------------------------


def open_work_orders_of(bom: Bom) -> list[str]:
    """The references of the open work orders (draft, released, in progress) that use ``bom``."""
    rows = WorkOrder.objects.filter(bom=bom, status__in=st.OPEN_WORK_ORDER).order_by("pk")
    return [order.reference for order in rows.only("pk", "number", "status")]
