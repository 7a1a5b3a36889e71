"""/api/production/work-orders/: drafts, release with shortages, issue, complete, close and cancel
through the same services as the screens; refusals are 400 (409 for a status or stock conflict)
naming the field, never 500, and write nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inventory import status as inventory_status
from inventory.models import StockMove
from production.models import WorkOrder
from production.services import workorders as services
from tests.production.conftest import D

pytestmark = pytest.mark.django_db
URL = "/api/production/work-orders/"


def client(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        api.force_authenticate(user)
    return api


def body(prod, **fields):
    return {"item": "FRAME", "warehouse": "FG", "quantity": "2", "start_date": prod.today.isoformat(),
            "due_date": prod.in_a_week.isoformat(), **fields}


def test_a_planner_runs_a_work_order_end_to_end(prod):
    prod.receive(prod.tube, "10", unit_cost="80")
    api = client(prod.planner)

    made = api.post(URL, body(prod, backflush=False), format="json")
    assert made.status_code == 201, made.data
    assert (made.data["status"], made.data["bom"], made.data["routing"]) == ("draft", prod.frame_bom.pk, "R-FRAME")
    url = f"{URL}{made.data['id']}/"
    assert api.patch(url, {"quantity": "3"}, format="json").data["quantity"] == "3.000000"

    released = api.post(f"{url}release/")
    assert released.status_code == 200, released.data
    assert released.data["number"].startswith("WO")
    assert released.data["shortages"] == []
    assert [(c["component"], c["quantity_required"], c["reserved_quantity"]) for c in released.data["components"]] \
        == [("TUBE", "7.875000", "7.875000")]
    assert api.patch(url, {"quantity": "4"}, format="json").status_code == 409

    issued = api.post(f"{url}issue/", {"lines": [{"component": "TUBE", "quantity": "7.875"}]}, format="json")
    assert issued.status_code == 200, issued.data
    assert (issued.data["status"], issued.data["actual_material"]) == ("in_progress", "630.00")

    completed = api.post(f"{url}complete/", {"quantity": "3"}, format="json")
    assert completed.status_code == 200, completed.data
    assert (completed.data["status"], completed.data["completed_quantity"]) == ("completed", "3.000000")
    output = StockMove.objects.get(move_type=inventory_status.MoveType.PRODUCTION_OUTPUT)
    assert str(output.value) == completed.data["received_value"]

    closed = api.post(f"{url}close/")
    assert (closed.status_code, closed.data["status"]) == (200, "closed")


@pytest.mark.parametrize("change, field", [
    ({"quantity": "0"}, "quantity"),
    ({"item": "RIM"}, "item"),
    ({"item": "NOPE"}, "item"),
    ({"warehouse": None}, "warehouse"),
])
def test_a_bad_draft_is_a_400_naming_the_field(prod, change, field):
    answer = client(prod.planner).post(URL, body(prod, **change), format="json")

    assert answer.status_code == 400
    assert field in answer.data
    assert not WorkOrder.objects.exists()


def test_completing_more_than_left_is_a_400_and_writes_nothing(prod):
    order = services.work_order_save(company=prod.company, actor=prod.planner, item=prod.wheel, warehouse=prod.wh,
                                     quantity=D("1"), start_date=prod.today)
    services.work_order_release(work_order=order, actor=prod.planner)
    api = client(prod.planner)

    over = api.post(f"{URL}{order.pk}/complete/", {"quantity": "2"}, format="json")
    bad = api.post(f"{URL}{order.pk}/complete/", {"quantity": "x"}, format="json")
    unknown = api.post(f"{URL}{order.pk}/issue/", {"lines": [{"component": "TUBE", "quantity": "1"}]}, format="json")

    assert over.status_code == 400
    assert over.data["quantity"] == [f"Only 1 PCS are left to complete on {WorkOrder.objects.get().number}; "
                                     "2 requested."]
    assert (bad.status_code, list(bad.data)) == (400, ["quantity"])  # the serializer's own check
    assert unknown.status_code == 400 and "lines" in unknown.data
    assert not StockMove.objects.exists()
    assert WorkOrder.objects.get().completed_quantity == D("0")


def test_release_reports_the_shortages(prod):
    prod.receive(prod.rim, "1", unit_cost="200")
    order = services.work_order_save(company=prod.company, actor=prod.planner, item=prod.wheel, warehouse=prod.wh,
                                     quantity=D("3"), start_date=prod.today)

    answer = client(prod.planner).post(f"{URL}{order.pk}/release/")

    assert answer.data["shortages"] == [
        {"component": "RIM", "required": "3.000000", "reserved": "1.000000", "short": "2.000000"},
        {"component": "SPOKE", "required": "108.000000", "reserved": "0.000000", "short": "108.000000"}]


def test_permissions(prod):
    order = services.work_order_save(company=prod.company, actor=prod.planner, item=prod.wheel, warehouse=prod.wh,
                                     quantity=D("1"), start_date=prod.today)
    assert client(None).get(URL).status_code in (401, 403)
    assert client(prod.outsider).get(URL).status_code == 403
    assert client(prod.keeper).get(URL).status_code == 200
    assert client(prod.keeper).post(f"{URL}{order.pk}/release/").status_code == 403
    assert client(prod.keeper).post(URL, body(prod), format="json").status_code == 403
    assert client(prod.planner).post(f"{URL}{order.pk}/cancel/").data["status"] == "cancelled"


def test_the_list_filters_and_its_queries_do_not_grow(prod):
    api = client(prod.planner)
    frame = services.work_order_save(company=prod.company, actor=prod.planner, item=prod.frame, warehouse=prod.wh,
                                     quantity=D("1"), start_date=prod.today)
    services.work_order_release(work_order=frame, actor=prod.planner)
    api.get(URL)
    with CaptureQueriesContext(connection) as one:
        api.get(URL)
    for _ in range(4):
        services.work_order_release(actor=prod.planner, work_order=services.work_order_save(
            company=prod.company, actor=prod.planner, item=prod.wheel, warehouse=prod.wh, quantity=D("1"),
            start_date=prod.today))
    with CaptureQueriesContext(connection) as five:
        rows = api.get(URL).data["results"]

    assert len(rows) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
    assert [row["id"] for row in api.get(URL, {"item": "FRAME"}).data["results"]] == [frame.pk]
    assert api.get(URL, {"item": "NOPE"}).status_code == 400
