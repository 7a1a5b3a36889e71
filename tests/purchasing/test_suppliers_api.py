"""/api/purchasing/suppliers/ and /api/purchasing/supplier-items/: the screens' scope and rules over
HTTP. Bad input is a 400 naming the field and writes nothing, what the user may not see a 404."""

import pytest
from guardian.shortcuts import get_perms
from rest_framework.test import APIClient

from purchasing.models import Supplier, SupplierItem, SupplierPrice
from tests.purchasing.conftest import D

URL = "/api/purchasing/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_a_buyer_lists_only_their_suppliers_and_the_manager_all_with_filters(api, pur):
    mine = as_user(api, pur.buyer).get(URL + "suppliers/").json()["results"]
    everyone = as_user(api, pur.purchasing_manager).get(URL + "suppliers/").json()["results"]
    of_buyer2 = api.get(URL + "suppliers/", {"buyer": "buyer2"}).json()["results"]
    by_tax_id = api.get(URL + "suppliers/", {"search": "12345675"}).json()["results"]
    unknown = api.get(URL + "suppliers/", {"buyer": "ghost"})

    assert [s["code"] for s in mine] == ["S001"]
    assert [s["code"] for s in everyone] == ["S001", "S002"]
    assert [(s["code"], s["buyer"]) for s in of_buyer2] == [("S002", "buyer2")]
    assert [s["code"] for s in by_tax_id] == ["S001"]
    assert (unknown.status_code, list(unknown.json())) == (400, ["buyer"])


def test_another_buyers_supplier_is_404(api, pur):
    client = as_user(api, pur.buyer)

    assert client.get(URL + f"suppliers/{pur.bolt_co.pk}/").status_code == 404
    assert client.patch(URL + f"suppliers/{pur.bolt_co.pk}/", {"name": "X"}, format="json").status_code == 404
    assert client.get(URL + f"supplier-items/{pur.screw_from_s2.pk}/").status_code == 404


def test_a_buyer_creates_a_supplier_with_contacts_and_owns_it(api, pur):
    response = as_user(api, pur.buyer).post(URL + "suppliers/", {
        "code": " s100 ", "name": "台灣精密", "tax_id": "22831541", "tax_code": "vat5", "payment_term": "NET30",
        "contacts": [{"name": "王小明", "is_primary": True}]}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["buyer"], body["tax_code"], [c["name"] for c in body["contacts"]]) == (
        "S100", "buyer", "VAT5", ["王小明"])
    assert "buy_from_supplier" in get_perms(pur.buyer, Supplier.objects.get(code="S100"))


def test_a_buyer_naming_another_buyer_is_403_and_nothing_is_written(api, pur):
    response = as_user(api, pur.buyer).post(URL + "suppliers/", {"code": "S100", "name": "台灣精密",
                                                                 "buyer": "buyer2"}, format="json")
    changed = api.patch(URL + f"suppliers/{pur.acme_parts.pk}/", {"buyer": "buyer2"}, format="json")

    assert response.status_code == 403
    assert changed.status_code == 403
    assert not Supplier.objects.filter(code="S100").exists()
    pur.acme_parts.refresh_from_db()
    assert pur.acme_parts.buyer == pur.buyer


def test_bad_supplier_input_is_a_400_on_its_field(api, pur):
    client = as_user(api, pur.purchasing_manager)

    duplicate = client.post(URL + "suppliers/", {"code": "S001", "name": "X"}, format="json")
    bad_tax_id = client.post(URL + "suppliers/", {"code": "S100", "name": "X", "tax_id": "12345678"}, format="json")

    assert (duplicate.status_code, list(duplicate.json())) == (400, ["code"])
    assert (bad_tax_id.status_code, list(bad_tax_id.json())) == (400, ["tax_id"])
    assert not Supplier.objects.filter(code="S100").exists()


def test_an_unused_supplier_is_deleted_and_the_manager_sees_the_delete_go_through(api, pur):
    created = as_user(api, pur.purchasing_manager).post(URL + "suppliers/", {"code": "S100", "name": "X"},
                                                        format="json")

    response = api.delete(URL + f"suppliers/{created.json()['id']}/")

    assert response.status_code == 204
    assert not Supplier.objects.filter(code="S100").exists()


def test_supplier_items_filter_by_supplier_item_and_preferred(api, pur):
    client = as_user(api, pur.purchasing_manager)
    pur.supplier_item(pur.bolt_co, pur.motor, prices=[("0", "820")])

    of_motor = client.get(URL + "supplier-items/", {"item": "MOT-1"}).json()["results"]
    preferred = client.get(URL + "supplier-items/", {"item": "MOT-1", "preferred": "true"}).json()["results"]
    of_s2 = client.get(URL + "supplier-items/", {"supplier": "S002"}).json()["results"]

    assert [(r["supplier"], r["item"]) for r in of_motor] == [("S001", "MOT-1"), ("S002", "MOT-1")]
    assert [r["supplier"] for r in preferred] == ["S001"]
    assert [(r["item"], r["unit"]) for r in of_s2] == [("MOT-1", "PCS"), ("SCR-1", "BOX")]
    assert [(p["min_quantity"], p["price"]) for p in of_motor[0]["prices"]] == [("0.0000", "800.0000"),
                                                                                ("50.0000", "760.0000")]


def test_a_buyer_writes_a_supplier_item_with_nested_prices(api, pur):
    response = as_user(api, pur.buyer).post(URL + "supplier-items/", {
        "supplier": "S001", "item": "SCR-1", "unit": "BOX", "order_multiple": "2",
        "prices": [{"min_quantity": "0", "price": "130"}, {"min_quantity": "10", "price": "118.5"}]}, format="json")

    assert response.status_code == 201, response.json()
    row = SupplierItem.objects.get(pk=response.json()["id"])
    assert list(row.prices.order_by("min_quantity").values_list("price", flat=True)) == [D("130"), D("118.5")]
    replaced = api.patch(URL + f"supplier-items/{row.pk}/", {"prices": [{"price": "125"}]}, format="json")
    assert replaced.status_code == 200
    assert list(row.prices.values_list("min_quantity", "price")) == [(D("0"), D("125"))]


@pytest.mark.parametrize("body,field", [
    ({"supplier": "S001", "item": "MOT-1", "unit": "KG"}, "unit"),
    ({"supplier": "S001", "item": "SCR-1", "prices": [{"price": "-1"}]}, "prices"),
    ({"supplier": "S001", "item": "SCR-1", "valid_from": "2026-12-31", "valid_to": "2026-01-01"}, "valid_to"),
    ({"supplier": "S002", "item": "MOT-1", "is_preferred": True}, "supplier"),  # not the buyer's supplier
    ({"supplier": "S001", "item": "NOPE"}, "item"),
    ({"supplier": "S001", "item": "MOT-1"}, "unit"),  # already sold in PCS
])
def test_bad_supplier_item_input_is_a_400_on_its_field(api, pur, body, field):
    before = (SupplierItem.objects.count(), SupplierPrice.objects.count())

    response = as_user(api, pur.buyer).post(URL + "supplier-items/", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert (SupplierItem.objects.count(), SupplierPrice.objects.count()) == before


def test_a_second_preferred_supplier_is_a_400_naming_the_first(api, pur):
    response = as_user(api, pur.buyer2).post(URL + "supplier-items/", {
        "supplier": "S002", "item": "MOT-1", "is_preferred": True}, format="json")

    assert response.status_code == 400
    assert "S001" in str(response.json()["is_preferred"])
    assert not SupplierItem.objects.filter(supplier=pur.bolt_co, item=pur.motor).exists()
