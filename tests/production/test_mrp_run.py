"""An MRP run as a whole: the same inputs give the same plan, a run executed again replaces its output,
the inputs' summary tells two runs apart, progress is reported, and the statements do not grow with
the items."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import status as inventory_status
from inventory.services import masterdata
from production.models import MrpException, MrpItemPlan, MrpRecord, MrpRun, PlannedOrder, PlannedOrderPeg
from production.services.mrp import mrp_run_execute
from tests.production.conftest import D
from tests.production.test_mrp_receipts import purchase, requisition, work_order
from tests.production.test_mrp_records import forecast, sell

pytestmark = pytest.mark.django_db


def busy_world(prod):
    prod.receive(prod.spoke, "500")
    prod.rim.safety_stock = D("4")
    prod.rim.save()
    prod.frame.lot_sizing, prod.frame.lot_size = inventory_status.LotSizing.FIXED, D("6")
    prod.frame.save()
    sell(prod, prod.bike, "10", 20)
    sell(prod, prod.bike, "3", 2)
    sell(prod, prod.spoke, "30", 9)
    forecast(prod, prod.bike, "7", 25)
    forecast(prod, prod.wheel, "5", 12)
    purchase(prod, prod.rim, "8", 18)
    work_order(prod, prod.wheel, "4", 3)
    requisition(prod, prod.tube, "40", 29)


def output(run):
    """The run's output without ids: planned orders by write order, pegs naming their parent by its
    place in that order."""
    ids = list(PlannedOrder.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
    place = {pk: n for n, pk in enumerate(ids)}
    return {
        "items": list(MrpItemPlan.objects.filter(run=run).order_by("pk").values_list(
            "item__code", "low_level_code", "on_hand", "lead_time_days", "lot_rule", "planned_orders")),
        "orders": list(PlannedOrder.objects.filter(run=run).order_by("pk").values_list(
            "item__code", "kind", "quantity", "due_date", "release_date", "is_late", "bom")),
        "pegs": [(place[o], q, d, s, dm, place.get(p), ss) for o, q, d, s, dm, p, ss in
                 PlannedOrderPeg.objects.filter(planned_order__run=run).order_by("pk").values_list(
                     "planned_order", "quantity", "need_date", "sales_order_line", "demand", "parent",
                     "safety_stock")],
        "records": list(MrpRecord.objects.filter(run=run).order_by("pk").values_list(
            "item__code", "date", "gross", "scheduled", "projected", "net", "planned_receipt", "planned_release")),
        "exceptions": [(code, kind, d, nd, q, ref, place.get(o)) for code, kind, d, nd, q, ref, o in
                       MrpException.objects.filter(run=run).order_by("pk").values_list(
                           "item__code", "kind", "date", "new_date", "quantity", "reference", "planned_order")],
    }


def test_the_same_inputs_give_the_same_plan_and_the_same_digest(prod):
    busy_world(prod)
    first = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=40)
    second = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=40)

    inputs_1, counts_1 = mrp_run_execute(run=first)
    inputs_2, counts_2 = mrp_run_execute(run=second)

    assert output(first) == output(second)
    assert (inputs_1, counts_1) == (inputs_2, counts_2)
    assert counts_1["planned_orders"] == 21
    assert counts_1["exceptions_by_kind"] == {"late": 5, "reschedule_in": 3, "reschedule_out": 0, "cancel": 0}
    assert len(output(first)["pegs"]) == counts_1["pegs"]


def test_a_run_executed_again_replaces_its_output(prod):
    busy_world(prod)
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=40)
    _, counts = mrp_run_execute(run=run)
    before = output(run)

    _, again = mrp_run_execute(run=run)

    assert again == counts and output(run) == before
    assert PlannedOrder.objects.filter(run=run).count() == counts["planned_orders"]
    assert MrpRecord.objects.filter(run=run).count() == counts["record_days"]


def test_changed_inputs_change_the_digest_and_the_summary(prod):
    busy_world(prod)
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=40)
    inputs, _ = mrp_run_execute(run=run)
    forecast(prod, prod.rim, "1", 3)
    later = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=40)

    changed, _ = mrp_run_execute(run=later)

    assert changed["digest"] != inputs["digest"]
    assert (inputs["demand_lines"], changed["demand_lines"]) == (2, 3)
    assert inputs["scheduled_receipts"] == {"work_order": 1, "purchase_order": 1, "requisition": 1}
    assert (inputs["sales_lines"], inputs["items"], inputs["bom_lines"]) == (3, 6, 6)


def test_progress_is_reported_from_loading_to_done(prod):
    busy_world(prod)
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=40)
    seen = []

    mrp_run_execute(run=run, progress=lambda percent, step: seen.append((percent, step)))

    assert seen[0] == (1, "loading") and seen[-1] == (100, "done")
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    assert {step for _, step in seen} == {"loading", "netting", "writing", "done"}


def family(prod, prefix, count):
    """``count`` products, each made of a part of its own (made of a shared raw material) and a shared
    bought component, each with a forecast."""
    make = {"procurement": inventory_status.Procurement.MAKE, "base_unit": prod.pcs, "lead_time_days": 2}
    for n in range(count):
        top = masterdata.item_create(company=prod.company, code=f"{prefix}{n}", name="產品", **make)
        part = masterdata.item_create(company=prod.company, code=f"{prefix}{n}-P", name="零件", **make)
        prod.bom(top, [(part, "2"), (prod.spoke, "3")])
        prod.bom(part, [(prod.tube, "0.5")])
        forecast(prod, top, str(n + 1), 10 + n)


def statements(prod):
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=30)
    with CaptureQueriesContext(connection) as queries:
        _, counts = mrp_run_execute(run=run)
    return len(queries), counts


def test_the_statements_do_not_grow_with_the_items(prod):
    family(prod, "A", 2)
    statements(prod)  # caches warm (content types)
    few, small = statements(prod)
    family(prod, "B", 10)

    many, large = statements(prod)

    # 2 products + 2 parts + spokes and tubes on 2 days; 12 + 12 + spokes and tubes on 10 days
    assert (small["planned_orders"], large["planned_orders"]) == (8, 44)
    assert many == few
    assert few <= 25


def test_quantities_keep_six_decimals_rounded_up(prod):
    make = {"procurement": inventory_status.Procurement.MAKE, "base_unit": prod.pcs}
    top = masterdata.item_create(company=prod.company, code="THIRDS", name="三分", **make)
    prod.bom(top, [(prod.tube, "1")], quantity="3")  # 1 kg per 3
    forecast(prod, top, "1", 5)
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=30)

    mrp_run_execute(run=run)

    assert PlannedOrder.objects.get(run=run, item=prod.tube).quantity == Decimal("0.333334")
