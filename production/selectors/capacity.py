"""Capacity load: the hours work orders and planned orders put on each work center, day by day and
week by week, against its calendar's capacity (docs/production.md, "Capacity").

What loads a work center:
- released and in-progress work orders, for their remaining quantity (quantity − completed);
- the planned orders of kind make, not yet firmed, of the company's latest finished MRP run.

Each order follows its routing (a work order's own routing, else its BOM version's routing, else the
routing of the item's default BOM, else an active routing of the item; a planned order: its BOM's
routing, then the same fallbacks). Every operation takes ``routing_operation_hours`` (setup + run ×
quantity, ÷ efficiency) and is loaded, whole, on one day: the first working day of its work center
(capacity above 0) at or after the day the previous operation was loaded on, the first operation at or
after the order's start (a work order's start date, a planned order's release date) but never before
the as-of day (today): work that should have started already is loaded from today. This is infinite
loading: capacity does not push work to later days; an overloaded day is flagged for the planner to
move. Operations that would fall after the last day shown are not shown.

Set-based: a fixed handful of queries whatever the number of orders, operations, work centers and
days (tests/production/test_capacity.py counts them)."""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from erp.models import User
from erp.permissions import user_company
from production import status as st
from production.models import Bom, MrpRun, PlannedOrder, Routing, RoutingOperation, WorkCenter, WorkOrder
from production.selectors.engineering import ZERO, operation_hours, work_centers_capacity, work_centers_for_user

LOADING = (st.WorkOrderStatus.RELEASED, st.WorkOrderStatus.IN_PROGRESS)
ONE_DAY = datetime.timedelta(days=1)
PERCENT = Decimal("0.1")


class Loaded:
    """A day or a week of a work center: its capacity and its load (hours)."""

    capacity: Decimal
    load: Decimal

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.load, self.capacity)

    @property
    def overloaded(self) -> bool:
        return self.load > self.capacity


@dataclass
class LoadDay(Loaded):
    date: datetime.date
    capacity: Decimal
    load: Decimal = ZERO
    orders: int = 0

    @property
    def working(self) -> bool:
        return self.capacity > 0


@dataclass
class LoadWeek(Loaded):
    start: datetime.date  # its Monday (the first week may start before the range)
    capacity: Decimal = ZERO
    load: Decimal = ZERO
    overloaded_days: int = 0


@dataclass
class WorkCenterLoad:
    work_center: WorkCenter
    days: list[LoadDay]
    weeks: list[LoadWeek] = field(default_factory=list)

    @property
    def capacity(self) -> Decimal:
        return sum((d.capacity for d in self.days), ZERO)

    @property
    def load(self) -> Decimal:
        return sum((d.load for d in self.days), ZERO)

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.load, self.capacity)

    @property
    def overloaded_days(self) -> int:
        return sum(1 for d in self.days if d.overloaded)


@dataclass
class CapacityLoad:
    date_from: datetime.date
    date_to: datetime.date
    as_of: datetime.date
    rows: list[WorkCenterLoad]
    mrp_run: MrpRun | None
    work_orders: int
    planned_orders: int

    @property
    def days(self) -> list[datetime.date]:
        return [d.date for d in self.rows[0].days] if self.rows else []

    @property
    def week_starts(self) -> list[datetime.date]:
        return [w.start for w in self.rows[0].weeks] if self.rows else []


def percent_of(load: Decimal, capacity: Decimal) -> Decimal | None:
    if capacity <= 0:
        return None
    return (load * 100 / capacity).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Order:
    """What loads: an order's routing, remaining quantity (base unit) and first possible day."""

    routing_id: int
    quantity: Decimal
    start: datetime.date


def latest_mrp_run(user: User) -> MrpRun | None:
    run: MrpRun | None = (MrpRun.objects.restrict(user).filter(status=st.MrpRunStatus.DONE)
                          .order_by("-created_at", "-pk").first())
    return run


def fallback_routings(company_id: int, item_ids: Iterable[int], on: datetime.date) -> dict[int, int]:
    """{item id: routing id} for items whose order names no routing: the routing of the item's default
    BOM valid on ``on``, else the item's first active routing (by code). Two queries."""
    items = sorted(set(item_ids))
    found: dict[int, int] = {}
    if not items:
        return found
    valid = (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    for item_id, routing_id in (Bom.objects.filter(valid, company_id=company_id, item_id__in=items, is_default=True,
                                                   is_active=True, routing__isnull=False)
                                .order_by("item_id", "-valid_from", "pk").values_list("item_id", "routing_id")):
        found.setdefault(item_id, routing_id)
    missing = [i for i in items if i not in found]
    if missing:
        for item_id, routing_id in (Routing.objects.filter(company_id=company_id, item_id__in=missing, is_active=True)
                                    .order_by("item_id", "code").values_list("item_id", "pk")):
            found.setdefault(item_id, routing_id)
    return found


def loading_orders(user: User, company_id: int, as_of: datetime.date
                   ) -> tuple[list[Order], MrpRun | None, int, int]:
    """The orders that load work centers (see the module's docstring), with the MRP run used and how
    many work orders and planned orders there were."""
    work_orders = list(WorkOrder.objects.restrict(user).filter(company_id=company_id, status__in=LOADING)
                       .order_by("pk").values_list("item_id", "routing_id", "bom__routing_id", "quantity",
                                                   "completed_quantity", "start_date"))
    run = latest_mrp_run(user)
    planned = []
    if run is not None:
        planned = list(PlannedOrder.objects.filter(run=run, kind=st.PlannedOrderKind.MAKE, firmed_at__isnull=True)
                       .order_by("pk").values_list("item_id", "bom__routing_id", "quantity", "release_date"))
    unrouted = [wo[0] for wo in work_orders if not (wo[1] or wo[2])] + [po[0] for po in planned if not po[1]]
    fallback = fallback_routings(company_id, unrouted, as_of)
    orders: list[Order] = []
    for item_id, routing_id, bom_routing_id, quantity, completed, start in work_orders:
        remaining = quantity - completed
        routing = routing_id or bom_routing_id or fallback.get(item_id)
        if routing and remaining > 0:
            orders.append(Order(routing, remaining, max(start, as_of)))
    for item_id, bom_routing_id, quantity, release in planned:
        routing = bom_routing_id or fallback.get(item_id)
        if routing:
            orders.append(Order(routing, quantity, max(release, as_of)))
    return orders, run, len(work_orders), len(planned)


def working_days(calendars: dict[int, dict[datetime.date, Decimal]]) -> dict[int, list[datetime.date]]:
    return {center: sorted(day for day, hours in calendar.items() if hours > 0)
            for center, calendar in calendars.items()}


def first_working_day(days: list[datetime.date], on_or_after: datetime.date) -> datetime.date | None:
    at = bisect.bisect_left(days, on_or_after)
    return days[at] if at < len(days) else None


def capacity_load(user: User, *, date_from: datetime.date, date_to: datetime.date,
                  work_centers: Iterable[int] | None = None, as_of: datetime.date | None = None) -> CapacityLoad:
    """The load of the user's work centers (all active ones, or those of ``work_centers`` ids) on each
    day from ``date_from`` to ``date_to``, with weeks (Monday to Sunday) summed."""
    as_of = as_of or timezone.localdate()
    company = user_company(user)
    shown_qs = work_centers_for_user(user).select_related("warehouse").order_by("code")
    if work_centers is not None:
        shown_qs = shown_qs.filter(pk__in=list(work_centers))
    else:
        shown_qs = shown_qs.filter(is_active=True)
    shown = list(shown_qs) if company is not None else []
    orders: list[Order] = []
    run, wo_count, po_count = None, 0, 0
    operations: dict[int, list[RoutingOperation]] = defaultdict(list)
    centers = {wc.pk: wc for wc in shown}
    if shown and date_to >= date_from and company is not None:
        orders, run, wo_count, po_count = loading_orders(user, company.pk, as_of)
        for op in (RoutingOperation.objects.filter(routing_id__in={o.routing_id for o in orders})
                   .select_related("work_center").order_by("routing_id", "sequence", "pk")):
            operations[op.routing_id].append(op)
            centers.setdefault(op.work_center_id, op.work_center)
    start = min(date_from, as_of)
    calendars = work_centers_capacity(centers.values(), start, date_to)
    open_days = working_days(calendars)
    loads: dict[int, dict[datetime.date, Decimal]] = {wc.pk: defaultdict(lambda: ZERO) for wc in shown}
    counts: dict[int, dict[datetime.date, int]] = {wc.pk: defaultdict(int) for wc in shown}
    for order in orders:
        day: datetime.date | None = order.start
        for op in operations.get(order.routing_id, []):
            assert day is not None
            placed = first_working_day(open_days.get(op.work_center_id, []), day)
            if placed is None:  # beyond the last day shown (or a work center that never works)
                break
            if op.work_center_id in loads:
                loads[op.work_center_id][placed] += operation_hours(op.setup_minutes, op.run_minutes,
                                                                    order.quantity, op.work_center.efficiency_percent)
                counts[op.work_center_id][placed] += 1
            day = placed
    rows = []
    for wc in shown:
        row_days = [LoadDay(day, calendars[wc.pk][day], loads[wc.pk][day], counts[wc.pk][day])
                    for day in sorted(calendars[wc.pk]) if day >= date_from]
        rows.append(WorkCenterLoad(wc, row_days, weeks_of(row_days)))
    return CapacityLoad(date_from=date_from, date_to=date_to, as_of=as_of, rows=rows, mrp_run=run,
                        work_orders=wo_count, planned_orders=po_count)


def weeks_of(days: list[LoadDay]) -> list[LoadWeek]:
    weeks: dict[datetime.date, LoadWeek] = {}
    for day in days:
        monday = day.date - datetime.timedelta(days=day.date.weekday())
        week = weeks.setdefault(monday, LoadWeek(monday))
        week.capacity += day.capacity
        week.load += day.load
        week.overloaded_days += day.overloaded
    return list(weeks.values())

