"""Work order screens: the permission matrix, the list (filters, export, query count), entry of a
draft with its errors beside the fields, the page's actions (release with shortages, issue, complete,
close, cancel) and the work orders on the sales order's page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory import status as inventory_status
from inventory.models import StockMove
from production import status as st
from production.models import WorkOrder
from production.services import workorders as services
from tests.production.conftest import D

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        user.language = "en"
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


def draft(prod, item=None, quantity="2", **fields):
    return services.work_order_save(company=prod.company, actor=prod.planner, item=item or prod.frame,
                                    warehouse=prod.wh, quantity=D(quantity), start_date=prod.today,
                                    due_date=prod.in_a_week, **fields)


def texts(response):
    """The messages a followed redirect showed (and so consumed)."""
    return [str(m) for m in response.context["messages"]]


def test_permission_matrix(prod):
    order = draft(prod)
    reads = [reverse("production:work_order_list"), reverse("production:work_order_detail", args=[order.pk]),
             reverse("production:work_order_print", args=[order.pk])]
    writes = [reverse("production:work_order_create"), reverse("production:work_order_edit", args=[order.pk])]
    actions = [reverse(f"production:work_order_{name}", args=[order.pk])
               for name in ("release", "reserve", "issue", "complete", "close", "cancel")]
    for url in reads + writes:
        assert client_for(None).get(url).status_code == 302  # to the login page
        assert client_for(prod.outsider).get(url).status_code == 403
        assert client_for(prod.planner).get(url).status_code == 200
    for url in reads:
        assert client_for(prod.keeper).get(url).status_code == 200  # the warehouse reads production
    for url in writes:
        assert client_for(prod.keeper).get(url).status_code == 403
    for url in actions:
        assert client_for(None).post(url).status_code == 302
        assert client_for(prod.outsider).post(url).status_code == 403
        assert client_for(prod.keeper).post(url).status_code == 403
    assert WorkOrder.objects.get(pk=order.pk).status == st.WorkOrderStatus.DRAFT


def test_the_list_filters_and_exports(prod):
    frames = draft(prod)
    wheels = draft(prod, prod.wheel)
    services.work_order_release(work_order=wheels, actor=prod.planner)
    client = client_for(prod.planner)
    url = reverse("production:work_order_list")

    by_item = client.get(url, {"item": "frame"})
    by_status = client.get(url, {"status": "released"})
    exported = client.get(url, {"export": "csv", "status": "draft"})

    assert [row.document.pk for row in by_item.context["rows"]] == [frames.pk]
    assert [row.document.pk for row in by_status.context["rows"]] == [wheels.pk]
    assert exported.status_code == 200
    body = b"".join(exported.streaming_content if exported.streaming else [exported.content]).decode("utf-8-sig")
    assert "FRAME" in body and "WHEEL" not in body


def test_the_list_queries_do_not_grow_with_the_rows(prod):
    client = client_for(prod.planner)
    url = reverse("production:work_order_list")
    draft(prod)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        draft(prod, prod.wheel)
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert len(response.context["rows"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_a_draft_is_entered_and_a_bad_one_shows_the_error_beside_the_field(prod):
    client = client_for(prod.planner)
    url = reverse("production:work_order_create")
    form = {"lines-0-item": prod.rim.pk, "lines-0-quantity": "2", "lines-0-warehouse": prod.wh.pk,
            "lines-0-start_date": prod.today.isoformat(), "lines-0-due_date": prod.in_a_week.isoformat()}

    refused = client.post(url, form)

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"item": ["RIM is bought, not made: a work order needs a make item."]}
    assert not WorkOrder.objects.exists()

    saved = client.post(url, {**form, "lines-0-item": prod.frame.pk, "lines-0-overhead_percent": "5"})

    order = WorkOrder.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("production:work_order_detail", args=[order.pk])
    assert (order.item, order.bom, order.routing, order.overhead_percent) == (
        prod.frame, prod.frame_bom, prod.frame_routing, D("5"))
    edit = client.get(reverse("production:work_order_edit", args=[order.pk]))
    assert 'value="FRAME 車架"' in edit.content.decode()


def test_release_warns_of_the_shortages_and_the_page_shows_them(prod):
    prod.receive(prod.tube, "2", unit_cost="80")
    order = draft(prod)
    client = client_for(prod.planner)

    released = client.post(reverse("production:work_order_release", args=[order.pk]), follow=True)
    page = client.get(reverse("production:work_order_detail", args=[order.pk]))

    order.refresh_from_db()
    assert texts(released) == [f"{order.number} released; short: TUBE: 3.250 KG short (2.000 of 5.250 reserved)."]
    text = page.content.decode()
    assert 'id="work-order-shortages"' in text and "issue-form" in text and "complete-form" in text
    assert [row.short for row in page.context["lines"]] == [D("3.25")]


def test_issue_and_complete_through_the_page(prod):
    prod.receive(prod.tube, "10", unit_cost="80")
    order = draft(prod)
    services.work_order_release(work_order=order, actor=prod.planner)
    client = client_for(prod.planner)
    row = order.components.get()

    issued = client.post(reverse("production:work_order_issue", args=[order.pk]), {f"quantity_{row.pk}": "5.25"},
                         follow=True)
    assert texts(issued) == [f"Components issued to {order.number}."]
    too_much = client.post(reverse("production:work_order_complete", args=[order.pk]), {"quantity": "3"}, follow=True)
    done = client.post(reverse("production:work_order_complete", args=[order.pk]), {"quantity": "2"}, follow=True)

    assert texts(too_much) == [f"Only 2 PCS are left to complete on {order.number}; 3 requested."]
    assert texts(done) == [f"Finished goods of {order.number} received."]
    order.refresh_from_db()
    assert (order.status, order.actual_material) == (st.WorkOrderStatus.COMPLETED, D("420"))
    assert StockMove.objects.get(move_type=inventory_status.MoveType.PRODUCTION_OUTPUT).value == order.received_value

    closed = client.post(reverse("production:work_order_close", args=[order.pk]), follow=True)
    assert texts(closed) == [f"{order.number} closed: its variances are recorded."]
    page = client.get(reverse("production:work_order_detail", args=[order.pk]))
    assert [row["variance"] for row in page.context["costs"]] == [D("0"), D("600"), D("0"), D("600")]


def test_cancel_from_the_page(prod):
    order = draft(prod)
    response = client_for(prod.planner).post(reverse("production:work_order_cancel", args=[order.pk]), follow=True)
    assert texts(response) == [f"{order.reference} cancelled: its reservations are released."]
    assert WorkOrder.objects.get(pk=order.pk).status == st.WorkOrderStatus.CANCELLED


def test_the_sales_order_page_shows_the_work_orders_of_its_lines(prod):
    sales_order = prod.sales_order([{"item": prod.bike, "quantity": D("1")}])
    line = sales_order.lines.get()
    order = draft(prod, prod.bike, "1", sales_order_line=line, source=st.WorkOrderSource.MRP)
    services.work_order_release(work_order=order, actor=prod.planner)
    order.refresh_from_db()
    url = reverse("sales:order_detail", args=[sales_order.pk])

    seen = client_for(prod.admin).get(url).content.decode()
    hidden = client_for(prod.rep).get(url).content.decode()

    assert 'id="sales-order-work-orders"' in seen and order.number in seen and "Released" in seen
    assert 'id="sales-order-work-orders"' not in hidden  # the rep holds no production permission


def test_the_page_shows_the_by_products_expected_and_received(prod):
    from tests.production.test_work_orders import with_offcut

    with_offcut(prod)
    prod.receive(prod.tube, "100", unit_cost="80")
    order = draft(prod, quantity="2", backflush=True)
    services.work_order_release(work_order=order, actor=prod.planner)
    services.work_order_complete(work_order=order, actor=prod.planner, quantity=D("1"))

    page = " ".join(client_for(prod.planner).get(reverse("production:work_order_detail", args=[order.pk]))
                    .content.decode().split())
    api = client_for(prod.planner).get(f"/api/production/work-orders/{order.pk}/").json()

    assert '<table class="table table-sm" id="work-order-byproducts">' in page
    # per unit 0.3, expected 0.6 for 2, received 0.3 for the one completed, standard cost 20
    assert ('<td>OFFCUT 鋼管餘料</td><td class="num">0.3</td><td class="num">0.6</td><td class="num">0.3</td>'
            '<td>KG</td><td class="num">20.00</td>') in page
    assert "By-products received (at standard cost)" in page
    assert api["byproduct_value"] == "6.00"
