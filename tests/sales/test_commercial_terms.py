"""The commercial terms are the sales manager's (``sales.manage_commercial_terms``): a customer's credit
limit, price list, payment term and rep, a document's rep and terms, price lists (and their import)
and payment terms. A rep's attempt is refused alike on the API (403 naming the field), the screens
(403, or the field shown disabled) and the imports, and nothing changes; the same value sent back is
not a change; the manager may."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from sales.errors import CommercialTermsRefused
from sales.models import Customer, PaymentTerm, PriceList, PriceListItem, Quotation, SalesOrder, TaxCode
from sales.services import masterdata as services
from tests.sales.test_imports import CUSTOMER_HEADERS, csv_bytes
from tests.sales.test_screens_masterdata import current_rows, price_formset_data

D = Decimal
URL = "/api/sales/"
pytestmark = pytest.mark.django_db
REFUSED = {
    "credit_limit": "Only a sales manager may change the credit limit.",
    "price_list": "Only a sales manager may change the price list.",
    "payment_term": "Only a sales manager may change the payment terms.",
    "tax_code": "Only a sales manager may change the tax code.",
    "owner": "Only a sales manager may change the sales rep.",
    "sales_rep": "Only a sales manager may change the sales rep.",
}


@pytest.fixture
def world(sal):
    for user in (sal.rep, sal.rep2, sal.manager):
        user.language = "en"
        user.save()
    sal.net30 = services.payment_term_save(company=sal.company, code="NET30", name="月結 30 天", days=30)
    sal.cheap = services.price_list_save(company=sal.company, code="CHEAP", name="特價",
                                         prices=[{"item": sal.widget, "unit": sal.pcs, "price": D("1")}])
    services.customer_update(customer=sal.customer, credit_limit=D("1000"))
    sal.zero = services.tax_code_save(company=sal.company, code="ZERO", name="零稅率", rate=D("0"))
    return sal


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def as_user(api, user):
    api.force_authenticate(user)
    return api


def terms(customer):
    customer = Customer.objects.get(pk=customer.pk)
    return customer.credit_limit, customer.price_list_id, customer.payment_term_id, customer.owner_id


def order_body(**header):
    return {"customer": "C001", **header, "lines": [{"item": "WID-1", "quantity": "20", "unit": "PCS"}]}


def test_the_sales_manager_role_holds_the_permission_and_the_sales_role_not(world):
    holders = set(Group.objects.filter(permissions__codename="manage_commercial_terms").values_list("name", flat=True))

    assert {"Sales manager", "System admin"} <= holders
    assert "Sales" not in holders
    assert (world.manager.has_perm("sales.manage_commercial_terms"),
            world.rep.has_perm("sales.manage_commercial_terms")) == (True, False)


# Customers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("credit_limit", "999999999"), ("credit_limit", None), ("price_list", "CHEAP"), ("payment_term", "NET30"),
    ("owner", "rep2"), ("tax_code", "ZERO"),
])
def test_a_rep_may_not_change_a_customers_terms_through_the_api(api, world, field, value):
    before = terms(world.customer), Customer.objects.get(pk=world.customer.pk).tax_code_id

    response = as_user(api, world.rep).patch(URL + f"customers/{world.customer.pk}/", {field: value, "name": "x"},
                                             format="json")

    assert response.status_code == 403
    assert response.json()[field] == [REFUSED[field]]
    assert (terms(world.customer), Customer.objects.get(pk=world.customer.pk).tax_code_id) == before
    assert Customer.objects.get(pk=world.customer.pk).name == "大同機械"


def test_a_rep_puts_back_a_whole_customer_with_its_terms_unchanged(api, world):
    world.customer.price_list, world.customer.payment_term = world.cheap, world.net30
    world.customer.save()
    client = as_user(api, world.rep)
    body = client.get(URL + f"customers/{world.customer.pk}/").json()
    body.update(name="大同機械股份有限公司", credit_limit="1000")  # the same limit, written differently

    response = client.put(URL + f"customers/{world.customer.pk}/", body, format="json")

    assert response.status_code == 200, response.json()
    assert Customer.objects.get(pk=world.customer.pk).name == "大同機械股份有限公司"
    assert terms(world.customer) == (D("1000.00"), world.cheap.pk, world.net30.pk, world.rep.pk)


def test_a_manager_changes_a_customers_terms_through_the_api(api, world):
    response = as_user(api, world.manager).patch(URL + f"customers/{world.customer.pk}/", {
        "credit_limit": "5000", "price_list": "CHEAP", "payment_term": "NET30", "owner": "rep2"}, format="json")

    assert response.status_code == 200, response.json()
    assert terms(world.customer) == (D("5000.00"), world.cheap.pk, world.net30.pk, world.rep2.pk)


@pytest.mark.parametrize(("field", "value"), [
    ("credit_limit", "50000"), ("price_list", "CHEAP"), ("payment_term", "NET30"), ("owner", "rep2"),
    ("tax_code", "ZERO"),
])
def test_a_rep_creates_customers_on_the_default_terms_only(api, world, field, value):
    client = as_user(api, world.rep)

    refused = client.post(URL + "customers/", {"code": "C010", "name": "新竹電子", field: value}, format="json")
    created = client.post(URL + "customers/", {"code": "C011", "name": "新竹電子", "owner": "rep",
                                               "credit_limit": None, "price_list": None}, format="json")

    assert (refused.status_code, refused.json()[field]) == (403, [REFUSED[field]])
    assert not Customer.objects.filter(code="C010").exists()
    assert created.status_code == 201, created.json()
    customer = Customer.objects.get(code="C011")
    assert (customer.credit_limit, customer.price_list, customer.payment_term, customer.owner) == (
        None, None, None, world.rep)


def test_the_credit_refusal_holds_after_the_reps_attempt_to_raise_the_limit(api, world):
    client = as_user(api, world.rep)

    raised = client.patch(URL + f"customers/{world.customer.pk}/", {"credit_limit": "999999999"}, format="json")
    order_id = client.post(URL + "orders/", order_body(), format="json").json()["id"]
    confirmed = client.post(URL + f"orders/{order_id}/confirm/")

    assert raised.status_code == 403
    assert confirmed.status_code == 409
    assert SalesOrder.objects.get(pk=order_id).status == "draft"


def test_the_customer_form_shows_the_terms_disabled_to_a_rep_and_ignores_them(client, world):
    client.force_login(world.rep)
    url = f"/sales/customers/{world.customer.pk}/edit/"

    form = client.get(url).context["form"]
    response = client.post(url, {
        "code": "C001", "name": "大同機械公司", "currency": "TWD", "credit_limit": "999999999",
        "price_list": world.cheap.pk, "payment_term": world.net30.pk, "owner": world.rep2.pk, "is_active": "on"})

    assert [name for name in ("credit_limit", "price_list", "payment_term") if form.fields[name].disabled] == [
        "credit_limit", "price_list", "payment_term"]
    assert "owner" not in form.fields
    assert response.status_code == 302
    assert Customer.objects.get(pk=world.customer.pk).name == "大同機械公司"
    assert terms(world.customer) == (D("1000.00"), None, None, world.rep.pk)


def test_the_customer_form_lets_the_manager_change_the_terms(client, world):
    client.force_login(world.manager)

    response = client.post(f"/sales/customers/{world.customer.pk}/edit/", {
        "code": "C001", "name": "大同機械", "currency": "TWD", "credit_limit": "2000", "price_list": world.cheap.pk,
        "payment_term": world.net30.pk, "owner": world.rep2.pk, "is_active": "on"})

    assert response.status_code == 302
    assert terms(world.customer) == (D("2000.00"), world.cheap.pk, world.net30.pk, world.rep2.pk)


def test_the_service_refuses_a_rep_whatever_the_caller(world):
    with pytest.raises(CommercialTermsRefused) as refused:
        services.customer_update(customer=world.customer, actor=world.rep, credit_limit=D("999999999"))
    with pytest.raises(CommercialTermsRefused):
        services.customer_create(company=world.company, actor=world.rep, code="C020", name="x",
                                 payment_term=world.net30)

    assert (refused.value.field, refused.value.http_status) == ("credit_limit", 403)
    assert terms(world.customer) == (D("1000.00"), None, None, world.rep.pk)
    assert not Customer.objects.filter(code="C020").exists()


def test_a_rep_imports_customers_without_terms(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.rep)
    row = ["K001", "客戶 1", "", "", "", "", "", "", "NET30", "50000", "CHEAP", "", ""]

    preview = client.post("/sales/imports/customers/",
                          {"file": SimpleUploadedFile("c.csv", csv_bytes([CUSTOMER_HEADERS, row]))})
    result = client.get(preview["Location"]).context["result"]
    client.post(preview["Location"] + "commit/")

    assert [(e.column, str(e)) for e in result.errors] == [
        ("credit_limit", "Row 2, column credit_limit: only a sales manager may set the credit limit."),
        ("payment_term", "Row 2, column payment_term: only a sales manager may set the payment terms."),
        ("price_list", "Row 2, column price_list: only a sales manager may set the price list."),
    ]
    assert not Customer.objects.filter(code="K001").exists()


# Price lists and payment terms -------------------------------------------------------------------


def price_state(world):
    price_list = PriceList.objects.get(pk=world.prices.pk)
    return (price_list.name, price_list.is_default,
            sorted(PriceListItem.objects.filter(price_list=price_list).values_list("item__code", "price")))


def test_a_rep_may_not_write_price_lists_through_the_api(api, world):
    before = price_state(world)
    client = as_user(api, world.rep)

    renamed = client.patch(URL + f"price-lists/{world.prices.pk}/", {"name": "x"}, format="json")
    repriced = client.patch(URL + f"price-lists/{world.prices.pk}/", {"prices": [
        {"item": "WID-1", "price": "1"}]}, format="json")
    created = client.post(URL + "price-lists/", {"code": "MINE", "name": "x", "is_default": True}, format="json")
    readable = client.get(URL + f"price-lists/{world.prices.pk}/")

    assert (renamed.status_code, repriced.status_code, created.status_code) == (403, 403, 403)
    assert renamed.json()["detail"] == "Only a sales manager may change price lists."
    assert readable.status_code == 200
    assert price_state(world) == before
    assert not PriceList.objects.filter(code="MINE").exists()


def test_a_manager_writes_price_lists_through_the_api(api, world):
    client = as_user(api, world.manager)

    renamed = client.patch(URL + f"price-lists/{world.prices.pk}/", {"name": "標準價 2027"}, format="json")
    created = client.post(URL + "price-lists/", {"code": "VIP", "name": "VIP"}, format="json")

    assert (renamed.status_code, created.status_code) == (200, 201)
    assert PriceList.objects.get(pk=world.prices.pk).name == "標準價 2027"


def test_a_rep_may_not_open_or_post_the_price_list_and_payment_term_screens(client, world):
    before = price_state(world)
    client.force_login(world.rep)
    edit, prices = f"/sales/price-lists/{world.prices.pk}/edit/", f"/sales/price-lists/{world.prices.pk}/prices/"
    rows = current_rows(world)
    rows[2]["price"] = "1"
    detail = client.get(f"/sales/price-lists/{world.prices.pk}/")

    statuses = [
        client.get(edit).status_code,
        client.post(edit, {"code": "STD", "name": "x", "currency": "TWD", "is_active": "on"}).status_code,
        client.get(prices).status_code,
        client.post(prices, price_formset_data(rows, initial=4)).status_code,
        client.get("/sales/price-lists/new/").status_code,
        client.get("/sales/imports/prices/").status_code,
        client.post("/sales/imports/prices/", {"file": SimpleUploadedFile("p.csv", csv_bytes([
            ["price_list", "item", "unit", "price"], ["STD", "WID-1", "PCS", "1"]]))}).status_code,
        client.get("/sales/payment-terms/new/").status_code,
        client.post(f"/sales/payment-terms/{world.net30.pk}/edit/", {"code": "NET30", "name": "x", "days": "90",
                                                                      "is_active": "on"}).status_code,
        client.get("/sales/tax-codes/new/").status_code,
        client.post(f"/sales/tax-codes/{world.zero.pk}/edit/", {"code": "ZERO", "name": "x", "rate": "5",
                                                                 "is_active": "on"}).status_code,
    ]
    tax_list = client.get("/sales/tax-codes/")

    assert statuses == [403] * 11
    assert tax_list.status_code == 200 and f"/sales/tax-codes/{world.zero.pk}/edit/".encode() not in tax_list.content
    assert TaxCode.objects.get(pk=world.zero.pk).rate == 0
    assert detail.status_code == 200
    assert edit.encode() not in detail.content
    assert price_state(world) == before
    assert PaymentTerm.objects.get(pk=world.net30.pk).days == 30
    with pytest.raises(CommercialTermsRefused):
        services.price_list_set_prices(price_list=world.prices, prices=[], actor=world.rep)
    with pytest.raises(CommercialTermsRefused):
        services.payment_term_save(company=world.company, actor=world.rep, code="NET90", name="x", days=90)
    with pytest.raises(CommercialTermsRefused):
        services.tax_code_save(company=world.company, tax_code=world.zero, actor=world.rep, rate=D("5"))


def test_the_manager_opens_and_posts_the_price_list_and_payment_term_screens(client, world):
    client.force_login(world.manager)
    rows = current_rows(world)
    rows[2]["price"] = "105"

    assert client.get(f"/sales/price-lists/{world.prices.pk}/edit/").status_code == 200
    assert client.post(f"/sales/price-lists/{world.prices.pk}/prices/",
                       price_formset_data(rows, initial=4)).status_code == 302
    assert client.get("/sales/imports/prices/").status_code == 200
    assert client.post(f"/sales/payment-terms/{world.net30.pk}/edit/", {
        "code": "NET30", "name": "月結 30 天", "days": "45", "is_active": "on"}).status_code == 302
    assert PriceListItem.objects.get(price_list=world.prices, item=world.widget, min_quantity=0).price == D("105")
    assert PaymentTerm.objects.get(pk=world.net30.pk).days == 45


# Orders and quotations -----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field", "value"), [
    ("orders", "sales_rep", "rep2"), ("orders", "payment_term", "NET30"), ("quotations", "sales_rep", "rep2"),
])
def test_a_rep_may_not_name_another_rep_or_other_terms_on_a_document(api, world, kind, field, value):
    response = as_user(api, world.rep).post(URL + f"{kind}/", order_body(**{field: value}), format="json")

    assert (response.status_code, response.json()[field]) == (403, [REFUSED[field]])
    assert not SalesOrder.objects.exists() and not Quotation.objects.exists()


def test_a_reps_order_is_theirs_and_keeps_its_rep_and_terms(api, world):
    client = as_user(api, world.rep)

    created = client.post(URL + "orders/", order_body(sales_rep="rep"), format="json")
    order_id = created.json()["id"]
    handed_over = client.patch(URL + f"orders/{order_id}/", {"sales_rep": "rep2"}, format="json")
    put_back = client.patch(URL + f"orders/{order_id}/", {"sales_rep": "rep", "notes": "急件"}, format="json")

    assert (created.status_code, created.json()["sales_rep"]) == (201, "rep")
    assert handed_over.status_code == 403
    assert put_back.status_code == 200, put_back.json()
    order = SalesOrder.objects.get(pk=order_id)
    assert (order.sales_rep, order.notes) == (world.rep, "急件")


def test_a_manager_names_the_rep_and_terms_of_an_order(api, world):
    response = as_user(api, world.manager).post(URL + "orders/", order_body(sales_rep="rep2", payment_term="NET30"),
                                                format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["sales_rep"], response.json()["payment_term"]) == ("rep2", "NET30")


def test_the_order_form_offers_no_rep_or_terms_to_a_rep(client, world):
    client.force_login(world.rep)

    form = client.get("/sales/orders/new/").context["form"]

    assert "sales_rep" not in form.fields and "payment_term" not in form.fields
