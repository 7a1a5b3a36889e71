"""Reads of production's engineering data: work centers and their calendars, routings with their
operations, and the hours an operation takes.

A work center's calendar: it works on its ``working_weekdays`` (0 = Monday … 6 = Sunday) for
``capacity_hours`` a day, except on its holidays, whose own ``capacity_hours`` replace that day's
(0: closed; 4: a short day; a holiday on a day it does not normally work makes it a working day of
those hours). ``work_centers_capacity`` reads the calendars of many work centers at once (two queries
whatever their number and the number of days)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from erp.models import User
from erp.scoping import VIEW
from production.models import Routing, RoutingOperation, WorkCenter, WorkCenterHoliday

ZERO = Decimal("0")
HOURS = Decimal("0.0001")
ONE_DAY = datetime.timedelta(days=1)
Calendar = dict[datetime.date, Decimal]


# Work centers ----------------------------------------------------------------------------------


def work_centers_for_user(user: User, action: str = VIEW) -> QuerySet[WorkCenter]:
    return WorkCenter.objects.restrict(user, action)


def work_center_list(user: User, *, search: str = "", active: bool | None = None,
                     warehouse_id: int | None = None) -> QuerySet[WorkCenter]:
    rows = (work_centers_for_user(user).select_related("warehouse")
            .annotate(operation_count=Count("operations", distinct=True)))
    if search:
        rows = rows.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if active is not None:
        rows = rows.filter(is_active=active)
    if warehouse_id is not None:
        rows = rows.filter(warehouse_id=warehouse_id)
    return rows.order_by("code")


def work_center_get_for_user(user: User, pk: int, action: str = VIEW) -> WorkCenter | None:
    return work_centers_for_user(user, action).filter(pk=pk).select_related("warehouse", "company").first()


def holiday_get(work_center: WorkCenter, pk: int) -> WorkCenterHoliday | None:
    return WorkCenterHoliday.objects.filter(work_center=work_center, pk=pk).first()


def holidays_of(work_center: WorkCenter, date_from: datetime.date | None = None) -> QuerySet[WorkCenterHoliday]:
    rows = WorkCenterHoliday.objects.filter(work_center=work_center)
    if date_from is not None:
        rows = rows.filter(date__gte=date_from)
    return rows.order_by("date")


def days(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    return [date_from + datetime.timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def work_centers_capacity(work_centers: Iterable[WorkCenter], date_from: datetime.date,
                          date_to: datetime.date) -> dict[int, Calendar]:
    """{work center id: {date: capacity hours}} for every day from ``date_from`` to ``date_to``
    (both included): the work center's hours on its working weekdays, 0 on the others, a holiday's
    hours on its date. One query for all the holidays."""
    centers = list(work_centers)
    span = days(date_from, date_to) if date_to >= date_from else []
    calendars: dict[int, Calendar] = {}
    for center in centers:
        weekdays = set(center.working_weekdays or [])
        calendars[center.pk] = {day: (center.capacity_hours if day.weekday() in weekdays else ZERO) for day in span}
    if centers and span:
        holidays = (WorkCenterHoliday.objects.filter(work_center_id__in=list(calendars),
                                                     date__range=(date_from, date_to))
                    .values_list("work_center_id", "date", "capacity_hours"))
        for center_id, day, hours in holidays:
            calendars[center_id][day] = hours
    return calendars


def work_center_capacity(work_center: WorkCenter, date_from: datetime.date,
                         date_to: datetime.date) -> Calendar:
    """{date: capacity hours} of one work center (see ``work_centers_capacity``)."""
    return work_centers_capacity([work_center], date_from, date_to)[work_center.pk]


def calendar_weeks(work_center: WorkCenter, date_from: datetime.date, weeks: int
                   ) -> list[list[tuple[datetime.date, Decimal, WorkCenterHoliday | None]]]:
    """The work center's calendar by week (Monday to Sunday) from the week of ``date_from``: each day
    with its capacity and its holiday row (or None)."""
    start = date_from - datetime.timedelta(days=date_from.weekday())
    end = start + datetime.timedelta(days=7 * weeks - 1)
    capacity = work_center_capacity(work_center, start, end)
    holidays = {h.date: h for h in WorkCenterHoliday.objects.filter(work_center=work_center,
                                                                    date__range=(start, end))}
    span = days(start, end)
    return [[(day, capacity[day], holidays.get(day)) for day in span[n:n + 7]] for n in range(0, len(span), 7)]


# Routings --------------------------------------------------------------------------------------


def operations_prefetch() -> Prefetch[str]:
    return Prefetch("operations", queryset=RoutingOperation.objects.select_related("work_center")
                    .order_by("sequence", "pk"))


def routings_for_user(user: User, action: str = VIEW) -> QuerySet[Routing]:
    return Routing.objects.restrict(user, action)


def routing_list(user: User, *, search: str = "", active: bool | None = None, item_code: str = "",
                 work_center_id: int | None = None) -> QuerySet[Routing]:
    rows = (routings_for_user(user).select_related("item", "item__base_unit")
            .annotate(operation_count=Count("operations", distinct=True)))
    if search:
        rows = rows.filter(Q(code__icontains=search) | Q(name__icontains=search)
                           | Q(item__code__icontains=search) | Q(item__name__icontains=search))
    if active is not None:
        rows = rows.filter(is_active=active)
    if item_code:
        rows = rows.filter(item__code=item_code)
    if work_center_id is not None:
        rows = rows.filter(pk__in=RoutingOperation.objects.filter(work_center_id=work_center_id).values("routing_id"))
    return rows.order_by("code")


def routing_get_for_user(user: User, pk: int, action: str = VIEW) -> Routing | None:
    return (routings_for_user(user, action).filter(pk=pk).select_related("item", "item__base_unit", "company")
            .prefetch_related(operations_prefetch()).first())


def routings_using(user: User, work_center: WorkCenter) -> QuerySet[Routing]:
    return routing_list(user, work_center_id=work_center.pk)


def routing_operation_hours(operation: RoutingOperation, quantity: Decimal) -> Decimal:
    """The hours ``operation`` keeps its work center busy for ``quantity`` (base unit):
    (setup minutes + run minutes × quantity) / 60 ÷ (efficiency % / 100), to 4 places. A work center
    at 80 % takes 1.25 hours for an hour of standard work. Reads ``operation.work_center`` (select it
    with the operations)."""
    return operation_hours(operation.setup_minutes, operation.run_minutes, quantity,
                           operation.work_center.efficiency_percent)


def operation_hours(setup_minutes: Decimal, run_minutes: Decimal, quantity: Decimal,
                    efficiency_percent: Decimal) -> Decimal:
    """``routing_operation_hours`` from the figures themselves (for rows read with ``values()``)."""
    minutes = setup_minutes + run_minutes * quantity
    return (minutes / Decimal(60) * Decimal(100) / efficiency_percent).quantize(HOURS, rounding=ROUND_HALF_UP)


def operations_by_routing(routing_ids: Iterable[int]) -> dict[int, list[RoutingOperation]]:
    """{routing id: its operations in sequence, each with its work center}: one query."""
    found: dict[int, list[RoutingOperation]] = defaultdict(list)
    ids = sorted(set(routing_ids))
    if ids:
        for op in (RoutingOperation.objects.filter(routing_id__in=ids).select_related("work_center")
                   .order_by("routing_id", "sequence", "pk")):
            found[op.routing_id].append(op)
    return dict(found)
