"""The MRP engine: time-phased netting in daily buckets, item by item in low-level-code order.

``mrp_run_execute`` loads every input of the company set-based (production.selectors.mrp_inputs: a
fixed number of statements, whatever the number of items), nets in memory (dicts per item, only the
days on which something happens), and writes the run's output with one COPY per table
(production.sql.mrp): the items' headers (MrpItemPlan), the MRP record days (MrpRecord), the planned
orders, their pegging and the exception messages. The rules, with a worked example, are in docs/production.md, "MRP: the
rules"; tests/production/test_mrp_*.py state them.

The output is computed data: it is not written to the audit trail row by row (the run is audited;
firming a planned order is an audited change of its own)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from erp.errors import DomainError
from erp.money import QTY_QUANTUM
from inventory import status as inventory_status
from production import status as st
from production.models import MrpException, MrpItemPlan, MrpRecord, MrpRun, PlannedOrder, PlannedOrderPeg
from production.selectors.mrp_inputs import (
    PURCHASE_ORDER,
    REQUISITION,
    WORK_ORDER,
    BomLineRow,
    ItemRow,
    MrpInputs,
    ReceiptRow,
    SupplierTerms,
    mrp_inputs,
)
from production.sql.mrp import copy_rows

__all__ = ["BomCycle", "mrp_run_execute", "plan"]

ZERO = Decimal("0")
HUNDRED = Decimal("100")

# What a gross requirement (and so a peg) is for; the order within a day (then by id).
SALES, DEMAND, PARENT = 0, 1, 2
SAFETY = 9  # the safety stock: needed from the as-of date, after that day's demand
RECEIPT_RANK = {WORK_ORDER: 0, PURCHASE_ORDER: 1, REQUISITION: 2}

Progress = Callable[[int, str], None]


class BomCycle(DomainError):
    default_message = _("The BOMs contain a cycle.")


@dataclass
class Planned:
    """A planned order in memory; ``index`` is its place in the write order (its parent's pegs
    name it by index until the rows have ids)."""

    index: int
    item_id: int
    kind: str
    quantity: Decimal
    due: int  # day (0 = the as-of date)
    release: int  # day, negative when late
    bom_id: int | None
    pegs: list[tuple[int, Decimal, int, int]] = field(default_factory=list)  # (day, quantity, what, id)


@dataclass
class ItemResult:
    item: ItemRow
    level: int
    on_hand: Decimal
    lead_time: int
    lot_rule: str
    phantom: bool
    records: list[tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]]
    orders: list[Planned]
    exceptions: list[tuple[str, datetime.date, datetime.date | None, Decimal, str, Planned | None]]


@dataclass
class Plan:
    """The whole plan in memory, in write order."""

    items: list[ItemResult] = field(default_factory=list)
    orders: list[Planned] = field(default_factory=list)


# The entry point ----------------------------------------------------------------------------------


def mrp_run_execute(*, run: MrpRun, progress: Progress | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Plan run.company as of run.as_of over run.horizon_days: deletes the run's earlier output, writes
    MrpItemPlan, MrpRecord, PlannedOrder, PlannedOrderPeg and MrpException rows for the run, and returns
    (inputs, counts): JSON-able summaries — inputs: what went in (items, BOM lines, demand lines, sales
    lines, scheduled receipts by kind, stock rows, and a digest of all inputs so two runs can be compared),
    counts: what came out (planned orders by kind, late, exceptions by kind, items planned, record days)."""
    report = progress or (lambda percent, step: None)
    report(1, "loading")
    end = run.as_of + datetime.timedelta(days=run.horizon_days)
    data = mrp_inputs(company=run.company, as_of=run.as_of, end=end)
    report(10, "netting")
    result = plan(data, progress=lambda done: report(10 + done * 70 // 100, "netting"))
    report(80, "writing")
    with transaction.atomic():
        _delete_output(run)
        counts = _write(run, data, result)
    report(100, "done")
    return data.summary(), counts


# Netting ------------------------------------------------------------------------------------------


def plan(data: MrpInputs, *, progress: Callable[[int], None] | None = None) -> Plan:
    """Net every item in low-level-code order (then by code); pure: the same inputs give the same plan."""
    horizon = (data.end - data.as_of).days
    bom_of = {bom.item_id: bom for bom in data.boms}
    lines_of: dict[int, list[BomLineRow]] = defaultdict(list)
    for line in data.bom_lines:
        lines_of[line.bom_id].append(line)
    items = {item.id: item for item in data.items}
    levels = low_level_codes(items, bom_of, lines_of)
    phantom_only = _phantom_only(data.bom_lines, bom_of)

    # Independent demand per item: (day, what, id, quantity).
    demand: dict[int, list[tuple[int, int, int, Decimal]]] = defaultdict(list)
    for sale in data.sales_lines:
        demand[sale.item_id].append((max(0, (sale.date - data.as_of).days), SALES, sale.id, sale.open_quantity))
    for row in data.demands:
        demand[row.item_id].append(((row.date - data.as_of).days, DEMAND, row.id, row.quantity))
    receipts: dict[int, list[tuple[int, int, int, ReceiptRow]]] = defaultdict(list)
    for receipt in data.receipts:
        day = 0 if receipt.date is None else max(0, (receipt.date - data.as_of).days)
        receipts[receipt.item_id].append((day, RECEIPT_RANK[receipt.kind], receipt.id, receipt))

    result = Plan()
    order = sorted(items.values(), key=lambda item: (levels.get(item.id, 0), item.code))
    step = max(1, len(order) // 20)
    for n, item in enumerate(order, start=1):
        if progress is not None and n % step == 0:
            progress(n * 100 // len(order))
        needs = demand.pop(item.id, [])
        coming = receipts.pop(item.id, [])
        on_hand = data.available.get(item.id, ZERO)
        if not needs and not coming and on_hand >= item.safety_stock:
            continue
        bom = bom_of.get(item.id) if item.procurement == inventory_status.Procurement.MAKE else None
        outcome = _net_item(item, levels.get(item.id, 0), on_hand, sorted(needs), sorted(coming), horizon,
                            data.as_of, data.supplier_terms.get(item.id), bom.id if bom else None,
                            first_index=len(result.orders), phantom=item.id in phantom_only)
        result.items.append(outcome)
        result.orders.extend(outcome.orders)
        if bom is not None:
            for planned in outcome.orders:
                day = max(0, planned.release)
                for component_id, quantity in explode(bom.id, bom.quantity, planned.quantity, bom_of, lines_of):
                    if component_id in items:
                        demand[component_id].append((day, PARENT, planned.index, quantity))
    return result


def explode(bom_id: int, bom_quantity: Decimal, quantity: Decimal, bom_of: dict[int, Any],
            lines_of: dict[int, list[BomLineRow]], depth: int = 0) -> Iterable[tuple[int, Decimal]]:
    """(component, quantity in its base unit) needed to make ``quantity`` with a BOM: quantity ÷ the
    BOM's quantity × the line's base quantity × (1 + scrap % / 100), rounded up to the sixth decimal.
    A phantom line with a BOM of its own passes its requirement to that BOM's lines; by-products
    are not requirements."""
    for line in lines_of.get(bom_id, ()):
        if line.kind == st.BomLineKind.BY_PRODUCT:
            continue
        need = (quantity * line.quantity_base * (HUNDRED + line.scrap_percent) / (bom_quantity * HUNDRED)
                ).quantize(QTY_QUANTUM, rounding=ROUND_UP)
        phantom = bom_of.get(line.component_id) if line.kind == st.BomLineKind.PHANTOM else None
        if phantom is not None and depth < 50:
            yield from explode(phantom.id, phantom.quantity, need, bom_of, lines_of, depth + 1)
        else:
            yield line.component_id, need


def low_level_codes(items: dict[int, ItemRow], bom_of: dict[int, Any], lines_of: dict[int, list[BomLineRow]]
                    ) -> dict[int, int]:
    """Each item's level: 0 for an item in no BOM, else one more than its deepest parent (the deepest
    place it occurs in the default BOMs valid on the as-of date). A cycle is refused with its path."""
    children: dict[int, list[int]] = {}
    for item_id, bom in bom_of.items():
        children[item_id] = sorted({line.component_id for line in lines_of.get(bom.id, ())
                                    if line.kind != st.BomLineKind.BY_PRODUCT})
    parents_left: dict[int, int] = defaultdict(int)
    for kids in children.values():
        for kid in kids:
            parents_left[kid] += 1
    level: dict[int, int] = {}
    ready = sorted(item_id for item_id in set(children) | {k for kids in children.values() for k in kids}
                   if parents_left[item_id] == 0)
    for item_id in ready:
        level[item_id] = 0
    while ready:
        item_id = ready.pop()
        for kid in children.get(item_id, ()):
            level[kid] = max(level.get(kid, 0), level[item_id] + 1)
            parents_left[kid] -= 1
            if parents_left[kid] == 0:
                ready.append(kid)
    stuck = [item_id for item_id, left in parents_left.items() if left > 0]
    if stuck:
        raise BomCycle(_("The BOMs contain a cycle: %(path)s.") % {
            "path": " → ".join(_cycle_path(sorted(stuck), children, items))})
    return level


def _cycle_path(stuck: list[int], children: dict[int, list[int]], items: dict[int, ItemRow]) -> list[str]:
    """A cycle among the items left unplaced, as codes from parent to component (every unplaced item
    has an unplaced parent: walking up from one ends in a cycle)."""
    left = set(stuck)
    parents: dict[int, list[int]] = defaultdict(list)
    for parent, kids in sorted(children.items()):
        for kid in kids:
            if parent in left and kid in left:
                parents[kid].append(parent)
    path, seen = [stuck[0]], {stuck[0]}
    while True:
        up = parents[path[-1]][0]
        if up in seen:
            cycle = path[path.index(up):] + [up]
            return [items[i].code if i in items else str(i) for i in reversed(cycle)]
        path.append(up)
        seen.add(up)


def _phantom_only(lines: Sequence[BomLineRow], bom_of: dict[int, Any]) -> set[int]:
    """Items that occur in the BOMs only as phantom lines with a BOM of their own (passed through)."""
    phantom = {line.component_id for line in lines if line.kind == st.BomLineKind.PHANTOM
               and line.component_id in bom_of}
    return phantom - {line.component_id for line in lines if line.kind == st.BomLineKind.COMPONENT}


def lot_rule(item: ItemRow, terms: SupplierTerms | None) -> tuple[Callable[[Decimal], Decimal], int, str]:
    """(size a net requirement, lead time in days, the rule as text) of an item. A buy item's preferred
    supplier item wins: its lead time (else the supplier's), and its minimum and multiple when it
    sets either."""
    lead_time = item.lead_time_days
    if item.procurement == inventory_status.Procurement.BUY and terms is not None:
        if terms.lead_time_days is not None:
            lead_time = terms.lead_time_days
        if terms.min_order_quantity > 0 or terms.order_multiple > 0:
            return (_min_multiple(terms.min_order_quantity, terms.order_multiple), lead_time,
                    f"supplier min {_text(terms.min_order_quantity)} multiple {_text(terms.order_multiple)}")
    if item.lot_sizing == inventory_status.LotSizing.FIXED and item.lot_size > 0:
        size = item.lot_size
        return (lambda net: (net / size).to_integral_value(rounding=ROUND_CEILING) * size, lead_time,
                f"fixed {_text(size)}")
    if item.lot_sizing == inventory_status.LotSizing.MIN_MULTIPLE:
        return (_min_multiple(item.lot_minimum, item.lot_multiple), lead_time,
                f"min {_text(item.lot_minimum)} multiple {_text(item.lot_multiple)}")
    return (lambda net: net), lead_time, "lot_for_lot"


def _min_multiple(minimum: Decimal, multiple: Decimal) -> Callable[[Decimal], Decimal]:
    def size(net: Decimal) -> Decimal:
        quantity = max(net, minimum)
        if multiple > 0:
            quantity = (quantity / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple
        return quantity
    return size


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _net_item(item: ItemRow, level: int, on_hand: Decimal, needs: list[tuple[int, int, int, Decimal]],
              coming: list[tuple[int, int, int, ReceiptRow]], horizon: int, as_of: datetime.date,
              terms: SupplierTerms | None, bom_id: int | None, *, first_index: int, phantom: bool) -> ItemResult:
    """One item's MRP record, planned orders (with pegs) and exception messages."""
    size, lead_time, rule = lot_rule(item, terms)
    safety = item.safety_stock
    kind = st.PlannedOrderKind.MAKE if item.procurement == inventory_status.Procurement.MAKE \
        else st.PlannedOrderKind.BUY
    gross: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for day, _what, _id, quantity in needs:
        gross[day] += quantity
    scheduled: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for day, _rank, _id, receipt in coming:
        scheduled[day] += receipt.quantity
    days = sorted(set(gross) | set(scheduled) | ({0} if safety > 0 else set()))

    projected = on_hand
    orders: list[Planned] = []
    rows: dict[int, list[Decimal]] = {}
    after: list[tuple[int, Decimal]] = []  # (day, projected at its end)
    for day in days:
        g, s = gross.get(day, ZERO), scheduled.get(day, ZERO)
        projected = projected + s - g
        net = receipt_qty = ZERO
        if projected < safety:
            net = safety - projected
            receipt_qty = size(net)
            projected += receipt_qty
            orders.append(Planned(first_index + len(orders), item.id, kind, receipt_qty, day, day - lead_time,
                                  bom_id))
        after.append((day, projected))
        if g or s or net:
            rows[day] = [g, s, projected, net, receipt_qty, ZERO]
    for planned in orders:
        day = max(0, planned.release)
        if day not in rows:
            rows[day] = [ZERO, ZERO, _projected_on(day, after, on_hand), ZERO, ZERO, ZERO]
        rows[day][5] += planned.quantity
    records = [(day, g, s, p, n, r, rel) for day, (g, s, p, n, r, rel) in sorted(rows.items())]

    demands = [(day, what, key, quantity) for day, what, key, quantity in needs]
    if safety > 0:
        demands.append((0, SAFETY, 0, safety))
    demands.sort()
    _peg(on_hand, coming, orders, demands)
    exceptions = _receipt_exceptions(on_hand, coming, demands, as_of)
    for planned in orders:
        if planned.release < 0:
            exceptions.append((st.MrpExceptionKind.LATE_RELEASE, as_of + datetime.timedelta(days=planned.release),
                               as_of, planned.quantity, "", planned))
    exceptions.sort(key=lambda row: (row[1], _EXCEPTION_ORDER[row[0]], row[4],
                                     row[5].index if row[5] is not None else -1))
    return ItemResult(item, level, on_hand, lead_time, rule, phantom, records, orders, exceptions)


_EXCEPTION_ORDER: dict[str, int] = {st.MrpExceptionKind.LATE_RELEASE: 0, st.MrpExceptionKind.RESCHEDULE_IN: 1,
                    st.MrpExceptionKind.RESCHEDULE_OUT: 2, st.MrpExceptionKind.CANCEL: 3}


def _projected_on(day: int, after: list[tuple[int, Decimal]], on_hand: Decimal) -> Decimal:
    value = on_hand
    for when, projected in after:
        if when > day:
            break
        value = projected
    return value


def _peg(on_hand: Decimal, coming: list[tuple[int, int, int, ReceiptRow]], orders: list[Planned],
         demands: list[tuple[int, int, int, Decimal]]) -> None:
    """Allocate supply to demand first come, first served in date order: supply in the order it becomes
    available (on hand first, then each day's scheduled receipts before its planned orders), demand
    by date (the safety stock after the as-of date's demand). Each planned order keeps what it serves
    (its pegs); by the netting, a planned order only ever serves demand due on or after its due date."""
    supply: list[tuple[int, int, int, Decimal, Planned | None]] = [(0, 0, 0, on_hand, None)]
    supply += [(day, 1, rank * 10**12 + pk, receipt.quantity, None) for day, rank, pk, receipt in coming]
    supply += [(planned.due, 2, planned.index, planned.quantity, planned) for planned in orders]
    supply.sort(key=lambda row: row[:3])
    for n, (day, what, key, _quantity), take in _allocate([row[3] for row in supply], demands):
        planned = supply[n][4]
        if planned is not None:
            planned.pegs.append((day, take, what, key))


def _allocate(supply: Sequence[Decimal], demands: Sequence[tuple[int, int, int, Decimal]]
              ) -> Iterator[tuple[int, tuple[int, int, int, Decimal], Decimal]]:
    """First come, first served: each demand in turn takes from the supplies in their order; yields
    (the supply's index, the demand, the quantity taken)."""
    position, left = 0, supply[0] if supply else ZERO
    for demand in demands:
        quantity = demand[3]
        while quantity > 0 and position < len(supply):
            if left <= 0:
                position += 1
                if position < len(supply):
                    left = supply[position]
                continue
            take = min(left, quantity)
            yield position, demand, take
            left -= take
            quantity -= take


def _receipt_exceptions(on_hand: Decimal, coming: list[tuple[int, int, int, ReceiptRow]],
                        demands: list[tuple[int, int, int, Decimal]], as_of: datetime.date
                        ) -> list[tuple[str, datetime.date, datetime.date | None, Decimal, str, Planned | None]]:
    """Each scheduled receipt's first need: demand in date order served by on hand first, then by the
    scheduled receipts in the order they are due (planned orders left out). Due after that day:
    reschedule in to it; due before: reschedule out to it; never needed in the horizon: cancel."""
    found: list[tuple[str, datetime.date, datetime.date | None, Decimal, str, Planned | None]] = []
    if not coming:
        return found
    first_need: dict[int, int] = {}  # receipt's index + 1 (0: on hand) → day
    for n, demand, _take in _allocate([on_hand, *(row[3].quantity for row in coming)], demands):
        first_need.setdefault(n, demand[0])
    for n, (day, _rank, _pk, receipt) in enumerate(coming):
        original = receipt.date or as_of
        need = first_need.get(n + 1)
        if need is None:
            found.append((st.MrpExceptionKind.CANCEL, original, None, receipt.quantity, receipt.reference, None))
        elif need < day:
            found.append((st.MrpExceptionKind.RESCHEDULE_IN, original, as_of + datetime.timedelta(days=need),
                          receipt.quantity, receipt.reference, None))
        elif need > day:
            found.append((st.MrpExceptionKind.RESCHEDULE_OUT, original, as_of + datetime.timedelta(days=need),
                          receipt.quantity, receipt.reference, None))
    return found


# Writing ------------------------------------------------------------------------------------------


def _delete_output(run: MrpRun) -> None:
    """The run's earlier output, set-based (computed rows: no per-row signals or audit)."""
    for queryset in (PlannedOrderPeg.objects.filter(planned_order__run=run), MrpException.objects.filter(run=run),
                     PlannedOrder.objects.filter(run=run), MrpRecord.objects.filter(run=run),
                     MrpItemPlan.objects.filter(run=run)):
        queryset._raw_delete(queryset.db)


def _write(run: MrpRun, data: MrpInputs, result: Plan) -> dict[str, Any]:
    """The plan's rows, each table in one COPY (production.sql.mrp); the planned orders' ids are read
    back in write order (a sequence gives one COPY's rows increasing ids) for the pegs and messages."""
    as_of = data.as_of
    dates: dict[int, datetime.date] = {}

    def date(day: int) -> datetime.date:
        found = dates.get(day)
        if found is None:
            found = dates[day] = as_of + datetime.timedelta(days=day)
        return found

    copy_rows(MrpItemPlan, ["run", "item", "low_level_code", "procurement", "on_hand", "safety_stock",
                            "lead_time_days", "lot_rule", "is_phantom", "planned_orders"],
              ((run.pk, o.item.id, o.level, o.item.procurement, o.on_hand, o.item.safety_stock, o.lead_time,
                o.lot_rule[:100], o.phantom, len(o.orders)) for o in result.items))
    copy_rows(PlannedOrder, ["run", "item", "kind", "quantity", "due_date", "release_date", "is_late", "bom"],
              ((run.pk, p.item_id, p.kind, p.quantity, date(p.due), date(p.release), p.release < 0, p.bom_id)
               for p in result.orders))
    ids = list(PlannedOrder.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
    pegs = copy_rows(PlannedOrderPeg, ["planned_order", "quantity", "need_date", "sales_order_line", "demand",
                                       "parent", "safety_stock"],
                     ((ids[p.index], quantity, date(day), key if what == SALES else None,
                       key if what == DEMAND else None, ids[key] if what == PARENT else None, what == SAFETY)
                      for p in result.orders for day, quantity, what, key in p.pegs))
    records = copy_rows(MrpRecord, ["run", "item", "date", "gross", "scheduled", "projected", "net",
                                    "planned_receipt", "planned_release"],
                        ((run.pk, o.item.id, date(day), *values) for o in result.items
                         for day, *values in o.records))
    exceptions = [(run.pk, o.item.id, kind, when, new_date, quantity, reference[:60],
                   ids[planned.index] if planned is not None else None)
                  for o in result.items for kind, when, new_date, quantity, reference, planned in o.exceptions]
    copy_rows(MrpException, ["run", "item", "kind", "date", "new_date", "quantity", "reference", "planned_order"],
              exceptions)

    by_kind = {kind: 0 for kind in st.PlannedOrderKind.values}
    for planned in result.orders:
        by_kind[planned.kind] += 1
    exception_kinds: dict[str, int] = {kind: 0 for kind in st.MrpExceptionKind.values}
    for exception in exceptions:
        exception_kinds[exception[2]] += 1
    return {
        "planned_orders": len(result.orders), "planned_orders_by_kind": by_kind,
        "late": sum(1 for planned in result.orders if planned.release < 0),
        "exceptions": len(exceptions), "exceptions_by_kind": exception_kinds,
        "items_planned": len(result.items), "record_days": records, "pegs": pegs,
    }
