"""Work order services: drafts, release with reservations and shortages, issues at the moving-average
cost, backflush, completion at actual cost, close with variances and its event, cancel."""

import datetime

import pytest
from django.utils import translation

from erp.errors import DomainError, IllegalTransition
from erp.models import OutboxEvent
from inventory import status as inventory_status
from inventory.errors import InsufficientStock
from inventory.models import ItemValuation, Location, Reservation, StockBalance, StockMove
from inventory.services import masterdata
from production import status as st
from production.models import Bom, WorkOrder, WorkOrderComponent
from production.services import workorders as services
from tests.production.conftest import D

pytestmark = pytest.mark.django_db


def held(order):
    return {r.item.code: r.quantity for r in Reservation.objects.filter(
        document_id=order.pk, status=inventory_status.ReservationStatus.ACTIVE,
        document_type__model="workorder").select_related("item")}


def wheel_order(prod, quantity="10", **fields):
    """A draft work order for wheels (RIM + 36 SPOKE each; no routing)."""
    return services.work_order_save(company=prod.company, actor=prod.planner, item=prod.wheel, warehouse=prod.wh,
                                    quantity=D(quantity), start_date=prod.today, due_date=prod.in_a_week, **fields)


def frame_order(prod, quantity="2", **fields):
    """A draft work order for frames (2.5 kg TUBE + 5 % scrap each; WELD 60 min setup + 90 min a unit,
    600 an hour at 80 % efficiency)."""
    return services.work_order_save(company=prod.company, actor=prod.planner, item=prod.frame, warehouse=prod.wh,
                                    quantity=D(quantity), start_date=prod.today, due_date=prod.in_a_week, **fields)


def component(order, item):
    return WorkOrderComponent.objects.get(work_order=order, component=item)


def test_a_draft_takes_the_default_bom_and_its_routing(prod):
    order = frame_order(prod)

    assert (order.status, order.number, order.bom, order.routing) == ("draft", "", prod.frame_bom, prod.frame_routing)


@pytest.mark.parametrize("change, field, message", [
    ({"quantity": D("0")}, "quantity", "The quantity must be greater than zero."),
    ({"item": "rim"}, "item", "RIM is bought, not made: a work order needs a make item."),
    ({"bom": "wheel_bom"}, "bom", "BOM WHEEL v1 is not a BOM of FRAME."),
    ({"bom": "inactive"}, "bom", "BOM FRAME v2 is inactive."),
    ({"due_date": "yesterday"}, "due_date", "The due date must not be before the start date."),
])
def test_a_bad_draft_is_refused_and_nothing_is_written(prod, change, field, message):
    values = {"company": prod.company, "actor": prod.planner, "item": prod.frame, "warehouse": prod.wh,
              "quantity": D("1"), "start_date": prod.today, "due_date": prod.in_a_week}
    if change.get("item") == "rim":
        values["item"] = prod.rim
    elif change.get("bom") == "wheel_bom":
        values["bom"] = prod.wheel_bom
    elif change.get("bom") == "inactive":
        values["bom"] = prod.bom(prod.frame, [(prod.tube, "1")], version="2", is_default=False, is_active=False)
    elif change.get("due_date") == "yesterday":
        values["due_date"] = prod.today - datetime.timedelta(days=1)
    else:
        values.update(change)

    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.work_order_save(**values)

    assert (refused.value.field, str(refused.value.message)) == (field, message)
    assert not WorkOrder.objects.exists()


def test_release_explodes_the_bom_reserves_and_reports_shortages(prod):
    prod.receive(prod.rim, "4", unit_cost="200")
    prod.receive(prod.spoke, "500", unit_cost="2")
    order = wheel_order(prod)

    result = services.work_order_release(work_order=order, actor=prod.planner)

    order.refresh_from_db()
    assert order.status == st.WorkOrderStatus.RELEASED and order.number.startswith("WO")
    assert [(c.component.code, c.quantity_per, c.quantity_required) for c in order.components.order_by("sequence")] \
        == [("RIM", D("1"), D("10")), ("SPOKE", D("36"), D("360"))]
    assert held(order) == {"RIM": D("4"), "SPOKE": D("360")}  # never more than is there
    with translation.override("en"):
        assert [s.text() for s in result.shortages] == ["RIM: 6 PCS short (4 of 10 reserved)"]
    assert StockBalance.objects.get(item=prod.rim).reserved == D("4")
    assert order.standard_material == D("10") * (D("200") + D("36") * D("2"))


def test_a_phantom_is_exploded_to_its_components_with_scrap(prod):
    kit = masterdata.item_create(company=prod.company, code="KIT", name="kit", base_unit=prod.pcs,
                                 procurement=inventory_status.Procurement.MAKE)
    prod.bom(kit, [(prod.spoke, "10")])
    phantom_bom = prod.bom(prod.bike, [(prod.rim, "2"), (kit, "1", {"kind": st.BomLineKind.PHANTOM,
                                                                     "scrap_percent": D("10")})],
                           version="P", is_default=False)
    order = services.work_order_save(company=prod.company, actor=prod.planner, item=prod.bike, warehouse=prod.wh,
                                     quantity=D("3"), start_date=prod.today, bom=phantom_bom)

    services.work_order_release(work_order=order, actor=prod.planner)

    assert sorted((c.component.code, c.quantity_required) for c in order.components.all()) == [
        ("RIM", D("6")), ("SPOKE", D("33"))]


def test_an_explicit_issue_is_at_the_moving_average_cost(prod):
    prod.receive(prod.rim, "10", unit_cost="200")
    prod.receive(prod.rim, "10", unit_cost="230")  # average 215
    prod.receive(prod.spoke, "360", unit_cost="2")
    order = wheel_order(prod)
    services.work_order_release(work_order=order, actor=prod.planner)
    rim = component(order, prod.rim)

    services.work_order_issue(work_order=order, actor=prod.planner,
                              lines=[services.IssueLine(component=rim, quantity=D("4"))])

    move = StockMove.objects.get(item=prod.rim, move_type=inventory_status.MoveType.PRODUCTION_CONSUMPTION)
    assert (move.quantity, move.unit_cost, move.value, move.document_id) == (D("-4"), D("215"), D("-860"), order.pk)
    rim.refresh_from_db()
    order.refresh_from_db()
    assert (rim.issued_quantity, rim.issued_value, rim.unit_cost_issued) == (D("4"), D("860"), D("215"))
    assert (order.status, order.actual_material) == (st.WorkOrderStatus.IN_PROGRESS, D("860"))
    assert held(order)["RIM"] == D("6")


def test_issuing_quarantined_stock_is_refused_and_nothing_is_written(prod):
    prod.rim.inspection_required = True
    prod.rim.save()
    prod.receive(prod.rim, "5", unit_cost="200")  # waits in quarantine for its inspection
    quarantine = masterdata.quarantine_location(prod.wh)
    prod.rim.inspection_required = False
    prod.rim.save()
    prod.receive(prod.rim, "10", unit_cost="200")
    order = wheel_order(prod, "1")
    services.work_order_release(work_order=order, actor=prod.planner)

    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.work_order_issue(work_order=order, actor=prod.planner, lines=[
            services.IssueLine(component=component(order, prod.rim), quantity=D("1"), location=quarantine)])

    assert refused.value.field == "location"
    assert "on hold in quarantine" in str(refused.value.message)
    assert not StockMove.objects.filter(move_type=inventory_status.MoveType.PRODUCTION_CONSUMPTION).exists()
    assert WorkOrder.objects.get(pk=order.pk).status == st.WorkOrderStatus.RELEASED


def test_completion_backflushes_and_values_the_finished_goods_at_actual_cost(prod):
    prod.receive(prod.tube, "100", unit_cost="80")
    order = frame_order(prod, "2", backflush=True, overhead_percent=D("10"))
    services.work_order_release(work_order=order, actor=prod.planner)

    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("2"))

    order.refresh_from_db()
    # material: 2 x 2.5 kg x 1.05 = 5.25 kg at 80 = 420; labour: (60 + 90 x 2) min = 4 h / 80 % = 5 h x 600
    # = 3000; overhead 10 % = 300; 3720 for 2 frames = 1860 each
    assert (order.status, order.completed_quantity) == (st.WorkOrderStatus.COMPLETED, D("2"))
    assert (order.actual_material, order.actual_labour, order.actual_overhead) == (D("420"), D("3000"), D("300"))
    consumed = StockMove.objects.get(item=prod.tube, move_type=inventory_status.MoveType.PRODUCTION_CONSUMPTION)
    assert (consumed.quantity, consumed.value) == (D("-5.25"), D("-420"))
    output = StockMove.objects.get(item=prod.frame, move_type=inventory_status.MoveType.PRODUCTION_OUTPUT)
    assert (output.quantity, output.unit_cost, output.value, output.location) == (D("2"), D("1860"), D("3720"), prod.a1)
    assert ItemValuation.objects.get(item=prod.frame).value == D("3720")
    assert order.received_value == D("3720")
    assert held(order) == {}


def test_partial_completions_take_their_share_of_the_material(prod):
    prod.receive(prod.tube, "100", unit_cost="80")
    order = frame_order(prod, "2")
    services.work_order_release(work_order=order, actor=prod.planner)
    services.work_order_issue(work_order=order, actor=prod.planner,
                              lines=[services.IssueLine(component=component(order, prod.tube), quantity="5.25")])

    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("1"))
    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("1"))

    values = list(StockMove.objects.filter(item=prod.frame).order_by("pk").values_list("value", flat=True))
    # first: 210 material + (60 + 90) min / 80 % = 3.125 h x 600 = 1875; second: 210 + 1.875 h x 600 = 1125
    assert values == [D("2085"), D("1335")]
    assert WorkOrder.objects.get(pk=order.pk).status == st.WorkOrderStatus.COMPLETED


def test_completing_more_than_released_is_refused_and_nothing_is_written(prod):
    prod.receive(prod.tube, "100", unit_cost="80")
    order = frame_order(prod, "2", backflush=True)
    services.work_order_release(work_order=order, actor=prod.planner)
    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("1"))
    moves = StockMove.objects.count()

    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("1.5"))

    assert (refused.value.field, str(refused.value.message)) == (
        "quantity", f"Only 1 PCS are left to complete on {order.number}; 1.5 requested.")
    assert StockMove.objects.count() == moves
    order.refresh_from_db()
    assert (order.completed_quantity, order.status) == (D("1"), st.WorkOrderStatus.IN_PROGRESS)


def test_a_backflush_short_of_stock_refuses_the_completion(prod):
    prod.receive(prod.tube, "1", unit_cost="80")
    order = frame_order(prod, "2", backflush=True)
    services.work_order_release(work_order=order, actor=prod.planner)

    with pytest.raises(InsufficientStock):
        services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("2"))

    assert not StockMove.objects.filter(item=prod.frame).exists()
    assert WorkOrder.objects.get(pk=order.pk).completed_quantity == D("0")


def test_close_computes_the_variances_and_records_the_event(prod):
    prod.receive(prod.tube, "100", unit_cost="84")  # standard 80: 5.25 kg x 4 = 21 over
    order = frame_order(prod, "2", backflush=True)
    services.work_order_release(work_order=order, actor=prod.planner)
    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("2"))

    services.work_order_close(work_order=order, actor=prod.planner)

    order.refresh_from_db()
    assert order.status == st.WorkOrderStatus.CLOSED
    assert (order.standard_material, order.standard_labour, order.standard_overhead) == (D("420"), D("2400"), D("0"))
    assert (order.material_variance, order.labour_variance, order.overhead_variance) == (D("21"), D("600"), D("0"))
    event = OutboxEvent.objects.get(name="production.work_order_closed")
    assert event.payload == {
        "work_order_id": order.pk, "number": order.number, "item_id": prod.frame.pk, "item_code": "FRAME",
        "quantity": "2.000000", "completed_quantity": "2.000000",
        "standard": {"material": "420.00", "labour": "2400.00", "overhead": "0.00", "total": "2820.00"},
        "actual": {"material": "441.00", "labour": "3000.00", "overhead": "0.00", "total": "3441.00"},
        "variances": {"material": "21.00", "labour": "600.00", "overhead": "0.00", "total": "621.00"},
        "finished_goods_value": "3441.00", "byproduct_value": "0.00", "closed_on": prod.today.isoformat()}


def test_cancel_releases_the_reservations(prod):
    prod.receive(prod.rim, "10", unit_cost="200")
    order = wheel_order(prod, "2")
    services.work_order_release(work_order=order, actor=prod.planner)
    assert held(order) == {"RIM": D("2")}

    services.work_order_cancel(work_order=order, actor=prod.planner)

    assert held(order) == {}
    assert StockBalance.objects.get(item=prod.rim).reserved == D("0")
    assert WorkOrder.objects.get(pk=order.pk).status == st.WorkOrderStatus.CANCELLED


def test_an_order_with_issues_cannot_be_cancelled(prod):
    prod.receive(prod.rim, "10", unit_cost="200")
    order = wheel_order(prod, "2")
    services.work_order_release(work_order=order, actor=prod.planner)
    services.work_order_issue(work_order=order, actor=prod.planner,
                              lines=[services.IssueLine(component=component(order, prod.rim), quantity="1")])

    with pytest.raises(IllegalTransition):
        services.work_order_cancel(work_order=order, actor=prod.planner)

    assert WorkOrder.objects.get(pk=order.pk).status == st.WorkOrderStatus.IN_PROGRESS


def test_reserve_again_takes_stock_that_arrived(prod):
    order = wheel_order(prod, "2")
    result = services.work_order_release(work_order=order, actor=prod.planner)
    assert [s.short for s in result.shortages] == [D("2"), D("72")]
    prod.receive(prod.rim, "5", unit_cost="200")

    again = services.work_order_reserve(work_order=order, actor=prod.planner)

    assert held(order) == {"RIM": D("2")}
    assert [s.component.code for s in again.shortages] == ["SPOKE"]


def test_the_finished_goods_go_to_a_storage_location_not_quarantine(prod):
    Location.objects.filter(warehouse=prod.wh).exclude(pk=prod.a1.pk).delete()
    masterdata.quarantine_location(prod.wh)
    prod.receive(prod.tube, "10", unit_cost="80")
    order = frame_order(prod, "1", backflush=True)
    services.work_order_release(work_order=order, actor=prod.planner)

    services.work_order_complete(work_order=order, actor=prod.planner, quantity="1")

    assert StockMove.objects.get(item=prod.frame).location == prod.a1


# By-products ---------------------------------------------------------------------------------------


def with_offcut(prod, per="0.3", **fields):
    """FRAME's BOM yields a tube offcut (kg, standard cost 20) beside each frame."""
    from production.models import BomLine

    offcut = masterdata.item_create(company=prod.company, code="OFFCUT", name="鋼管餘料", base_unit=prod.kg,
                                    item_type=inventory_status.ItemType.RAW_MATERIAL, standard_cost=D("20"), **fields)
    BomLine.objects.create(bom=prod.frame_bom, sequence=90, component=offcut, quantity=D(per), unit=prod.kg,
                           quantity_base=D(per), kind=st.BomLineKind.BY_PRODUCT)
    return offcut


def test_completion_receives_the_by_products_at_standard_cost_and_takes_them_off_the_finished_goods(prod):
    offcut = with_offcut(prod)
    prod.receive(prod.tube, "100", unit_cost="80")
    order = frame_order(prod, "2", backflush=True, overhead_percent=D("10"))
    services.work_order_release(work_order=order, actor=prod.planner)

    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("2"))

    order.refresh_from_db()
    # as above 3720 in all; 2 x 0.3 kg of offcut at 20 = 12 comes out as offcut, 3708 as 2 frames
    assert not order.components.filter(component=offcut).exists()  # a by-product is not issued
    by = StockMove.objects.get(item=offcut)
    assert (by.move_type, by.quantity, by.unit_cost, by.value, by.location) == (
        inventory_status.MoveType.PRODUCTION_OUTPUT, D("0.6"), D("20"), D("12"), prod.a1)
    frames = StockMove.objects.get(item=prod.frame)
    assert (frames.unit_cost, frames.value) == (D("1854"), D("3708"))
    assert (order.received_value, order.byproduct_value) == (D("3708"), D("12"))
    assert StockBalance.objects.get(item=offcut).on_hand == D("0.6")

    services.work_order_close(work_order=order, actor=prod.planner)
    payload = OutboxEvent.objects.get(name="production.work_order_closed").payload
    assert (payload["finished_goods_value"], payload["byproduct_value"]) == ("3708.00", "12.00")
    assert payload["actual"]["total"] == "3720.00"  # the actual cost is the whole; finance splits it by value


def test_partial_completions_receive_the_by_products_rounded_on_the_total(prod):
    offcut = with_offcut(prod, per="1")
    Bom.objects.filter(pk=prod.frame_bom.pk).update(quantity=D("3"))  # an offcut per three frames
    prod.receive(prod.tube, "100", unit_cost="80")
    order = frame_order(prod, "3", backflush=True)
    services.work_order_release(work_order=order, actor=prod.planner)

    for _n in range(3):
        services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("1"))

    quantities = list(StockMove.objects.filter(item=offcut).order_by("pk").values_list("quantity", flat=True))
    order.refresh_from_db()
    assert quantities == [D("0.333333"), D("0.333334"), D("0.333333")]  # a third each, rounded on the total
    total = order.received_value + order.byproduct_value
    assert total == order.actual_material + order.actual_labour + order.actual_overhead  # nothing lost


def test_a_lot_tracked_by_product_takes_the_work_orders_number_as_its_lot(prod):
    offcut = with_offcut(prod, lot_tracked=True)
    prod.receive(prod.tube, "100", unit_cost="80")
    order = frame_order(prod, "1", backflush=True)
    services.work_order_release(work_order=order, actor=prod.planner)

    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("1"))

    order.refresh_from_db()
    assert StockMove.objects.get(item=offcut).lot.number == order.number
