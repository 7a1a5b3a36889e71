"""Supplier master-data screens: the permission matrix (anonymous, no role, another buyer's supplier →
404, the Purchasing manager), create and edit through the services, refusals beside their field,
exports, and lists whose number of queries does not grow with the rows."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import get_perms
from openpyxl import load_workbook

from purchasing.models import PurchasingSettings, Supplier, SupplierContact, SupplierItem
from purchasing.services import suppliers as services
from tests.conftest import warm_permissions
from tests.purchasing.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(pur):
    for user in (pur.admin, pur.buyer, pur.buyer2, pur.purchasing_manager, pur.keeper, pur.rep):
        user.language = "en"
        user.save()
    return pur


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def screen_urls(w):
    return [
        "/purchasing/suppliers/",
        "/purchasing/suppliers/new/",
        f"/purchasing/suppliers/{w.acme_parts.pk}/",
        f"/purchasing/suppliers/{w.acme_parts.pk}/edit/",
        "/purchasing/supplier-items/",
        "/purchasing/supplier-items/new/",
        f"/purchasing/supplier-items/{w.motor_from_s1.pk}/edit/",
        "/purchasing/settings/",
        "/purchasing/imports/",
        "/purchasing/imports/suppliers/",
        "/purchasing/imports/supplier-prices/",
    ]


def supplier_post(**overrides):
    data = {"code": "S100", "name": "台灣精密", "short_name": "", "tax_id": "", "address": "", "remit_to_address": "",
            "phone": "", "email": "", "payment_term": "", "tax_code": "", "currency": "TWD", "lead_time_days": "",
            "notes": ""}
    data.update(overrides)
    return data


def item_post(w, prices=(), **overrides):
    data = {"supplier": w.acme_parts.pk, "item": w.screw.pk, "unit": w.box.pk, "supplier_part_number": "TE-1",
            "min_order_quantity": "0", "order_multiple": "0", "lead_time_days": "", "valid_from": "", "valid_to": "",
            "prices-TOTAL_FORMS": str(max(len(prices), 1)), "prices-INITIAL_FORMS": "0",
            "prices-MIN_NUM_FORMS": "0", "prices-MAX_NUM_FORMS": "500"}
    for n, (qty, price) in enumerate(prices):
        data[f"prices-{n}-min_quantity"] = qty
        data[f"prices-{n}-price"] = price
    data.update(overrides)
    return data


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
def test_every_screen_renders_for_the_purchasing_manager_in_each_language(world, as_user, language):
    world.purchasing_manager.language = language
    world.purchasing_manager.save()
    client = as_user(world.purchasing_manager)

    statuses = {url: client.get(url).status_code for url in screen_urls(world)}

    assert statuses == {url: 200 for url in screen_urls(world)}


def test_a_buyer_opens_every_screen_of_their_own_supplier(world, as_user):
    client = as_user(world.buyer)

    statuses = {url: client.get(url).status_code for url in screen_urls(world)}

    assert statuses == {url: 200 for url in screen_urls(world)}


def test_another_buyers_supplier_and_its_items_are_404(world, as_user):
    client = as_user(world.buyer2)

    assert client.get(f"/purchasing/suppliers/{world.acme_parts.pk}/").status_code == 404
    assert client.get(f"/purchasing/suppliers/{world.acme_parts.pk}/edit/").status_code == 404
    assert client.post(f"/purchasing/suppliers/{world.acme_parts.pk}/contacts/new/",
                       {"contact-name": "X"}).status_code == 404
    assert client.get(f"/purchasing/supplier-items/{world.motor_from_s1.pk}/edit/").status_code == 404
    listed = client.get("/purchasing/suppliers/").context["page"]
    assert [s.code for s in listed] == ["S002"]
    assert [r.supplier.code for r in client.get("/purchasing/supplier-items/").context["page"]] == ["S002"]
    assert SupplierContact.objects.count() == 0


def test_anonymous_users_log_in_and_users_without_a_role_get_403(world, client, make_user):
    for url in screen_urls(world):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    client.force_login(make_user("nobody", language="en"))
    assert {url: client.get(url).status_code for url in screen_urls(world)} == {url: 403 for url in screen_urls(world)}


def test_the_keeper_reads_suppliers_but_cannot_create_or_edit(world, as_user):
    client = as_user(world.keeper)

    assert client.get("/purchasing/suppliers/").status_code == 200
    assert client.get(f"/purchasing/suppliers/{world.acme_parts.pk}/").status_code == 200
    assert client.get("/purchasing/suppliers/new/").status_code == 403
    assert client.get(f"/purchasing/suppliers/{world.acme_parts.pk}/edit/").status_code == 403
    assert client.get("/purchasing/supplier-items/new/").status_code == 403


def test_a_buyer_creates_a_supplier_and_becomes_its_buyer(world, as_user):
    client = as_user(world.buyer)

    response = client.post("/purchasing/suppliers/new/", supplier_post(tax_id="22831541"))

    supplier = Supplier.objects.get(code="S100")
    assert response.status_code == 302 and response["Location"] == f"/purchasing/suppliers/{supplier.pk}/"
    assert supplier.buyer == world.buyer
    assert "buy_from_supplier" in get_perms(world.buyer, supplier)
    assert "buyer" not in client.get("/purchasing/suppliers/new/").context["form"].fields


def test_the_manager_moves_a_supplier_to_another_buyer(world, as_user):
    client = as_user(world.purchasing_manager)
    data = supplier_post(code="S001", name="東元電機", buyer=world.buyer2.pk, is_active="on",
                         payment_term=world.net30.pk, tax_code=world.vat.pk, email="sales@teco.example",
                         tax_id="12345675", lead_time_days="14")

    response = client.post(f"/purchasing/suppliers/{world.acme_parts.pk}/edit/", data)

    assert response.status_code == 302
    world.acme_parts.refresh_from_db()
    assert world.acme_parts.buyer == world.buyer2
    assert "buy_from_supplier" not in get_perms(world.buyer, world.acme_parts)


def test_a_bad_tax_id_is_shown_beside_its_field_and_nothing_is_saved(world, as_user):
    client = as_user(world.buyer)

    response = client.post("/purchasing/suppliers/new/", supplier_post(tax_id="12345678"))

    assert response.status_code == 200
    assert "tax_id" in response.context["form"].errors
    assert not Supplier.objects.filter(code="S100").exists()


def test_a_contact_is_added_on_the_supplier_page(world, as_user):
    client = as_user(world.buyer)

    response = client.post(f"/purchasing/suppliers/{world.acme_parts.pk}/contacts/new/",
                           {"contact-name": "王小明", "contact-is_primary": "on"})

    assert response.status_code == 302
    assert list(world.acme_parts.contacts.values_list("name", "is_primary")) == [("王小明", True)]


def test_a_supplier_item_with_price_breaks_is_saved_from_the_form(world, as_user):
    client = as_user(world.buyer)

    response = client.post("/purchasing/supplier-items/new/", item_post(world, [("0", "130"), ("10", "118")]))

    assert response.status_code == 302
    row = SupplierItem.objects.get(supplier=world.acme_parts, item=world.screw)
    assert row.unit == world.box
    assert list(row.prices.order_by("min_quantity").values_list("min_quantity", "price")) == [
        (D("0"), D("130")), (D("10"), D("118"))]


def test_a_negative_price_and_a_second_preferred_supplier_are_refused_beside_their_field(world, as_user):
    client = as_user(world.buyer)

    negative = client.post("/purchasing/supplier-items/new/", item_post(world, [("0", "-1")]))
    preferred = client.post("/purchasing/supplier-items/new/",
                            item_post(world, [("0", "1")], is_preferred="on", unit=world.pcs.pk))

    assert negative.status_code == 200
    assert negative.context["formset"].forms[0].errors == {"price": ["The price must not be negative."]}
    assert preferred.status_code == 200
    assert "S002" in preferred.context["form"].errors["is_preferred"][0]
    assert not SupplierItem.objects.filter(supplier=world.acme_parts, item=world.screw).exists()


def test_a_buyer_may_not_add_items_to_another_buyers_supplier(world, as_user):
    client = as_user(world.buyer2)

    response = client.post("/purchasing/supplier-items/new/", item_post(world, [("0", "1")]))

    assert response.status_code == 200
    assert "supplier" in response.context["form"].errors
    assert not SupplierItem.objects.filter(supplier=world.acme_parts, item=world.screw).exists()


def test_the_settings_are_the_managers(world, as_user):
    data = {"over_receipt_percent": "10", "invoice_tolerance_percent": "2", "invoice_tolerance_amount": "5",
            "default_lead_time_days": "9"}
    as_user(world.buyer).post("/purchasing/settings/", data)
    assert PurchasingSettings.objects.get(company=world.company).default_lead_time_days == 7

    response = as_user(world.purchasing_manager).post("/purchasing/settings/", data)

    assert response.status_code == 302
    assert PurchasingSettings.objects.get(company=world.company).default_lead_time_days == 9


def test_the_supplier_list_exports_what_it_shows(world, as_user):
    response = as_user(world.purchasing_manager).get("/purchasing/suppliers/?export=xlsx&q=S001")

    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Code", "Name", "Short name"]
    assert [r[0] for r in rows[1:]] == ["S001"]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("user_name", ["buyer", "purchasing_manager"])
def test_the_lists_take_the_same_queries_for_few_or_many_rows(world, as_user, user_name):
    user = getattr(world, user_name)
    client = as_user(user)
    warm_permissions(user)
    urls = ["/purchasing/suppliers/", "/purchasing/supplier-items/", f"/purchasing/suppliers/{world.acme_parts.pk}/"]
    few = [queries_for(client, url) for url in urls]
    for n in range(12):
        supplier = services.supplier_create(company=world.company, actor=world.buyer, code=f"X{n:02}", name=f"廠商{n}")
        services.supplier_item_save(supplier=supplier, actor=world.buyer, item=world.screw, unit=world.pcs,
                                    prices=[{"price": D("1")}, {"min_quantity": D("10"), "price": D("0.9")}])
        services.supplier_item_save(supplier=world.acme_parts, actor=world.buyer, item=world.screw,
                                    unit=world.box, prices=[{"price": D(n)}]) if n == 0 else None
    many = [queries_for(client, url) for url in urls]

    assert many == few
