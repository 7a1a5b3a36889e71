"""/api/purchasing/invoices/: drafts with lines, match, accept, post, cancel, filters, refusals."""

import pytest
from rest_framework.test import APIClient

from purchasing.models import PurchaseOrderLine, SupplierInvoice
from tests.purchasing.conftest import D

pytestmark = pytest.mark.django_db
URL = "/api/purchasing/invoices/"


def client_for(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def rows_of(answer):
    data = answer.json()
    return data["results"] if isinstance(data, dict) else data


def order_of(pur, received="10"):
    return pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", received)])


def body(pur, order, quantity="4", price=None, number="INV-1"):
    line = {"order_line": order.lines.get().pk, "quantity": quantity}
    if price is not None:
        line["unit_price"] = price
    return {"supplier": pur.acme_parts.pk, "supplier_invoice_number": number, "lines": [line]}


def test_create_match_accept_and_post(pur):
    order = order_of(pur)
    buyer, manager = client_for(pur.buyer), client_for(pur.purchasing_manager)
    created = buyer.post(URL, body(pur, order, price="850"), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["net_amount"], data["tax_amount"], data["match_status"]) == ("3400.00", "170.00", "unchecked")
    pk = data["id"]
    matched = buyer.post(f"{URL}{pk}/match/")
    assert matched.json()["match_status"] == "mismatch"
    assert matched.json()["lines"][0]["variance"] == "200.00"
    refused = buyer.post(f"{URL}{pk}/post/")
    assert refused.status_code == 409
    assert "a Purchasing manager must accept the difference first" in refused.json()["detail"]
    assert buyer.post(f"{URL}{pk}/accept/", {"reason": "surcharge"}, format="json").status_code == 403
    assert manager.post(f"{URL}{pk}/accept/", {}, format="json").status_code == 400
    accepted = manager.post(f"{URL}{pk}/accept/", {"reason": "Copper surcharge"}, format="json")
    assert accepted.status_code == 200
    assert (accepted.json()["match_status"], accepted.json()["match_accepted_by"]) == ("accepted", "purchmgr")
    posted = buyer.post(f"{URL}{pk}/post/")
    assert posted.status_code == 200
    assert posted.json()["status"] == "posted" and posted.json()["number"].startswith("PI-")
    assert PurchaseOrderLine.objects.get(order=order).invoiced_quantity == D("4")
    assert buyer.patch(f"{URL}{pk}/", {"notes": "x"}, format="json").status_code == 409
    assert buyer.post(f"{URL}{pk}/cancel/", {"reason": "wrong"}, format="json").status_code == 409


@pytest.mark.parametrize(("quantity", "price", "field", "message"), [
    ("11", None, "lines", "Line 1: invoicing 11 PCS of MOT-1 but only 10 received and not yet invoiced."),
    ("1", "-5", "lines", None),
])
def test_bad_lines_are_400_with_nothing_written(pur, quantity, price, field, message):
    order = order_of(pur)
    answer = client_for(pur.buyer).post(URL, body(pur, order, quantity=quantity, price=price), format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    if message:
        assert answer.json()[field] == [message]
    assert not SupplierInvoice.objects.exists()


def test_supplier_of_another_buyer_is_400_and_their_invoices_404(pur):
    order = order_of(pur)
    pk = client_for(pur.buyer).post(URL, body(pur, order), format="json").json()["id"]
    other = client_for(pur.buyer2)
    assert other.post(URL, body(pur, order, number="INV-2"), format="json").status_code == 400
    assert other.get(f"{URL}{pk}/").status_code == 404
    assert other.post(f"{URL}{pk}/post/").status_code == 404
    assert rows_of(other.get(URL)) == []
    assert SupplierInvoice.objects.count() == 1


def test_list_filters_and_cancel(pur):
    order = order_of(pur)
    buyer = client_for(pur.buyer)
    first = buyer.post(URL, body(pur, order, quantity="2"), format="json").json()["id"]
    buyer.post(URL, body(pur, order, quantity="2", number="INV-2"), format="json")
    assert buyer.post(f"{URL}{first}/cancel/", {}, format="json").status_code == 400
    voided = buyer.post(f"{URL}{first}/cancel/", {"reason": "Entered twice"}, format="json")
    assert voided.json()["status"] == "cancelled"
    rows = rows_of(buyer.get(URL, {"supplier": "S001", "status": "draft", "match": "unchecked"}))
    assert [row["supplier_invoice_number"] for row in rows] == ["INV-2"]
    assert buyer.get(URL, {"match": "nope"}).status_code == 400
