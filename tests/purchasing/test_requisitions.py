"""Purchase requisitions by hand (draft, submit, cancel, a line cancelled) and the lines the system
asks for: a sales order's buy shortage, the reorder scan; each idempotent per source."""


import pytest
from django.utils import translation

from erp.errors import DomainError
from erp.models import OutboxEvent
from inventory.signals import reorder_needed
from office.models import Task
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseRequisition, PurchaseRequisitionLine
from purchasing.receivers import buy_shortage, reorder
from purchasing.services.requisitions import (
    ShortageLine,
    requisition_cancel,
    requisition_for_shortage,
    requisition_line_cancel,
    requisition_save,
    requisition_submit,
)
from sales import signals as sales_signals
from sales.models import SalesOrderLine
from tests.purchasing.conftest import D, deliver_events

pytestmark = pytest.mark.django_db


def test_a_requisition_by_hand_converts_units_and_takes_its_number_when_submitted(pur):
    requisition = pur.requisition([
        {"item": pur.screw, "quantity": D("3"), "unit": pur.box, "required_date": pur.in_a_week},
        {"item": pur.motor, "quantity": D("2"), "supplier": pur.acme_parts, "notes": "spare"}], submit=False)
    assert (requisition.status, requisition.number) == ("draft", "")

    requisition_submit(requisition=requisition, actor=pur.buyer)

    requisition.refresh_from_db()
    assert requisition.status == "open" and requisition.number.startswith("PR-")
    assert [(r.line_no, r.item_id, r.quantity, r.unit_id, r.quantity_base, r.source, r.status, r.supplier_id)
            for r in requisition.lines.all()] == [
        (1, pur.screw.pk, D("3"), pur.box.pk, D("300"), "manual", "open", None),
        (2, pur.motor.pk, D("2"), pur.pcs.pk, D("2"), "manual", "open", pur.acme_parts.pk)]
    assert requisition.requested_by == pur.buyer


def test_a_line_in_a_unit_the_item_lacks_is_refused_and_nothing_is_written(pur):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        requisition_save(company=pur.company, actor=pur.buyer, warehouse=pur.wh,
                         lines=[{"item": pur.motor, "quantity": D("1"), "unit": pur.box}])
    assert (str(refused.value.message), refused.value.field) == (
        "Line 1: MOT-1 has no unit BOX: choose one of its units.", "lines")
    assert not PurchaseRequisition.objects.exists()


def test_a_submitted_requisition_cannot_be_edited(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("2")}])
    with translation.override("en"), pytest.raises(DomainError) as refused:
        requisition_save(company=pur.company, actor=pur.buyer, warehouse=pur.wh, requisition=requisition,
                         lines=[{"item": pur.motor, "quantity": D("9")}])
    assert str(refused.value.message) == "Only a draft requisition can be changed."
    assert list(requisition.lines.values_list("quantity", flat=True)) == [D("2")]


def test_cancelling_needs_a_reason_and_cancels_the_open_lines(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("2")}, {"item": pur.resin, "quantity": D("5")}])
    with pytest.raises(DomainError):
        requisition_cancel(requisition=requisition, actor=pur.buyer, reason=" ")
    assert PurchaseRequisition.objects.get().status == "open"

    requisition_cancel(requisition=requisition, actor=pur.buyer, reason="project stopped")

    requisition.refresh_from_db()
    assert (requisition.status, requisition.void_reason) == ("cancelled", "project stopped")
    assert set(requisition.lines.values_list("status", flat=True)) == {"cancelled"}


def test_the_requisition_closes_itself_when_its_last_open_line_is_cancelled(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("2")}, {"item": pur.resin, "quantity": D("5")}])
    first, second = requisition.lines.all()

    requisition_line_cancel(line=first, actor=pur.buyer)
    assert PurchaseRequisition.objects.get().status == "open"
    requisition_line_cancel(line=second, actor=pur.buyer)

    assert PurchaseRequisition.objects.get().status == "closed"
    with pytest.raises(DomainError):
        requisition_line_cancel(line=second, actor=pur.buyer)


# From a sales order's shortage -----------------------------------------------------------------


def test_a_confirmed_order_short_of_buy_items_makes_one_open_requisition_pegged_to_its_lines(pur):
    order = pur.sales_order([{"item": pur.motor, "quantity": D("4")}, {"item": pur.resin, "quantity": D("2.5")}])
    deliver_events()

    requisition = PurchaseRequisition.objects.get()
    assert (requisition.status, requisition.source, requisition.warehouse_id) == ("open", "sales", pur.wh.pk)
    so_lines = list(SalesOrderLine.objects.filter(order=order).order_by("line_no"))
    assert [(r.item_id, r.quantity_base, r.source, r.source_key, r.sales_order_line_id, r.status)
            for r in requisition.lines.order_by("line_no")] == [
        (pur.motor.pk, D("4"), "sales", f"sales:{so_lines[0].pk}", so_lines[0].pk, "open"),
        (pur.resin.pk, D("2.5"), "sales", f"sales:{so_lines[1].pk}", so_lines[1].pk, "open")]
    assert Task.objects.get(kind="purchasing.buy_shortage").document_id == order.pk


def test_the_same_shortage_delivered_twice_makes_one_line(pur):
    pur.sales_order([{"item": pur.motor, "quantity": D("4")}])
    deliver_events()
    event = OutboxEvent.objects.get(name=sales_signals.purchase_requested.name)

    buy_shortage(event)  # redelivered
    buy_shortage(event)

    assert PurchaseRequisition.objects.count() == 1
    assert PurchaseRequisitionLine.objects.count() == 1


def test_a_second_event_for_a_line_asked_for_before_adds_only_the_new_line(pur):
    pur.sales_order([{"item": pur.motor, "quantity": D("4")}])
    deliver_events()
    event = OutboxEvent.objects.get(name=sales_signals.purchase_requested.name)
    line = event.payload["lines"][0]
    existing = SalesOrderLine.objects.get()

    made = requisition_for_shortage(company=pur.company, warehouse=pur.wh, source="sales", lines=[
        ShortageLine(item_id=pur.motor.pk, quantity_base=D(line["quantity"]), source_key=f"sales:{existing.pk}"),
        ShortageLine(item_id=pur.resin.pk, quantity_base=D("1"), source_key="sales:999999999")])

    assert [r.source_key for r in made.lines.all()] == ["sales:999999999"]
    assert PurchaseRequisitionLine.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_handling_the_same_shortage_at_once_make_one_line(pur):
    from tests.parallel import run_parallel

    pur.sales_order([{"item": pur.motor, "quantity": D("4")}])
    event = OutboxEvent.objects.get(name=sales_signals.purchase_requested.name)

    outcomes, errors = run_parallel(2, lambda i: buy_shortage(event))

    assert errors == []
    assert PurchaseRequisitionLine.objects.count() == 1
    assert PurchaseRequisition.objects.count() == 1  # the slower worker's empty header is gone


def test_stock_arriving_lowers_the_open_line_then_cancels_it_and_closes_the_requisition(pur):
    order = pur.sales_order([{"item": pur.motor, "quantity": D("10")}])
    deliver_events()

    pur.receive(pur.motor, 4)
    deliver_events()
    line = PurchaseRequisitionLine.objects.get()
    assert (line.quantity, line.quantity_base, line.status) == (D("6"), D("6"), "open")

    pur.receive(pur.motor, 6)
    deliver_events()
    line.refresh_from_db()
    assert line.status == "cancelled"
    assert line.requisition.status == "closed"
    assert Task.objects.get(kind="purchasing.buy_shortage", document_id=order.pk).status == "done"


# From the reorder scan ---------------------------------------------------------------------------


def reorder_event(pur, item, available, point):
    from erp.events import publish

    return publish(reorder_needed, company=pur.company, source=item, item_id=item.pk, item_code=item.code,
                   available=available, reorder_point=point, lead_time_days=item.lead_time_days)


def test_the_reorder_line_fills_up_to_reorder_point_plus_safety_stock_less_what_is_on_order(pur):
    pur.requisition([{"item": pur.motor, "quantity": D("3")}])  # 3 asked for already
    order = PurchaseOrder.objects.create(company=pur.company, supplier=pur.acme_parts, warehouse=pur.wh,
                                         status="approved")
    PurchaseOrderLine.objects.create(order=order, item=pur.motor, unit=pur.pcs, quantity=D("4"),
                                     quantity_base=D("4"), unit_price=D("1"), received_quantity=D("1"))
    event = reorder_event(pur, pur.motor, D("2"), D("10"))  # safety stock 5

    reorder(OutboxEvent.objects.get(pk=event.pk))

    line = PurchaseRequisitionLine.objects.get(source="reorder")
    # 10 + 5 - 2 available - 3 requisitioned - (4 - 1) on order = 7
    assert (line.quantity_base, line.source_key, line.requisition.warehouse_id, line.requisition.status) == (
        D("7"), f"reorder:{event.pk}", pur.wh.pk, "open")
    reorder(OutboxEvent.objects.get(pk=event.pk))
    assert PurchaseRequisitionLine.objects.filter(source="reorder").count() == 1


def test_nothing_is_asked_when_enough_is_on_order(pur):
    pur.requisition([{"item": pur.motor, "quantity": D("13")}])
    event = reorder_event(pur, pur.motor, D("2"), D("10"))

    reorder(OutboxEvent.objects.get(pk=event.pk))

    assert not PurchaseRequisitionLine.objects.filter(source="reorder").exists()
    assert PurchaseRequisition.objects.count() == 1


def test_the_reorder_line_goes_to_the_items_default_warehouse(pur):
    from inventory.services import masterdata

    other = masterdata.warehouse_create(company=pur.company, code="FG", name="成品倉")
    pur.motor.default_warehouse = other
    pur.motor.save()
    event = reorder_event(pur, pur.motor, D("0"), D("10"))

    reorder(OutboxEvent.objects.get(pk=event.pk))

    line = PurchaseRequisitionLine.objects.get()
    assert (line.requisition.warehouse_id, line.quantity_base, line.required_date) == (other.pk, D("15"), None)


def test_reorder_needed_is_delivered_to_purchasing(pur):
    reorder_event(pur, pur.motor, D("1"), D("10"))
    deliver_events()
    assert PurchaseRequisitionLine.objects.get().quantity_base == D("14")
