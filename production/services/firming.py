"""Firming planned orders: each chosen planned order of the company's latest finished MRP run becomes
its real document once — a make order a draft work order, a buy order a purchase requisition line
(through ``purchasing.services.requisitions.requisition_for_shortage``, one call per warehouse). The
planned orders are locked in pk order and marked with a conditional UPDATE (``firmed_at IS NULL``), so
firming twice, or two planners firming the same orders at once, makes nothing new."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import ConcurrentChange, DomainError
from erp.models import Company, User
from inventory.models import Warehouse
from production import status as st
from production.models import MrpRun, PlannedOrder, PlannedOrderPeg, WorkOrder
from purchasing import status as purchasing_status
from purchasing.models import PurchaseRequisitionLine
from purchasing.services.requisitions import ShortageLine, requisition_for_shortage

FIRMED_FIELDS = ["firmed_at", "firmed_by", "work_order", "requisition_line"]


@dataclass
class FirmResult:
    """What a firming made: the planned orders firmed now, those firmed before (left alone), the draft
    work orders and the requisition lines."""

    firmed: list[PlannedOrder] = field(default_factory=list)
    already_firmed: list[PlannedOrder] = field(default_factory=list)
    work_orders: list[WorkOrder] = field(default_factory=list)
    requisition_lines: list[PurchaseRequisitionLine] = field(default_factory=list)


def latest_done_run(company: Company) -> MrpRun | None:
    """The company's newest finished run: the only one whose planned orders may be firmed."""
    return (MrpRun.objects.filter(company=company, status=st.MrpRunStatus.DONE)
            .order_by("-created_at", "-pk").first())


def ids_of(planned_orders: Iterable[PlannedOrder | int]) -> list[int]:
    return sorted({order.pk if isinstance(order, Model) else int(order) for order in planned_orders})


def pegged_lines(pegs: list[PlannedOrderPeg]) -> tuple[int | None, Warehouse | None]:
    """The sales order line a planned order serves when it serves exactly one (every peg that line's),
    and the warehouse of the first pegged sales order."""
    lines = {peg.sales_order_line_id for peg in pegs}
    warehouse = next((peg.sales_order_line.order.warehouse for peg in pegs if peg.sales_order_line is not None), None)
    only = next(iter(lines)) if len(lines) == 1 else None
    return only, warehouse


class WarehouseChooser:
    """The pegged sales order's warehouse, else the item's default warehouse, else the company's first
    active warehouse by code."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self._first: Warehouse | None = None
        self._looked = False

    def first(self) -> Warehouse:
        if not self._looked:
            self._first = Warehouse.objects.filter(company=self.company, is_active=True).order_by("code").first()
            self._looked = True
        if self._first is None:
            raise DomainError(_("The company has no active warehouse to make or receive the planned orders in."))
        return self._first

    def __call__(self, order: PlannedOrder, pegged: Warehouse | None) -> Warehouse:
        if pegged is not None:
            return pegged
        default = order.item.default_warehouse
        if default is not None and default.is_active:
            return default
        return self.first()


@atomic_with_retry
def planned_orders_firm(*, planned_orders: Iterable[PlannedOrder | int], actor: User) -> FirmResult:
    """Firm the planned orders (objects or ids) in bulk; those already firmed are left as they are.
    Refused, with nothing written, when any of them belongs to a run that is not its company's latest
    finished run."""
    ids = ids_of(planned_orders)
    if not ids:
        raise DomainError(_("Choose at least one planned order to firm."), field="ids")
    rows = list(PlannedOrder.objects.select_for_update(of=("self",)).filter(pk__in=ids)
                .select_related("run", "item", "item__default_warehouse", "bom", "bom__routing").order_by("pk"))
    if len(rows) != len(ids):
        raise DomainError(_("Some of the planned orders no longer exist: reload the page."), field="ids")
    companies = {row.run.company_id for row in rows}
    if len(companies) != 1:
        raise DomainError(_("The planned orders belong to different companies."), field="ids")
    company = rows[0].run.company
    latest = latest_done_run(company)
    stale = sorted({row.run_id for row in rows if latest is None or row.run_id != latest.pk})
    if stale:
        raise DomainError(_("Only the planned orders of the latest finished MRP run can be firmed: run #%(run)s is "
                            "not it. Open the latest run and firm its planned orders.") % {"run": stale[0]},
                          field="ids")
    result = FirmResult(already_firmed=[row for row in rows if row.firmed_at is not None])
    todo = [row for row in rows if row.firmed_at is None]
    if not todo:
        return result
    before = audit.snapshot(todo)
    now = timezone.now()
    marked = PlannedOrder.objects.filter(pk__in=[row.pk for row in todo], firmed_at__isnull=True).update(
        firmed_at=now, firmed_by=actor)
    if marked != len(todo):  # the rows are locked: only a write outside this service gets here
        raise ConcurrentChange()
    pegs: dict[int, list[PlannedOrderPeg]] = {row.pk: [] for row in todo}
    for peg in (PlannedOrderPeg.objects.filter(planned_order__in=todo)
                .select_related("sales_order_line__order__warehouse").order_by("pk")):
        pegs[peg.planned_order_id].append(peg)
    choose = WarehouseChooser(company)
    today = timezone.localdate()
    make: list[tuple[PlannedOrder, WorkOrder]] = []
    buy: dict[Warehouse, list[tuple[PlannedOrder, ShortageLine]]] = {}
    for row in todo:
        row.firmed_at, row.firmed_by = now, actor
        line_id, pegged_warehouse = pegged_lines(pegs[row.pk])
        warehouse = choose(row, pegged_warehouse)
        if row.kind == st.PlannedOrderKind.MAKE:
            start = max(row.release_date, today)
            make.append((row, WorkOrder(
                company=company, item=row.item, bom=row.bom, routing=row.bom.routing if row.bom else None,
                warehouse=warehouse, quantity=row.quantity, start_date=start, due_date=max(row.due_date, start),
                source=st.WorkOrderSource.MRP, sales_order_line_id=line_id, created_by=actor, updated_by=actor,
                document_date=today)))
        else:
            buy.setdefault(warehouse, []).append((row, ShortageLine(
                item_id=row.item_id, quantity_base=row.quantity, source_key=f"mrp:{row.pk}",
                required_date=row.due_date, sales_order_line_id=line_id,
                notes=_("MRP run #%(run)s, planned order %(id)s") % {"run": row.run_id, "id": row.pk})))
    if make:
        orders = WorkOrder.objects.bulk_create([order for _row, order in make])
        audit.record_created(orders, actor=actor)
        for (row, _order), order in zip(make, orders, strict=True):
            row.work_order = order
        result.work_orders = orders
    for warehouse, wanted in sorted(buy.items(), key=lambda pair: pair[0].code):
        requisition_for_shortage(company=company, warehouse=warehouse, source=purchasing_status.RequisitionSource.MRP,
                                 lines=[line for _row, line in wanted], actor=actor, requested_by=actor)
    keys = {f"mrp:{row.pk}": row for rows_ in buy.values() for row, _line in rows_}
    if keys:
        lines = list(PurchaseRequisitionLine.objects.filter(source_key__in=list(keys)).order_by("pk"))
        for line in lines:
            keys[line.source_key].requisition_line = line
        result.requisition_lines = lines
    PlannedOrder.objects.bulk_update(todo, ["work_order", "requisition_line"])
    audit.record_updated(todo, before, FIRMED_FIELDS, actor=actor)
    result.firmed = todo
    return result


def firm_message(result: FirmResult) -> str:
    """What the screens and the API say after firming."""
    firmed = len(result.firmed)
    parts = [ngettext("%(count)s planned order firmed (work orders: %(work)s, requisition lines: %(lines)s).",
                      "%(count)s planned orders firmed (work orders: %(work)s, requisition lines: %(lines)s).",
                      firmed) % {"count": firmed, "work": len(result.work_orders),
                                 "lines": len(result.requisition_lines)}]
    if already := len(result.already_firmed):
        parts.append(ngettext("%(count)s was already firmed.", "%(count)s were already firmed.", already)
                     % {"count": already})
    return " ".join(parts)
