"""MRP's rules as textbook records worked out by hand (docs/production.md, "MRP: the rules").

The world (tests/production/conftest.py): BIKE (make, 3 days) = FRAME + 2 WHEEL + 4 spare SPOKE;
WHEEL (make, 2 days) = RIM + 36 SPOKE; FRAME (make, 5 days) = 2.5 kg TUBE with 5 % scrap; RIM, SPOKE and
TUBE are bought from S001 (7 days, the supplier's lead time: its supplier items name none). Low-level
codes: BIKE 0; FRAME, WHEEL 1; RIM, SPOKE (in WHEEL's BOM and BIKE's), TUBE 2.

A record row is (day, gross, scheduled receipts, projected available, net, planned receipt, planned
release), day 0 being the as-of date; a planned order is (kind, quantity, due day, release day, late)."""

import datetime

import pytest

from erp.models import Company
from inventory import status as inventory_status
from inventory.services import masterdata
from production.models import Demand, MrpException, MrpItemPlan, MrpRecord, MrpRun, PlannedOrder, PlannedOrderPeg
from production.services.mrp import mrp_run_execute
from purchasing.models import SupplierItem
from sales.models import SalesOrderLine
from tests.production.conftest import D

pytestmark = pytest.mark.django_db


def day(prod, n):
    return prod.today + datetime.timedelta(days=n)


def run_mrp(prod, horizon=30):
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=horizon,
                                created_by=prod.planner)
    inputs, counts = mrp_run_execute(run=run)
    run.inputs, run.counts = inputs, counts
    return run


def sell(prod, item, quantity, needed_on):
    """A confirmed sales order line needed on day ``needed_on`` (promised the company's shipping
    preparation day later)."""
    order = prod.sales_order([{"item": item, "quantity": D(quantity)}])
    line = order.lines.get()
    SalesOrderLine.objects.filter(pk=line.pk).update(
        promised_date=day(prod, needed_on + Company.objects.get(pk=prod.company.pk).shipping_prep_days))
    return line


def forecast(prod, item, quantity, on_day):
    return Demand.objects.create(company=prod.company, item=item, date=day(prod, on_day), quantity=D(quantity))


def record(run, item):
    return [((row.date - run.as_of).days, row.gross, row.scheduled, row.projected, row.net, row.planned_receipt,
             row.planned_release)
            for row in MrpRecord.objects.filter(run=run, item=item).order_by("date")]


def orders(run, item):
    return [(o.kind, o.quantity, (o.due_date - run.as_of).days, (o.release_date - run.as_of).days, o.is_late)
            for o in PlannedOrder.objects.filter(run=run, item=item).order_by("due_date", "pk")]


def pegs(order):
    return [(p.quantity, p.need_date, p.sales_order_line_id, p.demand_id, p.parent_id, p.safety_stock)
            for p in PlannedOrderPeg.objects.filter(planned_order=order).order_by("need_date", "pk")]


def r(*values):
    return (values[0], *(D(str(v)) for v in values[1:]))


MAKE, BUY = "make", "buy"


def test_two_levels_with_a_common_component_planned_once_with_all_its_demand(prod):
    prod.receive(prod.spoke, "500")
    line = sell(prod, prod.bike, "10", 20)

    run = run_mrp(prod)

    levels = dict(MrpItemPlan.objects.filter(run=run).values_list("item__code", "low_level_code"))
    assert levels == {"BIKE": 0, "FRAME": 1, "WHEEL": 1, "RIM": 2, "SPOKE": 2, "TUBE": 2}
    assert record(run, prod.bike) == [r(17, 0, 0, 0, 0, 0, 10), r(20, 10, 0, 0, 10, 10, 0)]
    assert orders(run, prod.bike) == [(MAKE, D("10"), 20, 17, False)]
    assert record(run, prod.frame) == [r(12, 0, 0, 0, 0, 0, 10), r(17, 10, 0, 0, 10, 10, 0)]
    assert record(run, prod.wheel) == [r(15, 0, 0, 0, 0, 0, 20), r(17, 20, 0, 0, 20, 20, 0)]
    # 10 frames × 2.5 kg × 1.05 (scrap) = 26.25 kg, released 7 days (the supplier's) before day 12
    assert record(run, prod.tube) == [r(5, 0, 0, 0, 0, 0, "26.25"), r(12, "26.25", 0, 0, "26.25", "26.25", 0)]
    assert orders(run, prod.tube) == [(BUY, D("26.25"), 12, 5, False)]
    assert record(run, prod.rim) == [r(8, 0, 0, 0, 0, 0, 20), r(15, 20, 0, 0, 20, 20, 0)]
    # SPOKE, once: 20 wheels × 36 on day 15 (the wheels' release) and 10 bikes × 4 spare on day 17
    assert record(run, prod.spoke) == [r(8, 0, 0, 500, 0, 0, 220), r(10, 0, 0, 500, 0, 0, 40),
                                       r(15, 720, 0, 0, 220, 220, 0), r(17, 40, 0, 0, 40, 40, 0)]
    assert orders(run, prod.spoke) == [(BUY, D("220"), 15, 8, False), (BUY, D("40"), 17, 10, False)]
    assert run.counts == {
        "planned_orders": 7, "planned_orders_by_kind": {"make": 3, "buy": 4}, "late": 0, "exceptions": 0,
        "exceptions_by_kind": {"late": 0, "reschedule_in": 0, "reschedule_out": 0, "cancel": 0},
        "items_planned": 6, "record_days": 14, "pegs": 7,
    }
    assert {k: run.inputs[k] for k in ("items", "boms", "bom_lines", "sales_lines", "demand_lines",
                                       "scheduled_receipts")} == {
        "items": 6, "boms": 3, "bom_lines": 6, "sales_lines": 1, "demand_lines": 0,
        "scheduled_receipts": {"work_order": 0, "purchase_order": 0, "requisition": 0}}

    # Pegging, followed upwards from a spoke order, ends at the sales order line.
    bike, = PlannedOrder.objects.filter(run=run, item=prod.bike)
    wheel, = PlannedOrder.objects.filter(run=run, item=prod.wheel)
    frame, = PlannedOrder.objects.filter(run=run, item=prod.frame)
    tube, = PlannedOrder.objects.filter(run=run, item=prod.tube)
    spoke_wheel, spoke_bike = PlannedOrder.objects.filter(run=run, item=prod.spoke).order_by("due_date")
    assert pegs(bike) == [(D("10"), day(prod, 20), line.pk, None, None, False)]
    assert pegs(wheel) == [(D("20"), day(prod, 17), None, None, bike.pk, False)]
    assert pegs(frame) == [(D("10"), day(prod, 17), None, None, bike.pk, False)]
    assert pegs(tube) == [(D("26.25"), day(prod, 12), None, None, frame.pk, False)]
    # the 500 on hand serve the wheels' 720 first; the rest is this order's
    assert pegs(spoke_wheel) == [(D("220"), day(prod, 15), None, None, wheel.pk, False)]
    assert pegs(spoke_bike) == [(D("40"), day(prod, 17), None, None, bike.pk, False)]
    chain, order = [], spoke_wheel
    while order is not None:
        peg = order.pegs.get()
        chain.append(order.item.code)
        order = peg.parent
    assert chain == ["SPOKE", "WHEEL", "BIKE"] and peg.sales_order_line_id == line.pk


def test_sales_demand_is_the_open_quantity_of_confirmed_orders_on_the_day_needed(prod):
    # needed = promised date − the company's shipping preparation days (1); past dates count on the as-of
    # date; a draft order, a delivered part and what is beyond the horizon are no demand
    late = prod.sales_order([{"item": prod.spoke, "quantity": D("30")}])
    SalesOrderLine.objects.filter(order=late).update(promised_date=day(prod, -5), delivered_quantity=D("12"))
    later = prod.sales_order([{"item": prod.spoke, "quantity": D("7")}])
    SalesOrderLine.objects.filter(order=later).update(promised_date=day(prod, 11))
    beyond = prod.sales_order([{"item": prod.spoke, "quantity": D("9")}])
    SalesOrderLine.objects.filter(order=beyond).update(promised_date=day(prod, 32))
    prod.sales_order([{"item": prod.spoke, "quantity": D("100")}], confirm=False)

    run = run_mrp(prod)

    assert record(run, prod.spoke) == [r(0, 18, 0, 0, 18, 18, 18), r(3, 0, 0, 0, 0, 0, 7), r(10, 7, 0, 0, 7, 7, 0)]
    assert orders(run, prod.spoke) == [(BUY, D("18"), 0, -7, True), (BUY, D("7"), 10, 3, False)]
    assert run.inputs["sales_lines"] == 2


def test_fixed_lot_size_orders_whole_multiples_and_the_surplus_carries_forward(prod):
    prod.frame.lot_sizing, prod.frame.lot_size = inventory_status.LotSizing.FIXED, D("25")
    prod.frame.save()
    for quantity, on_day in (("30", 10), ("10", 12), ("40", 20)):
        forecast(prod, prod.frame, quantity, on_day)

    run = run_mrp(prod)

    assert record(run, prod.frame) == [r(5, 0, 0, 0, 0, 0, 50), r(10, 30, 0, 20, 30, 50, 0), r(12, 10, 0, 10, 0, 0, 0),
                                       r(15, 0, 0, 10, 0, 0, 50), r(20, 40, 0, 20, 30, 50, 0)]
    assert orders(run, prod.frame) == [(MAKE, D("50"), 10, 5, False), (MAKE, D("50"), 20, 15, False)]
    # the second order serves 30 of day 20's 40 (10 were left from the first); its own 20 are surplus
    first, second = PlannedOrder.objects.filter(run=run, item=prod.frame).order_by("due_date")
    demands = list(Demand.objects.filter(item=prod.frame).order_by("date"))
    assert pegs(first) == [(D("30"), day(prod, 10), None, demands[0].pk, None, False),
                           (D("10"), day(prod, 12), None, demands[1].pk, None, False),
                           (D("10"), day(prod, 20), None, demands[2].pk, None, False)]
    assert pegs(second) == [(D("30"), day(prod, 20), None, demands[2].pk, None, False)]
    # TUBE: 50 × 2.5 × 1.05 = 131.25 at each frame release
    assert record(run, prod.tube) == [r(0, 0, 0, 0, 0, 0, "131.25"), r(5, "131.25", 0, 0, "131.25", "131.25", 0),
                                      r(8, 0, 0, 0, 0, 0, "131.25"), r(15, "131.25", 0, 0, "131.25", "131.25", 0)]
    assert orders(run, prod.tube) == [(BUY, D("131.25"), 5, -2, True), (BUY, D("131.25"), 15, 8, False)]


def test_minimum_and_multiple_lot_size(prod):
    prod.wheel.lot_sizing = inventory_status.LotSizing.MIN_MULTIPLE
    prod.wheel.lot_minimum, prod.wheel.lot_multiple = D("30"), D("8")
    prod.wheel.save()
    forecast(prod, prod.wheel, "10", 6)
    forecast(prod, prod.wheel, "25", 9)

    run = run_mrp(prod)

    # day 6: 10 → at least 30 → 32 (4 × 8), 22 left; day 9: 22 − 25 = −3 → 32 again, 29 left
    assert record(run, prod.wheel) == [r(4, 0, 0, 0, 0, 0, 32), r(6, 10, 0, 22, 10, 32, 0), r(7, 0, 0, 22, 0, 0, 32),
                                       r(9, 25, 0, 29, 3, 32, 0)]
    assert orders(run, prod.wheel) == [(MAKE, D("32"), 6, 4, False), (MAKE, D("32"), 9, 7, False)]
    assert MrpItemPlan.objects.get(run=run, item=prod.wheel).lot_rule == "min 30 multiple 8"


def test_the_preferred_supplier_items_lead_time_minimum_and_multiple_win_converted_to_base_units(prod):
    # spokes bought in boxes of 100: at least 2 boxes, whole boxes, 12 days
    SupplierItem.objects.filter(item=prod.spoke).update(unit=prod.box, min_order_quantity=D("2"),
                                                        order_multiple=D("1"), lead_time_days=12)
    prod.spoke.lot_sizing, prod.spoke.lot_size = inventory_status.LotSizing.FIXED, D("1000")  # loses
    prod.spoke.save()
    forecast(prod, prod.spoke, "150", 10)
    forecast(prod, prod.spoke, "250", 20)

    run = run_mrp(prod)

    # 150 → at least 200 → 200 (50 left); 50 − 250 = −200 → 200
    assert orders(run, prod.spoke) == [(BUY, D("200"), 10, -2, True), (BUY, D("200"), 20, 8, False)]
    plan = MrpItemPlan.objects.get(run=run, item=prod.spoke)
    assert (plan.lead_time_days, plan.lot_rule) == (12, "supplier min 200 multiple 100")
    late = MrpException.objects.get(run=run)
    assert (late.kind, late.date, late.new_date, late.quantity, late.planned_order.due_date) == (
        "late", day(prod, -2), prod.today, D("200"), day(prod, 10))


def test_safety_stock_shortfall_is_a_net_requirement_and_pegged_to_the_safety_stock(prod):
    prod.rim.safety_stock = D("15")
    prod.rim.save()
    prod.receive(prod.rim, "10")
    need = forecast(prod, prod.rim, "20", 10)

    run = run_mrp(prod)

    # day 0: 10 < 15 → 5 now (released 7 days ago: late); day 10: 15 − 20 = −5 → 20 back to 15
    assert record(run, prod.rim) == [r(0, 0, 0, 15, 5, 5, 5), r(3, 0, 0, 15, 0, 0, 20), r(10, 20, 0, 15, 20, 20, 0)]
    assert orders(run, prod.rim) == [(BUY, D("5"), 0, -7, True), (BUY, D("20"), 10, 3, False)]
    first, second = PlannedOrder.objects.filter(run=run, item=prod.rim).order_by("due_date")
    assert pegs(first) == [(D("5"), prod.today, None, None, None, True)]
    assert pegs(second) == [(D("20"), day(prod, 10), None, need.pk, None, False)]
    assert MrpItemPlan.objects.filter(run=run, item=prod.rim).values_list(
        "on_hand", "safety_stock", "lead_time_days", "lot_rule", "planned_orders").get() == (
        D("10"), D("15"), 7, "lot_for_lot", 2)


def test_phantom_passes_its_requirement_to_its_components_and_gets_no_planned_order(prod):
    make = {"procurement": inventory_status.Procurement.MAKE}
    kit = masterdata.item_create(company=prod.company, code="KIT", name="把手組", base_unit=prod.pcs,
                                 item_type=inventory_status.ItemType.SEMI_FINISHED, lead_time_days=4, **make)
    trike = masterdata.item_create(company=prod.company, code="TRIKE", name="三輪車", base_unit=prod.pcs,
                                   item_type=inventory_status.ItemType.FINISHED_GOOD, lead_time_days=1, **make)
    prod.bom(kit, [(prod.tube, "1"), (prod.rim, "2")], quantity="2")  # per 2 kits
    prod.bom(trike, [(kit, "2", {"kind": "phantom"}), (prod.spoke, "0.03", prod.box, "100"),
                     (prod.frame, "1", {"kind": "by_product"})])
    forecast(prod, trike, "5", 20)

    run = run_mrp(prod)

    assert orders(run, trike) == [(MAKE, D("5"), 20, 19, False)]
    assert orders(run, kit) == [] and record(run, kit) == []
    # 5 trikes × 2 kits = 10 kits → ÷ 2 × 1 kg tube, ÷ 2 × 2 rims; the spokes' line is 0.03 box = 3 pcs
    assert record(run, prod.tube) == [r(12, 0, 0, 0, 0, 0, 5), r(19, 5, 0, 0, 5, 5, 0)]
    assert record(run, prod.rim) == [r(12, 0, 0, 0, 0, 0, 10), r(19, 10, 0, 0, 10, 10, 0)]
    assert record(run, prod.spoke) == [r(12, 0, 0, 0, 0, 0, 15), r(19, 15, 0, 0, 15, 15, 0)]
    assert record(run, prod.frame) == []  # a by-product is no requirement
    trike_order = PlannedOrder.objects.get(run=run, item=trike)
    assert pegs(PlannedOrder.objects.get(run=run, item=prod.rim)) == [
        (D("10"), day(prod, 19), None, None, trike_order.pk, False)]
