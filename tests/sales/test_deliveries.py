"""Delivery notes: generated from reservations (FEFO), picked anywhere, posted partially with a
backorder; returns are bounded by what was delivered; event handlers are idempotent."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from erp import events
from erp.errors import DomainError
from erp.models import EventDelivery
from inventory.errors import InsufficientStock, InvalidStockLine
from inventory.models import DeliveryNote, ItemValuation, Reservation, StockBalance, StockMove
from inventory.services import masterdata
from inventory.services.deliveries import delivery_cancel, delivery_post, delivery_save_picks
from office.models import Task
from sales import status as st
from sales.services.orders import order_cancel, order_confirm
from sales.services.returns import return_post, return_save
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def confirmed(sal, lines):
    order = sal.order(lines)
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    return order, DeliveryNote.objects.get(source_id=order.pk, status="draft")


def test_the_draft_suggests_the_lots_that_expire_first(sal):
    glue = masterdata.item_create(company=sal.company, code="GLUE", name="膠水", base_unit=sal.pcs, lot_tracked=True)
    from inventory.services.documents import receipt_post, receipt_save

    soon, later = sal.today + datetime.timedelta(days=30), sal.today + datetime.timedelta(days=300)
    receipt = receipt_save(company=sal.company, actor=sal.admin, warehouse=sal.wh, lines=[
        {"item": glue, "quantity": D("5"), "unit": sal.pcs, "location": sal.a1, "unit_cost": D("3"),
         "lot_number": "L-LATE", "expires_on": later},
        {"item": glue, "quantity": D("4"), "unit": sal.pcs, "location": sal.a2, "unit_cost": D("3"),
         "lot_number": "L-SOON", "expires_on": soon},
    ])
    receipt_post(receipt=receipt, actor=sal.admin)
    order = sal.order([{"item": glue, "quantity": D("6"), "unit_price": D("10")}], actor=sal.manager)
    order_confirm(order=order, actor=sal.manager)
    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    assert [(line.lot.number, line.quantity) for line in note.lines.order_by("pk")] == [
        ("L-SOON", D("4")), ("L-LATE", D("2"))]


def test_picking_from_another_location_takes_free_stock_and_releases_the_reservation(sal):
    sal.receive(sal.widget, 10, location=sal.a1)
    sal.receive(sal.widget, 10, location=sal.a2)
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("6")}])
    line = note.lines.get()
    assert line.location == sal.a1
    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D("6"), "location": sal.a2, "lot": None}])

    delivery_post(delivery=note, actor=sal.keeper)

    assert StockBalance.objects.get(item=sal.widget, location=sal.a1).reserved == 0
    assert StockBalance.objects.get(item=sal.widget, location=sal.a2).on_hand == D("4")
    assert ItemValuation.objects.get(item=sal.widget).reserved == 0
    assert not Reservation.objects.filter(status="active").exists()
    order.refresh_from_db()
    assert order.status == st.OrderStatus.DELIVERED
    assert not DeliveryNote.objects.filter(backorder_of=note).exists()
    assert Task.objects.get(assignee_role__name="Warehouse").status == "done"  # closed when the note was posted


def test_a_split_pick_over_two_locations(sal):
    sal.receive(sal.widget, 3, location=sal.a1)
    sal.receive(sal.widget, 10, location=sal.a2)
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    rows = list(note.lines.order_by("pk"))
    assert [(r.location.code, r.quantity) for r in rows] == [("A-01", D("3")), ("A-02", D("2"))]
    delivery_post(delivery=note, actor=sal.keeper)
    assert StockMove.objects.filter(move_type="delivery").count() == 2
    assert sum(m.quantity for m in StockMove.objects.filter(move_type="delivery")) == D("-5")


def test_picking_more_than_is_open_is_refused_and_nothing_moves(sal):
    sal.receive(sal.widget, 20)
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    line = note.lines.get()
    with translation.override("en"), pytest.raises(InvalidStockLine) as error:
        delivery_save_picks(delivery=note, actor=sal.keeper,
                            lines=[{"id": line.pk, "picked": D("6"), "location": sal.a1, "lot": None}])
    assert str(error.value.message) == "Order line 1: 6 PCS picked but only 5 PCS still to deliver."
    assert note.lines.get().picked == D("5")
    assert not StockMove.objects.filter(move_type="delivery").exists()
    note.refresh_from_db()
    assert note.status == "draft" and note.number == ""


def test_nothing_picked_is_refused(sal):
    sal.receive(sal.widget, 20)
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    line = note.lines.get()
    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D("0"), "location": sal.a1, "lot": None}])
    with pytest.raises(InvalidStockLine):
        delivery_post(delivery=note, actor=sal.keeper)


def test_picking_in_another_warehouse_is_refused(sal):
    sal.receive(sal.widget, 20)
    other = masterdata.warehouse_create(company=sal.company, code="RM", name="原料倉")
    far = masterdata.location_create(warehouse=other, code="R-01", name="R 01")
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    with pytest.raises(InvalidStockLine):
        delivery_save_picks(delivery=note, actor=sal.keeper,
                            lines=[{"id": note.lines.get().pk, "picked": D("5"), "location": far, "lot": None}])


def test_a_cancelled_order_cannot_be_shipped(sal):
    sal.receive(sal.widget, 20)
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    order_cancel(order=order, actor=sal.rep, reason="客戶取消")
    with pytest.raises(DomainError):
        delivery_post(delivery=note, actor=sal.keeper)
    assert StockBalance.objects.get(item=sal.widget).on_hand == D("20")


def test_a_draft_note_can_be_cancelled_but_a_posted_one_only_returned(sal):
    sal.receive(sal.widget, 20)
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    posted = delivery_post(delivery=note, actor=sal.keeper)
    with pytest.raises(DomainError):
        delivery_cancel(delivery=posted, actor=sal.keeper, reason="重複")


def test_returns_are_bounded_by_what_was_delivered(sal):
    sal.receive(sal.widget, 20, cost="40")
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    note = delivery_post(delivery=note, actor=sal.keeper)
    line = note.lines.get()
    first = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                        lines=[{"delivery_line": line, "quantity": D("4"), "location": sal.a2}])
    return_post(customer_return=first, actor=sal.keeper)
    with translation.override("en"), pytest.raises(DomainError) as error:
        return_save(company=sal.company, actor=sal.keeper, delivery=note,
                    lines=[{"delivery_line": line, "quantity": D("2"), "location": sal.a2}])
    assert "only 1 PCS of WID-1 can still be returned" in str(error.value.message)
    back = StockMove.objects.get(move_type="customer_return")
    assert back.unit_cost == D("40") and back.quantity == D("4")
    deliver_events()
    assert Task.objects.filter(assignee_role__name="Finance").count() == 2  # invoice DN, credit note SR


def test_a_shortage_event_handled_twice_makes_one_task(sal):
    order = sal.order([{"item": sal.motor, "quantity": D("2")}])
    order_confirm(order=order, actor=sal.rep)
    delivery = EventDelivery.objects.get(subscriber="purchasing.buy_shortage")
    events.deliver(delivery.pk)
    EventDelivery.objects.filter(pk=delivery.pk).update(status="pending")  # as if the done mark were lost
    events.deliver(delivery.pk)
    task = Task.objects.get(assignee_role__name="Purchasing")
    # needed by the promised date (today + the motor's lead time) less a day to ship
    assert "MOT-1" in task.description
    assert task.due_date == sal.today + datetime.timedelta(days=sal.motor.lead_time_days - 1)


def test_a_delivery_note_handler_run_twice_makes_one_note(sal):
    sal.receive(sal.widget, 20)
    order = sal.order([{"item": sal.widget, "quantity": D("5")}])
    order_confirm(order=order, actor=sal.rep)
    delivery = EventDelivery.objects.get(subscriber="sales.prepare_delivery")
    events.deliver(delivery.pk)
    EventDelivery.objects.filter(pk=delivery.pk).update(status="pending")
    events.deliver(delivery.pk)
    assert DeliveryNote.objects.filter(source_id=order.pk).count() == 1
    assert Task.objects.filter(assignee_role__name="Warehouse").count() == 1


def test_stock_taken_by_someone_else_before_posting_is_refused(sal):
    sal.receive(sal.widget, 5, location=sal.a1)
    order, note = confirmed(sal, [{"item": sal.widget, "quantity": D("5")}])
    line = note.lines.get()
    # The keeper picks at A-02, where there is nothing: refused, the reservation at A-01 stays.
    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D("5"), "location": sal.a2, "lot": None}])
    with pytest.raises(InsufficientStock):
        delivery_post(delivery=note, actor=sal.keeper)
    assert StockBalance.objects.get(item=sal.widget, location=sal.a1).reserved == D("5")
