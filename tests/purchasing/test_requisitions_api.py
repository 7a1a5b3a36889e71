"""/api/purchasing/requisitions/: drafts with lines, submit, cancel with a reason, filters, and
consolidate; refusals are 400/403/409 with the field to blame, never 500."""

import pytest
from rest_framework.test import APIClient

from purchasing.models import PurchaseOrder, PurchaseRequisition
from tests.purchasing.conftest import D

pytestmark = pytest.mark.django_db
URL = "/api/purchasing/requisitions/"


def client(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def test_a_buyer_creates_submits_and_reads_a_requisition(pur):
    api = client(pur.buyer)
    made = api.post(URL, {"warehouse": "RM", "notes": "line 3", "lines": [
        {"item": "SCR-1", "quantity": "2", "unit": "BOX"}, {"item": "MOT-1", "quantity": "3", "supplier": "S001"}]},
        format="json")
    assert made.status_code == 201, made.data
    assert [(line["item"], line["quantity_base"], line["status"]) for line in made.data["lines"]] == [
        ("SCR-1", "200.000000", "open"), ("MOT-1", "3.000000", "open")]

    submitted = api.post(f"{URL}{made.data['id']}/submit/")
    assert submitted.status_code == 200 and submitted.data["status"] == "open"
    assert submitted.data["number"].startswith("PR-")

    changed = api.patch(f"{URL}{made.data['id']}/", {"notes": "x"}, format="json")
    assert changed.status_code == 409


def test_a_bad_line_is_a_400_naming_the_field_and_nothing_is_written(pur):
    answer = client(pur.buyer).post(URL, {"warehouse": "RM", "lines": [{"item": "MOT-1", "quantity": "1",
                                                                         "unit": "BOX"}]}, format="json")
    assert answer.status_code == 400
    assert "lines" in answer.data
    assert not PurchaseRequisition.objects.exists()


def test_cancel_needs_a_reason(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("1")}])
    api = client(pur.buyer)
    assert api.post(f"{URL}{requisition.pk}/cancel/", {}, format="json").status_code == 400
    answer = api.post(f"{URL}{requisition.pk}/cancel/", {"reason": "not needed"}, format="json")
    assert (answer.status_code, answer.data["status"], answer.data["void_reason"]) == (200, "cancelled", "not needed")


def test_the_list_filters_by_source_and_item(pur):
    pur.requisition([{"item": pur.motor, "quantity": D("1")}])
    screws = pur.requisition([{"item": pur.screw, "quantity": D("1")}])
    api = client(pur.buyer)
    assert [row["id"] for row in api.get(URL, {"item": "SCR-1"}).data["results"]] == [screws.pk]
    assert api.get(URL, {"source": "sales"}).data["results"] == []
    assert api.get(URL, {"item": "NOPE"}).status_code == 400


def test_consolidate_answers_the_orders_made_and_the_lines_skipped(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("3")}])
    line = requisition.lines.get()
    api = client(pur.buyer)

    answer = api.post(f"{URL}consolidate/", {"lines": [line.pk, 999999]}, format="json")

    assert answer.status_code == 201, answer.data
    order = PurchaseOrder.objects.get()
    assert [(o["id"], o["supplier"], o["line_count"], o["total_amount"]) for o in answer.data["orders"]] == [
        (order.pk, "S001", 1, "4200.00")]
    assert answer.data["skipped"] == [{"line": 999999, "reason": "No such requisition line."}]
    again = api.post(f"{URL}consolidate/", {"lines": [line.pk]}, format="json")
    assert (again.status_code, again.data["orders"], again.data["skipped"]) == (
        200, [], [{"line": line.pk, "reason": "Already on a purchase order."}])


def test_consolidate_refuses_a_supplier_the_buyer_may_not_buy_from_and_bad_input(pur):
    requisition = pur.requisition([{"item": pur.screw, "quantity": D("3")}])
    api = client(pur.buyer)
    refused = api.post(f"{URL}consolidate/", {"lines": [requisition.lines.get().pk]}, format="json")
    assert refused.status_code == 400 and "supplier" in refused.data
    assert api.post(f"{URL}consolidate/", {"lines": []}, format="json").status_code == 400
    assert api.post(f"{URL}consolidate/", {"lines": ["x"], "supplier": "S001"}, format="json").status_code == 400
    assert api.post(f"{URL}consolidate/", {"lines": [1], "supplier": "S002"}, format="json").status_code == 400
    assert not PurchaseOrder.objects.exists()
    assert client(pur.keeper).post(f"{URL}consolidate/", {"lines": [1]}, format="json").status_code == 403
