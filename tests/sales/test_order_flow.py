"""The order-to-delivery flow through the services: confirm, events, pick, ship, backorder, return, cancel."""

from decimal import Decimal

import pytest

from erp.models import EventDelivery
from inventory import status as ist
from inventory.models import DeliveryNote, ItemValuation, Reservation, StockBalance
from inventory.services.deliveries import delivery_post, delivery_save_picks
from office.models import Task
from sales import status as st
from sales.models import SalesOrder
from sales.services.orders import order_cancel, order_confirm
from sales.services.returns import return_post, return_save
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def test_confirm_reserves_announces_and_prepares_the_delivery(sal):
    sal.receive(sal.widget, 30, cost="40")
    order = sal.order([
        {"item": sal.widget, "quantity": D("20")},
        {"item": sal.pump, "quantity": D("2"), "requested_date": sal.in_a_week},
        {"item": sal.motor, "quantity": D("5")},
    ])
    assert order.net_amount == D("2000") + D("5000") + D("4000")
    assert order.tax_amount == D("550.00") and order.total_amount == D("11550.00")

    result = order_confirm(order=order, actor=sal.rep)

    order.refresh_from_db()
    assert order.status == st.OrderStatus.CONFIRMED and order.number.startswith("SO")
    assert [(r.reserved, r.short) for r in result.lines] == [(D("20"), D("0")), (D("0"), D("2")), (D("0"), D("5"))]
    assert result.lines[0].promised_date == sal.today
    assert result.lines[1].promised_date == sal.in_a_week + __import__("datetime").timedelta(days=14)
    assert order.promised_date == sal.today + __import__("datetime").timedelta(days=21)
    assert ItemValuation.objects.get(item=sal.widget).reserved == D("20")

    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    assert note.status == ist.DocStatus.DRAFT
    assert [(line.item_id, line.quantity, line.location_id) for line in note.lines.all()] == [
        (sal.widget.pk, D("20"), sal.a1.pk)]
    titles = set(Task.objects.values_list("assignee_role__name", "status"))
    assert ("Warehouse", "open") in titles and ("Purchasing", "open") in titles
    # the make shortage is MRP demand: production handled the event (it notifies its planners), no task
    assert EventDelivery.objects.get(subscriber="production.plan_shortage").status == "done"


def test_partial_shipment_backorder_return_and_cancel(sal):
    sal.receive(sal.widget, 30, cost="40")
    order = sal.order([{"item": sal.widget, "quantity": D("20")}, {"item": sal.pump, "quantity": D("1")}])
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    line = note.lines.get()
    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D("8"), "location": sal.a1, "lot": None}])
    note = delivery_post(delivery=note, actor=sal.keeper)

    order.refresh_from_db()
    assert order.status == st.OrderStatus.PARTIAL
    assert order.lines.get(item=sal.widget).delivered_quantity == D("8")
    assert StockBalance.objects.get(item=sal.widget, location=sal.a1).on_hand == D("22")
    assert StockBalance.objects.get(item=sal.widget, location=sal.a1).reserved == D("12")
    backorder = DeliveryNote.objects.get(backorder_of=note)
    assert [(b.quantity, b.location_id) for b in backorder.lines.all()] == [(D("12"), sal.a1.pk)]
    deliver_events()
    assert Task.objects.filter(assignee_role__name="Finance", status="open").count() == 1

    customer_return = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                                  lines=[{"delivery_line": line, "quantity": D("3"), "location": sal.a2}])
    return_post(customer_return=customer_return, actor=sal.keeper)
    assert StockBalance.objects.get(item=sal.widget, location=sal.a2).on_hand == D("3")
    assert order.lines.get(item=sal.widget).returned_quantity == D("3")

    order_cancel(order=order, actor=sal.rep, reason="客戶取消")
    order.refresh_from_db()
    assert order.status == st.OrderStatus.CLOSED  # delivered quantities stay delivered
    backorder.refresh_from_db()
    assert backorder.status == ist.DocStatus.CANCELLED
    assert not Reservation.objects.filter(status="active").exists()
    assert StockBalance.objects.get(item=sal.widget, location=sal.a1).reserved == 0
    assert not Task.objects.filter(status="open", assignee_role__name__in=["Warehouse", "Production"]).exists()
    assert SalesOrder.objects.get(pk=order.pk).lines.get(item=sal.widget).delivered_quantity == D("8")
