"""/api/purchasing/receipts/, inspections/ and returns/."""

import pytest
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from inventory.models import GoodsReceipt, StockMove
from inventory.services import masterdata
from purchasing.models import Inspection, SupplierReturn
from tests.conftest import user_maker
from tests.purchasing.conftest import D


def client_for(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def test_a_receipt_is_drafted_posted_inspected_and_the_reject_returned(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.sensor, "10", "300")])
    api = client_for(pur.keeper)

    made = api.post("/api/purchasing/receipts/", {"order": order.pk, "lines": [
        {"order_line": order.lines.get().pk, "quantity": "10", "location": "A-02"}]}, format="json")
    assert made.status_code == 201, made.content
    assert made.data["status"] == "draft" and made.data["order_number"] == order.number
    assert [(line["quantity"], line["location"]) for line in made.data["lines"]] == [("10.0000", "A-02")]

    posted = api.post(f"/api/purchasing/receipts/{made.data['id']}/post/")
    assert posted.status_code == 200, posted.content
    assert posted.data["status"] == "posted" and posted.data["lines"][0]["posted_location"] == "QC"

    inspection = Inspection.objects.get()
    listed = client_for(pur.inspector).get("/api/purchasing/inspections/?waiting=1")
    assert [row["id"] for row in listed.data["results"]] == [inspection.pk]
    assert client_for(pur.keeper).post(f"/api/purchasing/inspections/{inspection.pk}/record/",
                                       {"accepted": "9", "rejected": "1"}, format="json").status_code == 403
    recorded = client_for(pur.inspector).post(f"/api/purchasing/inspections/{inspection.pk}/record/",
                                              {"accepted": "9", "rejected": "1", "notes": "1 cracked"}, format="json")
    assert recorded.status_code == 200, recorded.content
    assert (recorded.data["status"], recorded.data["accepted_quantity"]) == ("done", "9.000000")

    draft = api.post("/api/purchasing/returns/", {"receipt": made.data["id"], "reason": "cracked"}, format="json")
    assert draft.status_code == 201, draft.content
    assert [(line["quantity_base"], line["location"]) for line in draft.data["lines"]] == [("1.000000", "QC")]
    sent = api.post(f"/api/purchasing/returns/{draft.data['id']}/post/")
    assert sent.status_code == 200, sent.content
    assert sent.data["status"] == "posted"
    assert StockMove.objects.get(move_type="supplier_return").value == D("-300.00")


def test_over_receipt_answers_400_naming_the_line_and_posts_nothing(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")])
    api = client_for(pur.keeper)
    made = api.post("/api/purchasing/receipts/", {"order": order.pk, "lines": [
        {"order_line": order.lines.get().pk, "quantity": "11"}]}, format="json")

    answer = api.post(f"/api/purchasing/receipts/{made.data['id']}/post/")

    assert answer.status_code == 400
    assert "Line 1: receiving 11 PCS would bring MOT-1 to 11 PCS" in str(answer.data)
    assert GoodsReceipt.objects.get().status == "draft" and not StockMove.objects.exists()


def test_a_lot_missing_and_an_unknown_location_are_400(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.resin, "5", "55.5")])
    api = client_for(pur.keeper)
    line = order.lines.get().pk

    no_lot = api.post("/api/purchasing/receipts/", {"order": order.pk, "lines": [
        {"order_line": line, "quantity": "5"}]}, format="json")
    bad_location = api.post("/api/purchasing/receipts/", {"order": order.pk, "lines": [
        {"order_line": line, "quantity": "5", "lot_number": "L1", "location": "Z-9"}]}, format="json")

    assert no_lot.status_code == 400 and "RES-1 is lot-tracked" in str(no_lot.data)
    assert bad_location.status_code == 400 and "has no location Z-9" in str(bad_location.data)
    assert not GoodsReceipt.objects.exists()


def test_a_cancelled_order_cannot_be_received(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")], status="cancelled")

    answer = client_for(pur.keeper).post("/api/purchasing/receipts/", {"order": order.pk}, format="json")

    assert answer.status_code == 400 and "is cancelled" in str(answer.data)
    assert not GoodsReceipt.objects.exists()


@pytest.fixture
def far_keeper(pur):
    far = masterdata.warehouse_create(company=pur.company, code="FAR", name="遠倉")
    keeper = user_maker(pur.company)("farkeeper", "Warehouse")
    assign_perm("inventory.operate_warehouse", keeper, far)
    return keeper


def test_a_keeper_of_another_warehouse_sees_none_of_it(pur, far_keeper):
    order = pur.approved_order(pur.acme_parts, [(pur.sensor, "2", "300")])
    api = client_for(pur.keeper)
    receipt = api.post("/api/purchasing/receipts/", {"order": order.pk}, format="json").data["id"]
    api.post(f"/api/purchasing/receipts/{receipt}/post/")
    inspection = Inspection.objects.get()
    outsider = client_for(far_keeper)

    assert outsider.get("/api/purchasing/receipts/").data["results"] == []
    assert outsider.get(f"/api/purchasing/receipts/{receipt}/").status_code == 404
    assert outsider.get(f"/api/purchasing/inspections/{inspection.pk}/").status_code == 404
    assert outsider.post("/api/purchasing/receipts/", {"order": order.pk}, format="json").status_code == 403
    assert GoodsReceipt.objects.count() == 1 and not SupplierReturn.objects.exists()


def test_the_receipt_list_costs_the_same_few_queries_for_more_rows(pur, django_assert_max_num_queries):
    from tests.conftest import warm_permissions
    api = client_for(pur.keeper)
    for _ in range(3):
        order = pur.approved_order(pur.acme_parts, [(pur.motor, "1", "800"), (pur.sensor, "1", "300")])
        api.post("/api/purchasing/receipts/", {"order": order.pk}, format="json")
    warm_permissions(pur.keeper)
    with django_assert_max_num_queries(12):
        answer = api.get("/api/purchasing/receipts/")
    assert len(answer.data["results"]) == 3
