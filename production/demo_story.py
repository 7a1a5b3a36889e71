"""The production demo story, run through the services as a planner would (issue 14, "tried as a new
user would"): MRP plans the demo company's confirmed sales orders and forecasts, the planned orders to be
released within two weeks are firmed into work orders and purchase requisitions, and a
service-kit work order is released, completed (its components backflushed) and closed, so its actual
and standard costs and their variances are on its page and announced to finance.

Idempotent: a company that already has an MRP run or the demo's work order is left as it is."""

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from erp.models import Company
from inventory.models import Item, Warehouse
from production.models import Demand, MrpRun, PlannedOrder, WorkOrder
from production.services.demand import demand_save
from production.services.firming import planned_orders_firm
from production.services.runs import mrp_run_perform, mrp_run_start
from production.services.workorders import work_order_close, work_order_complete, work_order_release, work_order_save
from sales.demo import run_events

D = Decimal
KIT_NOTE = "[DEMO-PROD] 維修包備貨"
FIRM_DAYS = 14
# Forecasts of the finished goods the demo sells (item, weeks from today, quantity).
FORECASTS = [("FG-PA-100", 3, "40"), ("FG-PA-200", 4, "24"), ("FG-BH-100", 5, "30")]


def load_production_story(company: Company, users: dict[str, Any]) -> int:
    planner = users.get("production") or users.get("admin")
    items = {item.code: item for item in Item.objects.filter(company=company, code__in=[
        "FG-PA-100", "FG-PA-200", "FG-BH-100", "FG-KIT-PA100"])}
    # The kit is packed where its bearings, rings, clips and bags are kept.
    warehouse = Warehouse.objects.filter(company=company, code="WH-RM").first()
    if planner is None or warehouse is None or len(items) < 4:
        return 0
    created = 0
    today = timezone.localdate()
    if not Demand.objects.filter(company=company).exists():
        for code, weeks, quantity in FORECASTS:
            demand_save(company=company, actor=planner, item=items[code], quantity=D(quantity),
                        date=today + datetime.timedelta(weeks=weeks), reference="2027 Q1 預測")
            created += 1
    if not MrpRun.objects.filter(company=company).exists():
        run = mrp_run_start(company=company, actor=planner, as_of=today, horizon_days=90)
        mrp_run_perform(run_id=run.pk)  # here and now: the worker that the task would reach skips it
        run.refresh_from_db()
        created += 1
        # Firm what is to be released within two weeks (a planner's firm horizon): draft work orders and
        # purchase requisition lines; the later planned orders are left for the user to firm.
        soon = PlannedOrder.objects.filter(run=run, release_date__lte=today + datetime.timedelta(days=FIRM_DAYS))
        if run.status == "done" and soon.exists():
            result = planned_orders_firm(planned_orders=list(soon.order_by("pk")), actor=planner)
            created += len(result.work_orders) + len(result.requisition_lines)
    if not WorkOrder.objects.filter(company=company, notes=KIT_NOTE).exists():
        kit = work_order_save(company=company, actor=planner, item=items["FG-KIT-PA100"], warehouse=warehouse,
                              quantity=D("10"), start_date=today, due_date=today + datetime.timedelta(days=2),
                              backflush=True, overhead_percent=D("20"), notes=KIT_NOTE)
        work_order_release(work_order=kit, actor=planner)
        kit.refresh_from_db()
        work_order_complete(work_order=kit, actor=planner, quantity=D("10"))
        kit.refresh_from_db()
        work_order_close(work_order=kit, actor=planner)
        created += 1
    run_events(company)  # what the story announced (the kits in stock, the closed order) is delivered now
    return created
