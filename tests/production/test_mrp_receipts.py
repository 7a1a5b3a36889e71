"""MRP's scheduled receipts, available stock and exception messages, worked out by hand (records as in
test_mrp_records: (day, gross, scheduled, projected, net, planned receipt, planned release))."""


import pytest
from django.utils import translation

from inventory import status as inventory_status
from inventory.models import Reservation, StockBalance
from inventory.services import masterdata
from inventory.services.stock import reserve
from production.models import MrpException, MrpItemPlan, MrpRecord, MrpRun, PlannedOrder, WorkOrder
from production.services.mrp import BomCycle, mrp_run_execute
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseRequisition, PurchaseRequisitionLine
from tests.production.conftest import D
from tests.production.test_mrp_records import BUY, day, forecast, orders, pegs, r, record, run_mrp

pytestmark = pytest.mark.django_db


def purchase(prod, item, quantity, on_day, status="approved", received="0", returned="0", number="PO-T1"):
    order = PurchaseOrder.objects.create(company=prod.company, supplier=prod.supplier, warehouse=prod.wh,
                                         status=status, number=number)
    return PurchaseOrderLine.objects.create(order=order, line_no=1, item=item, quantity=D(quantity),
                                            unit=item.base_unit, quantity_base=D(quantity), unit_price=D("1"),
                                            expected_date=day(prod, on_day), received_quantity=D(received),
                                            returned_quantity=D(returned))


def work_order(prod, item, quantity, on_day, status="released", completed="0", number="WO-T1"):
    return WorkOrder.objects.create(company=prod.company, item=item, warehouse=prod.wh, quantity=D(quantity),
                                    completed_quantity=D(completed), start_date=day(prod, on_day - 5),
                                    due_date=day(prod, on_day), status=status, number=number)


def requisition(prod, item, quantity, on_day, status="open", number="PR-T1"):
    header = PurchaseRequisition.objects.create(company=prod.company, warehouse=prod.wh, status=status,
                                                number=number)
    return PurchaseRequisitionLine.objects.create(requisition=header, line_no=1, item=item, quantity=D(quantity),
                                                  unit=item.base_unit, quantity_base=D(quantity),
                                                  required_date=day(prod, on_day))


def exceptions(run):
    return [(e.item.code, e.kind, e.date, e.new_date, e.quantity, e.reference)
            for e in MrpException.objects.filter(run=run).order_by("pk")]


def test_an_open_purchase_order_is_a_scheduled_receipt_not_needed_until_later(prod):
    purchase(prod, prod.tube, "100", 5)
    purchase(prod, prod.tube, "500", 6, status="draft", number="PO-T2")  # a draft is no receipt yet
    forecast(prod, prod.tube, "60", 8)
    need = forecast(prod, prod.tube, "70", 12)

    run = run_mrp(prod)

    assert record(run, prod.tube) == [r(5, 0, 100, 100, 0, 0, 30), r(8, 60, 0, 40, 0, 0, 0),
                                      r(12, 70, 0, 0, 30, 30, 0)]
    assert orders(run, prod.tube) == [(BUY, D("30"), 12, 5, False)]
    assert pegs(PlannedOrder.objects.get(run=run)) == [(D("30"), day(prod, 12), None, need.pk, None, False)]
    # the order due on day 5 is first needed on day 8
    assert exceptions(run) == [("TUBE", "reschedule_out", day(prod, 5), day(prod, 8), D("100"), "PO-T1/1")]
    assert run.inputs["scheduled_receipts"] == {"work_order": 0, "purchase_order": 1, "requisition": 0}


def test_a_partly_received_order_brings_what_is_still_open_and_a_past_due_work_order_counts_today(prod):
    purchase(prod, prod.rim, "100", 4, status="partial", received="40", returned="10")  # 70 open
    work_order(prod, prod.wheel, "20", -3, completed="5")  # 15 still to come, 3 days late
    work_order(prod, prod.wheel, "9", 2, status="completed", completed="9", number="WO-T2")
    forecast(prod, prod.wheel, "10", 6)
    forecast(prod, prod.rim, "80", 4)

    run = run_mrp(prod)

    assert record(run, prod.wheel) == [r(0, 0, 15, 15, 0, 0, 0), r(6, 10, 0, 5, 0, 0, 0)]
    assert record(run, prod.rim) == [r(0, 0, 0, 0, 0, 0, 10), r(4, 80, 70, 0, 10, 10, 0)]
    assert orders(run, prod.rim) == [(BUY, D("10"), 4, -3, True)]
    # written in planning order (WHEEL's level 1 before RIM's 2)
    assert exceptions(run) == [
        ("WHEEL", "reschedule_out", day(prod, -3), day(prod, 6), D("15"), "WO-T1"),
        ("RIM", "late", day(prod, -3), prod.today, D("10"), ""),
    ]


def test_a_receipt_due_after_it_is_needed_is_rescheduled_in_and_one_nobody_needs_cancelled(prod):
    purchase(prod, prod.rim, "50", 20)
    forecast(prod, prod.rim, "30", 5)
    requisition(prod, prod.tube, "40", 3)
    requisition(prod, prod.tube, "99", 3, status="draft", number="PR-T2")  # not submitted: no receipt

    run = run_mrp(prod)

    # the netting keeps the receipt on its date (the planned order is the expedite signal) …
    assert record(run, prod.rim) == [r(0, 0, 0, 0, 0, 0, 30), r(5, 30, 0, 0, 30, 30, 0), r(20, 0, 50, 50, 0, 0, 0)]
    assert orders(run, prod.rim) == [(BUY, D("30"), 5, -2, True)]
    assert record(run, prod.tube) == [r(3, 0, 40, 40, 0, 0, 0)]
    # … and the messages say what to do with it
    assert exceptions(run) == [
        ("RIM", "late", day(prod, -2), prod.today, D("30"), ""),
        ("RIM", "reschedule_in", day(prod, 20), day(prod, 5), D("50"), "PO-T1/1"),
        ("TUBE", "cancel", day(prod, 3), None, D("40"), "PR-T1/1"),
    ]
    late = MrpException.objects.get(run=run, kind="late")
    assert late.planned_order == PlannedOrder.objects.get(run=run, item=prod.rim)
    assert run.counts["exceptions_by_kind"] == {"late": 1, "reschedule_in": 1, "reschedule_out": 0, "cancel": 1}


def test_available_stock_is_storage_on_hand_less_reservations_for_anything_but_counted_sales_lines(prod):
    prod.receive(prod.spoke, "100")
    StockBalance.objects.create(company=prod.company, item=prod.spoke, warehouse=prod.wh, on_hand=D("50"),
                                location=masterdata.quarantine_location(prod.wh))  # waiting for inspection
    order = prod.sales_order([{"item": prod.spoke, "quantity": D("30")}])  # reserves 30 for its line
    other = work_order(prod, prod.wheel, "1", 10)
    reserve(company=prod.company, item=prod.spoke, warehouse=prod.wh, quantity=D("40"), document=other)
    need = forecast(prod, prod.spoke, "50", 10)

    run = run_mrp(prod)

    assert Reservation.objects.filter(line_id=order.lines.get().pk, status="active").get().quantity == D("30")
    # 100 − (30 + 40) reserved + 30 (the sales line is demand itself) = 60
    assert MrpItemPlan.objects.get(run=run, item=prod.spoke).on_hand == D("60")
    assert record(run, prod.spoke) == [r(0, 30, 0, 30, 0, 0, 0), r(3, 0, 0, 30, 0, 0, 20),
                                       r(10, 50, 0, 0, 20, 20, 0)]
    # the sales line is served from stock; the order serves the forecast
    assert pegs(PlannedOrder.objects.get(run=run, item=prod.spoke)) == [
        (D("20"), day(prod, 10), None, need.pk, None, False)]
    assert orders(run, prod.wheel) == [] and orders(run, prod.spoke) == [(BUY, D("20"), 10, 3, False)]


def test_a_cycle_in_the_boms_is_refused_with_its_path_and_nothing_written(prod):
    make = {"procurement": inventory_status.Procurement.MAKE, "base_unit": prod.pcs}
    a = masterdata.item_create(company=prod.company, code="CY-A", name="A", **make)
    b = masterdata.item_create(company=prod.company, code="CY-B", name="B", **make)
    prod.bom(a, [(b, "1")])
    prod.bom(b, [(a, "1")])
    forecast(prod, prod.bike, "1", 5)
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=10)

    with translation.override("en"), pytest.raises(BomCycle) as refused:
        mrp_run_execute(run=run)

    assert str(refused.value.message) == "The BOMs contain a cycle: CY-A → CY-B → CY-A."
    assert not MrpRecord.objects.filter(run=run).exists() and not PlannedOrder.objects.filter(run=run).exists()
