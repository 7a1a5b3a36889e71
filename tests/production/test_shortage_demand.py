"""A confirmed sales order short of a make item is MRP demand, not a task: production's planners are
notified once per shortage, the next MRP run plans the line, and the sales order page shows the request
as planned by production once a work order (not cancelled) is pegged to the line — answered by
production through the in-transaction hook ``sales.shortage_worked``, which sales never imports."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from erp import events
from erp.models import EventDelivery
from office.models import Notification, Task
from production.models import MrpRun, PlannedOrder, WorkOrder
from production.services.firming import planned_orders_firm
from production.services.mrp import mrp_run_execute
from production.services.workorders import work_order_cancel, work_order_save
from sales.selectors import order_tracking
from tests.production.conftest import D, deliver_events
from tests.production.test_planning import english

pytestmark = pytest.mark.django_db


def bike_order(prod, quantity="2"):
    order = prod.sales_order([{"item": prod.bike, "quantity": D(quantity)}])
    order.refresh_from_db()
    return order, order.lines.get()


def request_states(order):
    return [(r.to_production, r.state, [line.state for line in r.lines]) for r in order_tracking(order)["requests"]]


def tracking(client, order, reader):
    english(reader)
    client.force_login(reader)
    return " ".join(html.unescape(client.get(f"/sales/orders/{order.pk}/tracking/").content.decode()).split())


def test_the_shortage_makes_no_task_and_tells_the_planners_once(prod):
    order, _line = bike_order(prod)
    delivery = EventDelivery.objects.get(subscriber="production.plan_shortage")

    events.deliver(delivery.pk)
    EventDelivery.objects.filter(pk=delivery.pk).update(status="pending")  # as if the done mark were lost
    events.deliver(delivery.pk)

    assert not Task.objects.filter(assignee_role__name="Production").exists()
    notices = list(Notification.objects.filter(kind="production.demand_arrived"))
    assert [n.recipient for n in notices] == [prod.planner]  # the Production role only, once
    notice = notices[0]
    assert notice.link == "/production/mrp/runs/"
    with translation.override("en"):
        text = notice.display_text
    assert text.startswith(f"{order.number} is short of items we make (needed from ")
    assert "the next MRP run plans them." in text and "BIKE 自行車 — 2 PCS" in text


def test_the_request_is_planned_once_a_work_order_is_pegged_to_the_line_and_requested_again_when_cancelled(
        prod, client):
    order, line = bike_order(prod)
    deliver_events()
    requested = request_states(order)
    page_before = tracking(client, order, prod.rep)

    work_order = work_order_save(company=prod.company, actor=prod.planner, item=prod.bike, warehouse=prod.wh,
                                 quantity=D("2"), start_date=prod.today, sales_order_line=line)
    planned = request_states(order)
    page_after = tracking(client, order, prod.rep)
    work_order_cancel(work_order=work_order, actor=prod.planner)

    assert requested == [(True, "requested", ["requested"])]
    assert 'Held by Production · <span class="text-muted">not yet taken up</span>' in page_before
    assert planned == [(True, "planned", ["planned"])]
    assert ">Planned by production</span>" in page_after
    assert request_states(order) == [(True, "requested", ["requested"])]


def test_an_mrp_run_and_firming_plan_the_sales_line(prod):
    order, line = bike_order(prod)
    deliver_events()
    run = MrpRun.objects.create(company=prod.company, as_of=prod.today, horizon_days=40)

    mrp_run_execute(run=run)
    MrpRun.objects.filter(pk=run.pk).update(status="done", progress=100, finished_at=timezone.now())
    bike = PlannedOrder.objects.get(run=run, item=prod.bike)
    assert bike.pegs.get().sales_order_line == line  # the confirmed line is the run's demand
    planned_orders_firm(planned_orders=[bike], actor=prod.planner)

    assert WorkOrder.objects.get().sales_order_line == line
    assert request_states(order) == [(True, "planned", ["planned"])]


def test_the_answer_costs_one_query_whatever_the_lines(prod):
    small, _line = bike_order(prod)
    big = prod.sales_order([{"item": prod.bike, "quantity": D("1")} for _n in range(8)])
    deliver_events()

    counts = []
    for order in (small, big):
        with CaptureQueriesContext(connection) as queries:
            order_tracking(order)
        counts.append(len(queries))

    assert counts[0] == counts[1]
