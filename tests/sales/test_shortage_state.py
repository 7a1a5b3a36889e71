"""The order page's shortage requests say where the work stands in business terms — requested,
planned (production answers for lines its work orders are pegged to: tests/production/test_shortage_demand.py)
or ordered (purchasing's task done), covered (the line is no longer short:
stock was reserved for it), delivered, no longer needed — and which department holds it, linking its
task only for a reader who may open it. The event bus's plumbing (event and subscriber names, their
delivery states) is left to the admin's event pages."""

import html
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from erp.models import User
from office.models import Task
from office.services import task_close
from sales.models import SalesOrderLine
from sales.selectors import order_tracking
from sales.services.orders import order_cancel, order_confirm
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def short_order(sal, lines=None):
    """A confirmed order short of the make item (line 1) and the buy item (line 2)."""
    order = sal.order(lines or [{"item": sal.pump, "quantity": D("2")}, {"item": sal.motor, "quantity": D("3")}])
    order_confirm(order=order, actor=sal.rep)
    order.refresh_from_db()
    return order


def states(order, user=None):
    return [(r.to_production, r.state, [line.state for line in r.lines])
            for r in order_tracking(order, user=user)["requests"]]


def page(client, order, reader):
    """The order page's live part as ``reader`` sees it, in English."""
    User.objects.filter(pk=reader.pk).update(language="en")
    client.force_login(reader)
    return html.unescape(client.get(f"/sales/orders/{order.pk}/tracking/").content.decode())


def test_a_request_no_department_has_taken_up_yet_is_requested(sal, client):
    order = short_order(sal)

    text = page(client, order, sal.rep)

    assert states(order) == [(True, "requested", ["requested"]), (False, "requested", ["requested"])]
    assert text.count('data-state="requested"') == 4  # two requests, one line each
    flat = " ".join(text.split())
    assert 'Held by Production · <span class="text-muted">not yet taken up</span>' in flat
    assert 'Held by Purchasing · <span class="text-muted">not yet taken up</span>' in flat


def test_the_task_being_worked_on_keeps_the_request_requested_and_shows_no_event_plumbing(sal, client, make_user):
    order = short_order(sal)
    deliver_events()  # purchasing has its task (production is notified); the event deliveries are done
    buyer = make_user("buyer", "Purchasing")
    buy = Task.objects.get(kind="purchasing.buy_shortage")

    as_rep = page(client, order, sal.rep)
    as_buyer = page(client, order, buyer)

    assert states(order) == [(True, "requested", ["requested"]), (False, "requested", ["requested"])]
    assert not Task.objects.filter(kind="production.plan_shortage").exists()  # MRP demand, not a task
    for text in (as_rep, as_buyer):
        assert "production.plan_shortage" not in text and "purchasing.buy_shortage" not in text
        assert "sales.production_requested" not in text and "sales.order_confirmed" not in text
        assert 'data-status="done"' not in text  # no delivery state passed off as the work's
        assert f"Buy for {order.number}" in text
    # the rep may not open purchasing's task: its title is text; the buyer gets the link
    assert f'href="/office/tasks/{buy.pk}/"' not in as_rep
    link = f'<a href="/office/tasks/{buy.pk}/" class="shortage-task">Buy for {order.number}</a>'
    assert link in as_buyer


def test_a_done_task_means_ordered(sal, client):
    order = short_order(sal)
    deliver_events()

    task_close(task=Task.objects.get(kind="purchasing.buy_shortage"), actor=None)
    text = page(client, order, sal.rep)

    assert states(order) == [(True, "requested", ["requested"]), (False, "ordered", ["ordered"])]
    assert ">Ordered by purchasing</span>" in text


def test_a_line_no_longer_short_is_covered_then_delivered(sal):
    order = short_order(sal, [{"item": sal.pump, "quantity": D("2")}, {"item": sal.widget, "quantity": D("4")}])
    deliver_events()
    pump, widget = order.lines.order_by("line_no")

    SalesOrderLine.objects.filter(pk=pump.pk).update(shortage_quantity=0)  # stock arrived and was reserved
    covered_one = states(order)
    SalesOrderLine.objects.filter(pk=widget.pk).update(shortage_quantity=0)
    covered = states(order)
    SalesOrderLine.objects.filter(pk=pump.pk).update(delivered_quantity=F("quantity_base"))
    one_delivered = states(order)
    SalesOrderLine.objects.filter(pk=widget.pk).update(delivered_quantity=F("quantity_base"))

    # a request stands where its least advanced line stands
    assert covered_one == [(True, "requested", ["covered", "requested"])]
    assert covered == [(True, "covered", ["covered", "covered"])]
    assert one_delivered == [(True, "covered", ["delivered", "covered"])]
    assert states(order) == [(True, "delivered", ["delivered", "delivered"])]


def test_a_cancelled_orders_requests_are_no_longer_needed(sal, client):
    order = short_order(sal)
    deliver_events()

    order_cancel(order=order, actor=sal.rep, reason="客戶取消")
    order.refresh_from_db()
    text = page(client, order, sal.rep)

    assert states(order) == [(True, "not_needed", ["not_needed"]), (False, "not_needed", ["not_needed"])]
    assert text.count(">No longer needed</span>") == 2


def test_the_events_of_the_order_are_an_administrators_link_only(sal, client):
    order = short_order(sal)

    text = page(client, order, sal.admin)

    assert 'id="order-events"' not in text and "sales.order_confirmed" not in text
    assert (f'href="/admin/erp/outboxevent/?source_type__id__exact={order_tracking(order)["order_type_id"]}'
            f'&source_id={order.pk}" id="order-events-admin"') in text
    assert client.get(f"/admin/erp/outboxevent/?source_type__id__exact={order_tracking(order)['order_type_id']}"
                      f"&source_id={order.pk}").status_code == 200
    assert 'id="order-events-admin"' not in page(client, order, sal.rep)


def test_the_shortage_states_take_a_fixed_number_of_queries(sal, make_user):
    planner = make_user("planner", "Production")
    small = short_order(sal, [{"item": sal.pump, "quantity": D("1")}])
    big = short_order(sal, [{"item": item, "quantity": D(n)} for n in range(1, 5) for item in (sal.pump, sal.motor)])
    deliver_events()
    order_tracking(small, user=planner)  # warm the caches a first read fills (content types, permissions)

    small_queries, big_queries = queries(small, planner), queries(big, planner)

    requests = order_tracking(big, user=planner)["requests"]
    assert (len(requests), sum(len(r.lines) for r in requests), sum(len(r.tasks) for r in requests)) == (2, 8, 1)
    # lines, reservations, returns, shortage requests, their tasks (with whether the reader may open
    # each), credit approvals, and production's answer (the work orders pegged to the lines)
    assert len(small_queries) == len(big_queries) == 7, [q["sql"] for q in big_queries]


def queries(order, user):
    with CaptureQueriesContext(connection) as captured:
        order_tracking(order, user=user)
    return captured.captured_queries
