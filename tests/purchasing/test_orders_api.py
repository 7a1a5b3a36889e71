"""/api/purchasing/orders/: drafts with lines, the actions, scope and refusals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from purchasing import status as st
from purchasing.models import PurchaseOrder

pytestmark = pytest.mark.django_db
URL = "/api/purchasing/orders/"


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def body(**changes):
    return {"supplier": "S001", "lines": [{"item": "MOT-1", "quantity": "10"}], **changes}


def test_create_a_draft_with_the_supplier_price_then_submit(pur):
    client = api(pur.buyer)

    made = client.post(URL, body(), format="json")
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["status"], data["buyer"], data["total_amount"]) == ("draft", "buyer", "8400.00")
    assert data["lines"][0]["unit_price"] == "800.0000"

    submitted = client.post(f"{URL}{data['id']}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "approved"
    assert client.post(f"{URL}{data['id']}/submit/").status_code == 409


def test_a_negative_price_is_a_400_on_the_line_and_nothing_is_saved(pur):
    answer = api(pur.buyer).post(URL, body(lines=[{"item": "MOT-1", "quantity": "1", "unit_price": "-5"}]),
                                 format="json")

    assert answer.status_code == 400
    assert answer.json() == {"lines": {"0": {"unit_price": ["The price must not be negative."]}}}
    assert not PurchaseOrder.objects.exists()


def test_another_buyers_supplier_is_a_400_and_their_order_a_404(pur):
    client = api(pur.buyer)
    assert client.post(URL, body(supplier="S002", lines=[{"item": "SCR-1", "quantity": "1"}]),
                       format="json").status_code == 400
    theirs = api(pur.buyer2).post(URL, body(supplier="S002", lines=[{"item": "SCR-1", "quantity": "1"}]),
                                  format="json").json()

    assert client.get(f"{URL}{theirs['id']}/").status_code == 404
    assert client.post(f"{URL}{theirs['id']}/submit/").status_code == 404
    assert [row["id"] for row in client.get(URL).json()["results"]] == []
    assert not PurchaseOrder.objects.filter(supplier=pur.acme_parts).exists()


def test_the_list_filters_by_status_supplier_and_buyer(pur):
    client = api(pur.purchasing_manager)
    first = client.post(URL, body(), format="json").json()
    client.post(f"{URL}{first['id']}/submit/")
    client.post(URL, body(supplier="S002", lines=[{"item": "SCR-1", "quantity": "2"}]), format="json")

    def ids(query):
        return sorted(row["id"] for row in client.get(URL + query).json()["results"])

    assert len(ids("")) == 2
    assert ids("?status=approved") == [first["id"]]
    assert ids("?supplier=S001") == [first["id"]]
    assert len(ids("?buyer=buyer2")) == 1
    assert client.get(URL + "?status=nonsense").status_code == 400


def test_revise_cancel_close_and_the_revision_history(pur):
    client = api(pur.buyer)
    order = client.post(URL, body(), format="json").json()
    client.post(f"{URL}{order['id']}/submit/")

    assert client.post(f"{URL}{order['id']}/revise/", {}, format="json").status_code == 400
    revised = client.post(f"{URL}{order['id']}/revise/", {"reason": "改數量"}, format="json")
    assert revised.status_code == 200 and revised.json()["revision"] == 1 and revised.json()["status"] == "draft"
    line = revised.json()["lines"][0]
    changed = client.patch(f"{URL}{order['id']}/", {"lines": [{"id": line["id"], "item": "MOT-1", "quantity": "20"}]},
                           format="json")
    assert changed.status_code == 200, changed.content
    history = client.get(f"{URL}{order['id']}/revisions/").json()
    assert [(row["revision"], row["reason"], row["snapshot"]["lines"][0]["quantity"]) for row in history] == [
        (0, "改數量", "10.0000")]

    assert client.post(f"{URL}{order['id']}/close/").status_code == 409
    cancelled = client.post(f"{URL}{order['id']}/cancel/", {"reason": "不需要了"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert PurchaseOrder.objects.get(pk=order["id"]).status == st.OrderStatus.CANCELLED


def test_a_sales_rep_reads_but_cannot_order(pur):
    assert api(pur.rep).post(URL, body(), format="json").status_code == 403
    assert api(pur.rep).get(URL).status_code == 200


def test_the_list_reads_a_fixed_number_of_queries(pur):
    client = api(pur.purchasing_manager)
    client.post(URL, body(), format="json")
    client.get(URL)  # caches warmed (content types, permissions)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for quantity in ("1", "2", "3", "4"):
        client.post(URL, body(lines=[{"item": "MOT-1", "quantity": quantity}, {"item": "RES-1", "quantity": "1"}]),
                    format="json")
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(URL).json()["results"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
