"""Reads of production planning for the screens, the API and the production home page: demand lines,
MRP runs, their planned orders with pegging, MRP records and exceptions, and two runs compared. Every
read goes through ``restrict(user, action)`` (production's data is the company's)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from erp.scoping import VIEW
from inventory.models import Item
from production import status as st
from production.models import Demand, MrpException, MrpItemPlan, MrpRecord, MrpRun, PlannedOrder, PlannedOrderPeg

ZERO = Decimal("0")


# Demand lines ------------------------------------------------------------------------------------


def demands_for_user(user: Any, action: str = VIEW) -> QuerySet[Demand]:
    return Demand.objects.restrict(user, action).select_related("item", "item__base_unit", "created_by")


def demand_rows(user: Any, *, item: Item | None = None, search: str = "", date_from: datetime.date | None = None,
                date_to: datetime.date | None = None, active: bool | None = None) -> QuerySet[Demand]:
    """The demand list: by item, reference or item code (``search``), dates and active."""
    rows = demands_for_user(user)
    if item is not None:
        rows = rows.filter(item=item)
    if search:
        rows = rows.filter(Q(reference__icontains=search) | Q(item__code__icontains=search)
                           | Q(item__name__icontains=search))
    if date_from is not None:
        rows = rows.filter(date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(date__lte=date_to)
    if active is not None:
        rows = rows.filter(is_active=active)
    return rows.order_by("date", "item__code", "pk")


def demand_get_for_user(user: Any, pk: int, action: str = VIEW) -> Demand | None:
    return demands_for_user(user, action).filter(pk=pk).first()


def demand_in_use(demand: Demand) -> bool:
    """Whether an MRP run pegged a planned order to the line (then it is deactivated, not deleted)."""
    return PlannedOrderPeg.objects.filter(demand=demand).exists()


# Runs --------------------------------------------------------------------------------------------


def runs_for_user(user: Any, action: str = VIEW) -> QuerySet[MrpRun]:
    return MrpRun.objects.restrict(user, action).select_related("created_by")


def run_rows(user: Any, *, status: str = "", date_from: datetime.date | None = None,
             date_to: datetime.date | None = None) -> QuerySet[MrpRun]:
    """The runs list, newest first: by status and as-of date."""
    rows = runs_for_user(user)
    if status:
        rows = rows.filter(status=status)
    if date_from is not None:
        rows = rows.filter(as_of__gte=date_from)
    if date_to is not None:
        rows = rows.filter(as_of__lte=date_to)
    return rows.order_by("-created_at", "-pk")


def run_get_for_user(user: Any, pk: int, action: str = VIEW) -> MrpRun | None:
    return runs_for_user(user, action).filter(pk=pk).first()


def latest_run_for_user(user: Any) -> MrpRun | None:
    return runs_for_user(user).order_by("-created_at", "-pk").first()


def latest_done_run_for_user(user: Any) -> MrpRun | None:
    """The newest finished run the user sees: the one whose planned orders may be firmed."""
    return runs_for_user(user).filter(status=st.MrpRunStatus.DONE).order_by("-created_at", "-pk").first()


def is_latest_done(run: MrpRun) -> bool:
    latest = (MrpRun.objects.filter(company_id=run.company_id, status=st.MrpRunStatus.DONE)
              .order_by("-created_at", "-pk").values_list("pk", flat=True).first())
    return latest == run.pk


def other_runs(user: Any, run: MrpRun, limit: int = 50) -> QuerySet[MrpRun]:
    """Finished runs to compare ``run`` with, newest first."""
    return runs_for_user(user).filter(status=st.MrpRunStatus.DONE).exclude(pk=run.pk).order_by("-created_at",
                                                                                                "-pk")[:limit]


# Planned orders ------------------------------------------------------------------------------------


def pegs_prefetch() -> Prefetch[str]:
    return Prefetch("pegs", queryset=PlannedOrderPeg.objects.select_related(
        "sales_order_line__order", "demand", "parent__item").order_by("need_date", "pk"))


def planned_orders_for_user(user: Any, action: str = VIEW) -> QuerySet[PlannedOrder]:
    return (PlannedOrder.objects.restrict(user, action)
            .select_related("run", "item", "item__base_unit", "bom", "firmed_by", "work_order",
                            "requisition_line__requisition"))


def planned_order_rows(user: Any, run: MrpRun, *, item: Item | None = None, item_code: str = "", kind: str = "",
                       late: bool | None = None, firmed: bool | None = None, pegs: bool = True
                       ) -> QuerySet[PlannedOrder]:
    """A run's planned orders by release date: by item, kind, late and firmed; with their pegging."""
    rows = planned_orders_for_user(user).filter(run=run)
    if pegs:
        rows = rows.prefetch_related(pegs_prefetch())
    if item is not None:
        rows = rows.filter(item=item)
    if item_code:
        rows = rows.filter(item__code__iexact=item_code)
    if kind:
        rows = rows.filter(kind=kind)
    if late is not None:
        rows = rows.filter(is_late=late)
    if firmed is not None:
        rows = rows.filter(firmed_at__isnull=not firmed)
    return rows.order_by("release_date", "item__code", "pk")


def planned_order_get_for_user(user: Any, pk: int, action: str = VIEW) -> PlannedOrder | None:
    return planned_orders_for_user(user, action).prefetch_related(pegs_prefetch()).filter(pk=pk).first()


# Records and exceptions -----------------------------------------------------------------------------


@dataclass
class ItemRecord:
    """An item's MRP record in a run: its header (``plan``), the days as columns, its planned orders
    with their pegging and its exceptions."""

    item: Item
    plan: MrpItemPlan | None
    days: list[MrpRecord]
    planned_orders: list[PlannedOrder]
    exceptions: list[MrpException]
    totals: dict[str, Decimal] = field(default_factory=dict)


RECORD_ROWS = ("gross", "scheduled", "projected", "net", "planned_receipt", "planned_release")


def item_record(user: Any, run: MrpRun, item: Item) -> ItemRecord:
    days = list(MrpRecord.objects.restrict(user).filter(run=run, item=item).order_by("date"))
    plan = MrpItemPlan.objects.restrict(user).filter(run=run, item=item).first()
    orders = list(planned_order_rows(user, run, item=item))
    exceptions = list(exception_rows(user, run, item=item))
    totals = {name: sum((getattr(day, name) for day in days), ZERO) for name in RECORD_ROWS if name != "projected"}
    return ItemRecord(item=item, plan=plan, days=days, planned_orders=orders, exceptions=exceptions, totals=totals)


def run_items(user: Any, run: MrpRun) -> QuerySet[MrpItemPlan]:
    """The items a run planned, by low-level code."""
    return (MrpItemPlan.objects.restrict(user).filter(run=run).select_related("item", "item__base_unit")
            .order_by("low_level_code", "item__code"))


def exception_rows(user: Any, run: MrpRun, *, item: Item | None = None, item_code: str = "", kind: str = ""
                   ) -> QuerySet[MrpException]:
    rows = (MrpException.objects.restrict(user).filter(run=run)
            .select_related("item", "item__base_unit", "planned_order"))
    if item is not None:
        rows = rows.filter(item=item)
    if item_code:
        rows = rows.filter(item__code__iexact=item_code)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("date", "item__code", "pk")


# Comparing two runs -------------------------------------------------------------------------------


@dataclass
class ItemDifference:
    item_code: str
    item_name: str
    kind: str
    left_count: int
    left_quantity: Decimal
    right_count: int
    right_quantity: Decimal

    @property
    def change(self) -> Decimal:
        return self.right_quantity - self.left_quantity


def planned_totals(user: Any, run: MrpRun) -> dict[tuple[str, str, str], tuple[int, Decimal]]:
    rows = (PlannedOrder.objects.restrict(user).filter(run=run).values("item__code", "item__name", "kind")
            .annotate(count=Count("pk"), quantity=Sum("quantity")))
    return {(row["item__code"], row["item__name"], row["kind"]): (row["count"], row["quantity"] or ZERO)
            for row in rows}


def flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A run's inputs or counts with nested figures as "parent.key" (planned orders by kind …)."""
    flat: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def side_by_side(left: dict[str, Any], right: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    a, b = flatten(left), flatten(right)
    return [(key, a.get(key), b.get(key)) for key in sorted(set(a) | set(b))]


def runs_compare(user: Any, left: MrpRun, right: MrpRun) -> dict[str, Any]:
    """Both runs' inputs and counts side by side and, per item and kind, the planned orders that differ
    (number or quantity): two grouped queries, whatever the number of planned orders."""
    counts = side_by_side(left.counts, right.counts)
    inputs = side_by_side(left.inputs, right.inputs)
    mine, theirs = planned_totals(user, left), planned_totals(user, right)
    differences = []
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key, (0, ZERO)), theirs.get(key, (0, ZERO))
        if a != b:
            differences.append(ItemDifference(item_code=key[0], item_name=key[1], kind=key[2], left_count=a[0],
                                              left_quantity=a[1], right_count=b[0], right_quantity=b[1]))
    return {"counts": counts, "inputs": inputs, "differences": differences}


# The production home page ------------------------------------------------------------------------


def planning_summary(user: Any, *, limit: int = 10) -> dict[str, Any]:
    """The latest run, and of the latest finished run the late planned orders not yet firmed and the
    exceptions (the first ``limit`` of each, with their totals)."""
    latest = latest_run_for_user(user)
    done = latest if latest is not None and latest.status == st.MrpRunStatus.DONE else latest_done_run_for_user(user)
    summary: dict[str, Any] = {"latest": latest, "done": done, "late": [], "late_count": 0, "exceptions": [],
                               "exception_count": 0}
    if done is not None:
        late = planned_order_rows(user, done, late=True, firmed=False, pegs=False)
        summary["late"], summary["late_count"] = list(late[:limit]), late.count()
        exceptions = exception_rows(user, done)
        summary["exceptions"], summary["exception_count"] = list(exceptions[:limit]), exceptions.count()
    return summary
