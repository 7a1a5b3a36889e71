"""The loop that closes a shortage: stock that arrives (a receipt, a transfer, a return, a count, a
released reservation) is reserved for the order lines waiting for it, fairly; their delivery-note
draft grows and the warehouse gets a pick task; production and purchasing hear that the shortage
shrank. On demand from the order page, and nightly. Never more reserved than available, under
parallel receipts and confirmations on real PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from erp import events
from erp.models import EventDelivery, OutboxEvent
from inventory.models import AdjustmentReason, DeliveryNote, ItemValuation, Reservation, StockBalance
from inventory.services import masterdata
from inventory.services.deliveries import PICK_TASK, create_backorder, delivery_post
from inventory.services.documents import (
    adjustment_post,
    adjustment_save,
    transfer_receive,
    transfer_save,
    transfer_ship,
)
from office.models import Task
from sales import signals
from sales.models import SalesOrderLine
from sales.services.orders import order_cancel, order_confirm
from sales.services.returns import return_post, return_save
from sales.services.waiting import order_reserve_available, reserve_waiting, reserve_waiting_everywhere
from tests.parallel import run_parallel
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def confirm(sal, lines, **header):
    order = sal.order(lines, **header)
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    return order


def line_of(order, n=1):
    return SalesOrderLine.objects.get(order=order, line_no=n)


def held(order, line=None):
    rows = Reservation.objects.filter(document_id=order.pk, status="active", document_type__model="salesorder")
    if line is not None:
        rows = rows.filter(line_id=line.pk)
    return rows.aggregate(total=Sum("quantity"))["total"] or D("0")


def open_pick_tasks(note):
    return Task.objects.filter(kind=PICK_TASK, document_id=note.pk, status="open")


def test_a_receipt_reserves_the_waiting_line_and_the_warehouse_gets_a_note_to_pick(sal):
    order = confirm(sal, [{"item": sal.widget, "quantity": D("10")}])
    assert line_of(order).shortage_quantity == D("10")
    assert not DeliveryNote.objects.filter(source_id=order.pk).exists()  # nothing to pick yet

    sal.receive(sal.widget, 10)
    deliver_events()

    line = line_of(order)
    assert (held(order), line.shortage_quantity) == (D("10"), D("0"))
    note = DeliveryNote.objects.get(source_id=order.pk, status="draft")
    assert [(row.location_id, row.quantity, row.picked) for row in note.lines.all()] == [
        (sal.a1.pk, D("10"), D("10"))]
    assert open_pick_tasks(note).count() == 1
    assert StockBalance.objects.get(item=sal.widget).reserved == D("10")


def test_stock_goes_first_to_the_earliest_promise_then_to_the_order_confirmed_first(sal):
    later = confirm(sal, [{"item": sal.widget, "quantity": D("4")}], requested_date=sal.today + datetime.timedelta(9))
    first_same_day = confirm(sal, [{"item": sal.widget, "quantity": D("4")}],
                             requested_date=sal.today + datetime.timedelta(2))
    second_same_day = confirm(sal, [{"item": sal.widget, "quantity": D("4")}],
                              requested_date=sal.today + datetime.timedelta(2))
    assert line_of(later).promised_date > line_of(first_same_day).promised_date

    sal.receive(sal.widget, 6)
    deliver_events()

    assert [held(o) for o in (first_same_day, second_same_day, later)] == [D("4"), D("2"), D("0")]
    assert [line_of(o).shortage_quantity for o in (first_same_day, second_same_day, later)] == [
        D("0"), D("2"), D("4")]


def test_stock_arriving_in_parts_grows_the_same_draft_under_one_pick_task(sal):
    order = confirm(sal, [{"item": sal.widget, "quantity": D("10")}, {"item": sal.pump, "quantity": D("2")}])

    sal.receive(sal.widget, 4, location=sal.a1)
    deliver_events()
    sal.receive(sal.widget, 6, location=sal.a2)
    sal.receive(sal.pump, 2, location=sal.a2)
    deliver_events()

    note = DeliveryNote.objects.get(source_id=order.pk, status="draft")
    assert sorted((row.item_id, row.location_id, row.quantity) for row in note.lines.all()) == sorted([
        (sal.widget.pk, sal.a1.pk, D("4")), (sal.widget.pk, sal.a2.pk, D("6")), (sal.pump.pk, sal.a2.pk, D("2"))])
    assert open_pick_tasks(note).count() == 1
    assert [line_of(order, n).shortage_quantity for n in (1, 2)] == [D("0"), D("0")]


def test_after_a_partial_shipment_arriving_stock_makes_a_new_draft_and_then_grows_it(sal):
    sal.receive(sal.widget, 4)
    order = confirm(sal, [{"item": sal.widget, "quantity": D("10")}])
    first = DeliveryNote.objects.get(source_id=order.pk)
    delivery_post(delivery=first, actor=sal.keeper)
    assert (line_of(order).delivered_quantity, line_of(order).shortage_quantity) == (D("4"), D("6"))

    sal.receive(sal.widget, 5, location=sal.a2)
    deliver_events()
    sal.receive(sal.widget, 3, location=sal.a1)
    deliver_events()

    draft = DeliveryNote.objects.get(source_id=order.pk, status="draft")
    assert sorted((row.location_id, row.quantity) for row in draft.lines.all()) == sorted([
        (sal.a2.pk, D("5")), (sal.a1.pk, D("1"))])  # 6 still to deliver: 2 of the 3 stay free
    assert open_pick_tasks(draft).count() == 1
    assert StockBalance.objects.get(item=sal.widget, location=sal.a1).reserved == D("1")
    delivery_post(delivery=draft, actor=sal.keeper)
    order.refresh_from_db()
    assert order.status == "delivered"


def test_a_backorders_waiting_rest_is_replaced_by_what_arrived(sal):
    sal.receive(sal.widget, 4)
    order = confirm(sal, [{"item": sal.widget, "quantity": D("10")}])
    note = DeliveryNote.objects.get(source_id=order.pk)
    delivery_post(delivery=note, actor=sal.keeper)
    line = line_of(order)
    # a backorder that still waits for 6 with no stock to take them from (its rest has no location)
    backorder = create_backorder(note, order, list(note.lines.all()), {line.pk: D("10")}, {line.pk: D("4")},
                                 sal.keeper)
    assert [(row.location_id, row.quantity, row.picked) for row in backorder.lines.all()] == [(None, D("6"), D("0"))]

    sal.receive(sal.widget, 5, location=sal.a2)
    deliver_events()

    assert sorted((row.location_id or 0, row.quantity, row.picked) for row in backorder.lines.all()) == [
        (0, D("1"), D("0")), (sal.a2.pk, D("5"), D("5"))]
    assert open_pick_tasks(backorder).count() == 1
    assert DeliveryNote.objects.filter(source_id=order.pk, status="draft").count() == 1

    sal.receive(sal.widget, 1, location=sal.a1)
    deliver_events()
    assert sorted((row.location_id, row.quantity) for row in backorder.lines.all()) == sorted([
        (sal.a2.pk, D("5")), (sal.a1.pk, D("1"))])


def test_a_cancelled_order_releases_its_stock_to_the_order_waiting_for_it(sal):
    sal.receive(sal.widget, 5)
    first = confirm(sal, [{"item": sal.widget, "quantity": D("5")}])
    waiting = confirm(sal, [{"item": sal.widget, "quantity": D("3")}])
    assert held(waiting) == 0

    order_cancel(order=first, actor=sal.rep, reason="客戶取消")
    deliver_events()

    assert (held(waiting), line_of(waiting).shortage_quantity) == (D("3"), D("0"))
    assert DeliveryNote.objects.filter(source_id=waiting.pk, status="draft").exists()


def test_a_transfer_arriving_and_a_count_adjustment_reserve_too(sal):
    order = confirm(sal, [{"item": sal.widget, "quantity": D("5")}])
    raw = masterdata.warehouse_create(company=sal.company, code="RM", name="原料倉")
    r1 = masterdata.location_create(warehouse=raw, code="R-01", name="R 01")
    sal.receive(sal.widget, 3, location=r1)
    deliver_events()
    assert held(order) == 0  # stock in another warehouse is not the order's

    transfer = transfer_save(company=sal.company, actor=sal.admin, warehouse=raw, to_warehouse=sal.wh, lines=[
        {"item": sal.widget, "quantity": D("3"), "unit": sal.pcs, "from_location": r1, "to_location": sal.a1}])
    transfer_ship(transfer=transfer, actor=sal.admin)
    deliver_events()
    assert held(order) == 0  # in transit: not here yet
    transfer_receive(transfer=transfer, actor=sal.admin)
    deliver_events()
    assert held(order) == D("3")

    reason = AdjustmentReason.objects.filter(company=sal.company).first()
    adjustment = adjustment_save(company=sal.company, actor=sal.admin, warehouse=sal.wh, reason=reason, lines=[
        {"item": sal.widget, "quantity_change": D("2"), "unit": sal.pcs, "location": sal.a2, "unit_cost": D("10")}])
    adjustment_post(adjustment=adjustment, actor=sal.admin)
    deliver_events()
    assert (held(order), line_of(order).shortage_quantity) == (D("5"), D("0"))


def test_goods_a_customer_returns_go_to_the_order_waiting_for_them(sal):
    sal.receive(sal.widget, 5)
    shipped = confirm(sal, [{"item": sal.widget, "quantity": D("5")}])
    note = delivery_post(delivery=DeliveryNote.objects.get(source_id=shipped.pk), actor=sal.keeper)
    waiting = confirm(sal, [{"item": sal.widget, "quantity": D("3")}])
    assert held(waiting) == 0

    back = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                       lines=[{"delivery_line": note.lines.get(), "quantity": D("2"), "location": sal.a2}])
    return_post(customer_return=back, actor=sal.keeper)
    deliver_events()

    assert (held(waiting), line_of(waiting).shortage_quantity) == (D("2"), D("1"))


def test_reserve_available_stock_from_the_order_page(sal, client):
    order = confirm(sal, [{"item": sal.widget, "quantity": D("5")}])
    sal.receive(sal.widget, 5)  # its event not handled yet: the worker is down
    client.force_login(sal.rep)

    response = client.post(f"/sales/orders/{order.pk}/reserve/")

    assert response.status_code == 302
    assert held(order) == D("5")
    assert any(order.number in str(m) for m in get_messages(response.wsgi_request))
    page = client.get(f"/sales/orders/{order.pk}/")
    assert f'/sales/orders/{order.pk}/reserve/' not in page.content.decode()  # nothing waits any more
    deliver_events()  # the late event finds nothing left to do
    assert held(order) == D("5")
    assert DeliveryNote.objects.filter(source_id=order.pk, status="draft").count() == 1


def test_the_button_shows_only_while_a_line_waits_and_is_refused_out_of_scope(sal, client):
    order = confirm(sal, [{"item": sal.widget, "quantity": D("5")}])
    client.force_login(sal.rep)
    assert f'/sales/orders/{order.pk}/reserve/' in client.get(f"/sales/orders/{order.pk}/").content.decode()
    client.force_login(sal.rep2)  # another rep's customer
    sal.receive(sal.widget, 5)
    response = client.post(f"/sales/orders/{order.pk}/reserve/")
    assert response.status_code == 404
    assert held(order) == 0


def test_asking_for_one_order_does_not_jump_an_earlier_promise(sal):
    early = confirm(sal, [{"item": sal.widget, "quantity": D("5")}], requested_date=sal.today)
    late = confirm(sal, [{"item": sal.widget, "quantity": D("5")}], requested_date=sal.today + datetime.timedelta(5))
    sal.receive(sal.widget, 5)

    order_reserve_available(order=late, actor=sal.rep)

    assert (held(early), held(late)) == (D("5"), D("0"))


def test_the_nightly_sweep_reserves_what_a_lost_event_missed(sal):
    order = confirm(sal, [{"item": sal.widget, "quantity": D("5")}])
    sal.receive(sal.widget, 5)
    EventDelivery.objects.filter(subscriber="sales.reserve_waiting").delete()  # lost

    done = reserve_waiting_everywhere()

    assert done[sal.company.pk] == 1
    assert held(order) == D("5")
    assert reserve_waiting(company=sal.company).lines == 0  # idempotent: nothing more to take


def test_purchasing_hears_of_the_reduced_shortage_and_closes_its_request_when_covered(sal):
    order = confirm(sal, [{"item": sal.widget, "quantity": D("5")}, {"item": sal.motor, "quantity": D("4")}])
    buy = Task.objects.get(kind="purchasing.buy_shortage", document_id=order.pk)
    assert not Task.objects.filter(kind="production.plan_shortage").exists()  # the make line is MRP demand

    sal.receive(sal.motor, 1)
    deliver_events()
    event = OutboxEvent.objects.filter(name=signals.shortage_reduced.name).latest("pk")
    assert [(line["item_code"], line["reserved"], line["short"]) for line in event.payload["lines"]] == [
        ("WID-1", "0", "5"), ("MOT-1", "1", "3")]
    buy.refresh_from_db()
    assert buy.status == "open"  # still 3 to buy, and the request says so in every language
    assert [row["params"]["quantity"]["number"] for row in buy.description_message] == ["3"]
    with translation.override("en"):
        assert "MOT-1 馬達 — 3 PCS by" in buy.display_description

    sal.receive(sal.motor, 3)
    deliver_events()
    buy.refresh_from_db()
    assert buy.status == "done"


def test_requests_are_due_the_promised_date_less_the_shipping_preparation_days(sal):
    sal.company.shipping_prep_days = 3
    sal.company.save()
    order = confirm(sal, [{"item": sal.motor, "quantity": D("4")}], requested_date=sal.today + datetime.timedelta(5))
    promised = line_of(order).promised_date
    assert promised == sal.today + datetime.timedelta(5 + sal.motor.lead_time_days)

    request = OutboxEvent.objects.get(name=signals.purchase_requested.name, source_id=order.pk)
    assert request.payload["lines"][0]["required_date"] == (promised - datetime.timedelta(3)).isoformat()
    assert Task.objects.get(kind="purchasing.buy_shortage").due_date == promised - datetime.timedelta(3)


def test_the_pick_task_is_due_on_the_earliest_line_that_can_ship(sal):
    sal.receive(sal.widget, 5)
    soon, later = sal.today + datetime.timedelta(1), sal.today + datetime.timedelta(20)
    order = confirm(sal, [{"item": sal.widget, "quantity": D("5"), "requested_date": soon},
                          {"item": sal.pump, "quantity": D("1"), "requested_date": later}])
    note = DeliveryNote.objects.get(source_id=order.pk)
    assert order.lines.get(line_no=2).promised_date > soon
    assert note.due_date == soon
    assert open_pick_tasks(note).get().due_date == soon


# Concurrency ------------------------------------------------------------------------------------


def run_together(targets):
    """Run the callables at once on their own threads; the errors they raised."""
    return run_parallel(len(targets), lambda i: targets[i]())[1]


def deliver_in_parallel(workers=3):
    pending = list(EventDelivery.objects.filter(status=EventDelivery.Status.PENDING).order_by("pk")
                   .values_list("pk", flat=True))
    chunks = [pending[i::workers] for i in range(workers)]
    return run_together([lambda chunk=chunk: [events.deliver(pk) for pk in chunk] for chunk in chunks])


@pytest.mark.django_db(transaction=True)
def test_parallel_receipts_confirmations_and_handlers_never_reserve_more_than_arrived(sal):
    waiting = [confirm(sal, [{"item": sal.widget, "quantity": D("5")}]) for _ in range(3)]
    late = sal.order([{"item": sal.widget, "quantity": D("5")}])

    errors = run_together([
        lambda: sal.receive(sal.widget, 4, location=sal.a1),
        lambda: sal.receive(sal.widget, 4, location=sal.a2),
        lambda: order_confirm(order=late, actor=sal.rep),
        lambda: reserve_waiting(company=sal.company),
    ])
    assert errors == []
    for _round in range(3):
        assert deliver_in_parallel() == []

    active = Reservation.objects.filter(status="active", item=sal.widget)
    total = active.aggregate(total=Sum("quantity"))["total"]
    assert total == D("8")  # everything that arrived, and not a unit more
    assert StockBalance.objects.filter(item=sal.widget).aggregate(r=Sum("reserved"))["r"] == D("8")
    assert ItemValuation.objects.get(item=sal.widget).reserved == D("8")
    for order in [*waiting, late]:
        line = line_of(order)
        assert held(order) + line.shortage_quantity == D("5"), order.pk
    # the first two waiting orders were confirmed first: they are served first unless the late
    # confirmation took stock before the handlers ran
    assert sorted(held(o) for o in waiting)[-1] == D("5")


# A property: whatever the orders and however the stock arrives, the waiting lines fill in their
# fair order — every line before the first one still short is covered, every line after it waits.

ORDERS = hst.lists(hst.tuples(hst.integers(min_value=1, max_value=9), hst.integers(min_value=0, max_value=6)),
                   min_size=1, max_size=6)  # (quantity, requested in n days)
ARRIVALS = hst.lists(hst.integers(min_value=1, max_value=15), min_size=1, max_size=4)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=ORDERS, arrivals=ARRIVALS)
def test_arriving_stock_fills_the_waiting_lines_in_their_fair_order_and_never_beyond_what_arrived(
        sal, orders, arrivals):
    with transaction.atomic():
        placed = [confirm(sal, [{"item": sal.widget, "quantity": D(quantity)}],
                          requested_date=sal.today + datetime.timedelta(days))
                  for quantity, days in orders]
        for quantity in arrivals:
            sal.receive(sal.widget, quantity)
            deliver_events()

            lines = sorted((line_of(o) for o in placed),
                           key=lambda line: (line.promised_date, line.order.confirmed_at, line.order_id))
            reserved = [held(line.order) for line in lines]
            assert all(held(line.order) + line.shortage_quantity == line.quantity_base for line in lines)
            first_short = next((n for n, line in enumerate(lines) if line.shortage_quantity > 0), len(lines))
            covered = zip(reserved[:first_short], lines[:first_short], strict=True)
            assert all(r == line.quantity_base for r, line in covered)
            assert all(r == 0 for r in reserved[first_short + 1:])
        total_in = sum(arrivals)
        assert sum(held(o) for o in placed) == min(total_in, sum(q for q, _d in orders))
        assert StockBalance.objects.get(item=sal.widget).reserved == min(total_in, sum(q for q, _d in orders))
        transaction.set_rollback(True)
