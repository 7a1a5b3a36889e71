"""Sales master-data screens: customers (rep scoping, contacts, credit, history), tax codes, payment terms,
price lists and their prices. Writes go through the services; bad input is shown beside its field and
nothing is saved; every list keeps its number of queries whatever the number of rows."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import get_perms
from openpyxl import load_workbook

from sales.models import Customer, CustomerContact, PaymentTerm, PriceList, PriceListItem, TaxCode
from sales.services import masterdata as services
from sales.services.orders import order_confirm
from tests.conftest import warm_permissions

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sal):
    """The sales world with its users reading the screens in English."""
    for user in (sal.admin, sal.rep, sal.rep2, sal.manager, sal.keeper):
        user.language = "en"
        user.save()
    sal.net30 = services.payment_term_save(company=sal.company, code="NET30", name="月結 30 天", days=30,
                                           end_of_month=True)
    return sal


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def customer_post_data(**overrides):
    data = {
        "code": "C100", "name": "新竹電子", "short_name": "新竹", "tax_id": "04595257", "billing_address": "新竹市",
        "shipping_address": "新竹科學園區", "phone": "03-5555555", "email": "buyer@example.com", "payment_term": "",
        "currency": "TWD", "credit_limit": "500000", "price_list": "", "tax_code": "", "owner": "", "notes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def read_xlsx(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def field_errors(response, form="form"):
    return {name: [str(e) for e in errors] for name, errors in response.context[form].errors.items()}


# Screens render for the right roles ----------------------------------------------------------------


def screen_urls(w):
    return [
        "/sales/customers/",
        "/sales/customers/new/",
        f"/sales/customers/{w.customer.pk}/",
        f"/sales/customers/{w.customer.pk}/edit/",
        "/sales/tax-codes/",
        "/sales/tax-codes/new/",
        f"/sales/tax-codes/{w.vat.pk}/edit/",
        "/sales/payment-terms/",
        "/sales/payment-terms/new/",
        f"/sales/payment-terms/{w.net30.pk}/edit/",
        "/sales/price-lists/",
        "/sales/price-lists/new/",
        f"/sales/price-lists/{w.prices.pk}/",
        f"/sales/price-lists/{w.prices.pk}/edit/",
        f"/sales/price-lists/{w.prices.pk}/prices/",
        "/sales/imports/",
        "/sales/imports/customers/",
        "/sales/imports/prices/",
    ]


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
def test_every_screen_renders_for_a_sales_manager_in_each_language(world, as_user, language):
    world.manager.language = language
    world.manager.save()
    client = as_user(world.manager)

    statuses = {url: client.get(url).status_code for url in screen_urls(world)}

    assert statuses == {url: 200 for url in screen_urls(world)}


def test_a_rep_opens_every_screen_of_their_own_customer_but_not_the_commercial_terms(world, as_user):
    client = as_user(world.rep)
    managers_only = {"/sales/payment-terms/new/", f"/sales/payment-terms/{world.net30.pk}/edit/",
                     "/sales/price-lists/new/", f"/sales/price-lists/{world.prices.pk}/edit/",
                     f"/sales/price-lists/{world.prices.pk}/prices/", "/sales/imports/prices/",
                     "/sales/tax-codes/new/", f"/sales/tax-codes/{world.vat.pk}/edit/"}

    statuses = {url: client.get(url).status_code for url in screen_urls(world)}

    assert statuses == {url: 403 if url in managers_only else 200 for url in screen_urls(world)}


def test_warehouse_and_manager_roles_read_but_cannot_create_or_edit(world, as_user, make_user):
    for user in (world.keeper, make_user("boss2", "Manager", language="en")):
        client = as_user(user)
        assert client.get("/sales/customers/").status_code == 200
        assert client.get(f"/sales/customers/{world.customer.pk}/").status_code == 200
        assert client.get("/sales/price-lists/").status_code == 200
        assert client.get(f"/sales/price-lists/{world.prices.pk}/").status_code == 200
        assert client.get("/sales/tax-codes/").status_code == 200
        assert client.get("/sales/payment-terms/").status_code == 200
        assert client.get("/sales/customers/new/").status_code == 403
        assert client.get(f"/sales/customers/{world.customer.pk}/edit/").status_code == 403
        assert client.post(f"/sales/customers/{world.customer.pk}/contacts/new/",
                           {"contact-name": "王小明"}).status_code == 403
        assert client.get("/sales/tax-codes/new/").status_code == 403
        assert client.get(f"/sales/payment-terms/{world.net30.pk}/edit/").status_code == 403
        assert client.get("/sales/price-lists/new/").status_code == 403
        assert client.get(f"/sales/price-lists/{world.prices.pk}/prices/").status_code == 403
        assert client.get("/sales/imports/customers/").status_code == 403
    assert CustomerContact.objects.count() == 0


def test_anonymous_users_log_in_and_users_without_a_role_get_403(world, client, make_user):
    assert client.get("/sales/customers/")["Location"].startswith("/accounts/login/?next=")
    client.force_login(make_user("nobody"))

    statuses = {url: client.get(url).status_code for url in screen_urls(world)}

    assert statuses == {url: 403 for url in screen_urls(world)}


def test_the_list_hides_what_the_user_may_not_create(world, as_user):
    html = as_user(world.keeper).get("/sales/customers/").content.decode()

    assert "New customer" not in html
    assert 'href="/sales/customers/new/"' not in html


# Rep scoping -----------------------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_customers_and_another_reps_customer_is_404(world, as_user):
    client = as_user(world.rep2)

    listing = client.get("/sales/customers/")
    codes = [c.code for c in listing.context["page"]]

    assert codes == ["C002"]
    assert "C001" not in listing.content.decode()
    assert client.get(f"/sales/customers/{world.customer.pk}/").status_code == 404
    assert client.get(f"/sales/customers/{world.customer.pk}/edit/").status_code == 404
    assert client.post(f"/sales/customers/{world.customer.pk}/edit/",
                       customer_post_data(code="C001", name="搶來的")).status_code == 404
    assert client.post(f"/sales/customers/{world.customer.pk}/contacts/new/",
                       {"contact-name": "王小明"}).status_code == 404
    world.customer.refresh_from_db()
    assert world.customer.name == "大同機械"
    assert CustomerContact.objects.count() == 0


def test_a_reps_export_holds_only_their_customers_and_the_filters_apply(world, as_user):
    services.customer_create(company=world.company, code="C003", name="停用客戶", owner=world.rep2, is_active=False)
    client = as_user(world.rep2)

    everything = read_xlsx(client.get("/sales/customers/?export=xlsx"))
    active = read_xlsx(client.get("/sales/customers/?active=1&export=xlsx"))
    as_csv = list(csv.reader(io.StringIO(client.get("/sales/customers/?q=C003&export=csv").content.decode(
        "utf-8-sig"))))

    assert everything[0][:3] == ["Code", "Name", "Short name"]
    assert [row[0] for row in everything[1:]] == ["C002", "C003"]
    assert [row[0] for row in active[1:]] == ["C002"]
    assert [row[0] for row in as_csv[1:]] == ["C003"]


def test_the_manager_filters_by_rep_search_and_active(world, as_user):
    client = as_user(world.manager)

    by_rep = client.get(f"/sales/customers/?owner={world.rep2.pk}")
    by_tax_id = client.get("/sales/customers/?q=22099131")
    by_name = client.get("/sales/customers/?q=永豐")

    assert [c.code for c in by_rep.context["page"]] == ["C002"]
    assert [c.code for c in by_tax_id.context["page"]] == ["C001"]
    assert [c.code for c in by_name.context["page"]] == ["C002"]


def test_htmx_refreshes_only_the_results(world, as_user):
    response = as_user(world.manager).get("/sales/customers/?q=C001", HTTP_HX_REQUEST="true",
                                          HTTP_HX_TARGET="results")

    html = response.content.decode()
    assert "<html" not in html
    assert 'id="customer-rows"' in html
    assert "C001" in html and "C002" not in html


# Customer forms --------------------------------------------------------------------------------------


def test_a_reps_new_customer_is_their_own(world, as_user):
    client = as_user(world.rep)
    form = client.get("/sales/customers/new/").context["form"]
    assert "owner" not in form.fields

    response = client.post("/sales/customers/new/", customer_post_data(owner=str(world.rep2.pk)))

    customer = Customer.objects.get(code="C100")
    assert response.status_code == 302
    assert response["Location"] == f"/sales/customers/{customer.pk}/"
    assert customer.owner == world.rep
    assert customer.credit_limit is None  # the field is the sales manager's: disabled, the post ignored
    assert customer.tax_id == "04595257"
    assert "serve_customer" in get_perms(world.rep, customer)
    assert as_user(world.rep2).get(f"/sales/customers/{customer.pk}/").status_code == 404


def test_the_sales_manager_gives_a_customer_to_a_rep(world, as_user):
    client = as_user(world.manager)

    response = client.post("/sales/customers/new/", customer_post_data(owner=str(world.rep2.pk)))

    customer = Customer.objects.get(code="C100")
    assert response.status_code == 302
    assert customer.owner == world.rep2
    assert as_user(world.rep2).get(f"/sales/customers/{customer.pk}/").status_code == 200


def test_bad_customer_input_is_shown_beside_the_fields_and_nothing_is_saved(world, as_user):
    client = as_user(world.manager)
    before = Customer.objects.count()

    response = client.post("/sales/customers/new/", customer_post_data(
        code="c001", name="", tax_id="12345679", email="not-an-email", credit_limit="-5"))

    assert response.status_code == 200
    assert field_errors(response) == {
        "code": ["The code C001 is already used."],
        "name": ["This field is required."],
        "tax_id": ["This is not a valid tax id (統一編號): check the digits."],
        "email": ["Enter a valid email address."],
        "credit_limit": ["The credit limit must not be negative."],
    }
    html = response.content.decode()
    assert "This is not a valid tax id (統一編號): check the digits." in html
    assert Customer.objects.count() == before


def test_a_refusal_of_the_service_is_shown_beside_its_field_never_as_a_server_error(world, as_user, monkeypatch):
    from erp.errors import DomainError
    from sales.views import masterdata as views

    def refuse(**kwargs):
        raise DomainError("The credit limit needs a manager.", field="credit_limit")

    monkeypatch.setattr(views.services, "customer_create", refuse)

    response = as_user(world.rep).post("/sales/customers/new/", customer_post_data())

    assert response.status_code == 200
    assert field_errors(response) == {"credit_limit": ["The credit limit needs a manager."]}
    assert Customer.objects.filter(code="C100").exists() is False


def test_field_errors_are_translated_for_a_zh_hant_user(world, as_user):
    world.rep.language = "zh-hant"
    world.rep.save()

    response = as_user(world.rep).post("/sales/customers/new/", customer_post_data(name=""))

    assert field_errors(response)["name"] == ["此為必需欄位。"]
    assert Customer.objects.filter(code="C100").exists() is False


def test_tax_ids_of_taiwan_and_the_prc_are_checked():
    from erp.identifiers import tax_id_error

    assert tax_id_error("04595257") is None  # a valid 統一編號
    assert tax_id_error("22099131") is None
    assert tax_id_error("10458575") is None  # 7th digit 7: the product 28 counts as 1 or 0
    assert tax_id_error("12345678") is not None
    assert tax_id_error("91350100M000100Y43") is None  # a valid 统一社会信用代码
    assert tax_id_error("91350100M000100Y44") is not None
    assert tax_id_error("DE123456789") is None  # a foreign id: characters only
    assert tax_id_error("AB 12") is not None


def test_a_rep_edits_their_customer_and_the_history_shows_the_change(world, as_user):
    client = as_user(world.rep)
    response = client.post(f"/sales/customers/{world.customer.pk}/edit/", customer_post_data(
        code="C001", name="大同機械股份有限公司", tax_id="04595257", is_active="on",
        payment_term=str(world.net30.pk), price_list=str(world.prices.pk), tax_code=str(world.vat.pk)))

    assert response.status_code == 302
    world.customer.refresh_from_db()
    assert world.customer.name == "大同機械股份有限公司"
    # The terms are the sales manager's (shown disabled, the post ignored); a rep cannot hand the
    # customer away, and did not lose it.
    assert (world.customer.payment_term, world.customer.price_list, world.customer.tax_code) == (None, None, None)
    assert world.customer.owner == world.rep
    detail = client.get(f"/sales/customers/{world.customer.pk}/")
    changes = [c for row in detail.context["history"] for c in row["changes"]]
    assert {"field": "name", "old": "大同機械", "new": "大同機械股份有限公司"} in changes


def test_editing_with_a_taken_code_shows_the_error_and_saves_nothing(world, as_user):
    response = as_user(world.manager).post(f"/sales/customers/{world.customer.pk}/edit/", customer_post_data(
        code="C002", name="改名", tax_id="", owner=str(world.rep.pk), is_active="on"))

    assert response.status_code == 200
    assert field_errors(response) == {"code": ["The code C002 is already used."]}
    world.customer.refresh_from_db()
    assert (world.customer.code, world.customer.name) == ("C001", "大同機械")


# Customer detail: contacts, credit, documents ----------------------------------------------------


def test_contacts_are_added_and_edited_inline(world, as_user):
    client = as_user(world.rep)
    url = f"/sales/customers/{world.customer.pk}/contacts/new/"

    added = client.post(url, {"contact-name": "王採購", "contact-title": "採購經理",
                              "contact-email": "wang@example.com", "contact-is_primary": "on"})
    contact = CustomerContact.objects.get(customer=world.customer)
    edited = client.post(f"/sales/customers/{world.customer.pk}/contacts/{contact.pk}/edit/",
                         {"contact-name": "王大明", "contact-phone": "02-1234", "contact-is_primary": "on"},
                         HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contacts")

    assert added.status_code == 302
    assert edited.status_code == 200
    assert "<html" not in edited.content.decode() and "王大明" in edited.content.decode()
    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.is_primary) == ("王大明", "02-1234", True)


def test_a_bad_contact_shows_its_errors_and_saves_nothing(world, as_user):
    response = as_user(world.rep).post(f"/sales/customers/{world.customer.pk}/contacts/new/",
                                       {"contact-name": "", "contact-email": "nope"})

    assert response.status_code == 200
    assert field_errors(response, "contact_form") == {"name": ["This field is required."],
                                                       "email": ["Enter a valid email address."]}
    assert CustomerContact.objects.count() == 0


def test_another_customers_contact_is_404(world, as_user):
    other = services.contact_save(customer=world.other_customer, name="別人的聯絡人")

    response = as_user(world.manager).get(f"/sales/customers/{world.customer.pk}/contacts/{other.pk}/edit/")

    assert response.status_code == 404


def test_the_detail_shows_credit_exposure_and_the_recent_documents(world, as_user):
    world.receive(world.widget, 30)
    order = world.order([{"item": world.widget, "quantity": D("20")}])  # 2,000 + 5 % tax
    order_confirm(order=order, actor=world.rep)
    services.customer_update(customer=world.customer, credit_limit=D("1000"))  # lowered since

    response = as_user(world.rep).get(f"/sales/customers/{world.customer.pk}/")

    assert response.context["exposure"] == D("2100.00")
    assert response.context["available_credit"] == D("-1100.00")
    assert response.context["over_limit"] is True
    assert [o.pk for o in response.context["orders"]] == [order.pk]
    html = response.content.decode()
    assert "2,100.00" in html
    assert "The customer is above its credit limit" in html
    assert order.number in html


# Tax codes and payment terms ---------------------------------------------------------------------


def test_tax_codes_are_created_and_edited_through_the_service(world, as_user):
    client = as_user(world.manager)

    created = client.post("/sales/tax-codes/new/", {"code": "zero", "name": "零稅率", "rate": "0"})
    zero = TaxCode.objects.get(code="ZERO")
    edited = client.post(f"/sales/tax-codes/{zero.pk}/edit/", {"code": "ZERO", "name": "零稅率", "rate": "0",
                                                                "is_default": "on", "is_active": "on"})

    assert created.status_code == 302 and created["Location"] == "/sales/tax-codes/"
    assert edited.status_code == 302
    world.vat.refresh_from_db()
    zero.refresh_from_db()
    assert (zero.is_default, world.vat.is_default) == (True, False)  # the service keeps one default


def test_a_bad_tax_code_shows_errors_beside_the_fields_and_saves_nothing(world, as_user):
    response = as_user(world.manager).post("/sales/tax-codes/new/", {"code": "VAT5", "name": "", "rate": "150"})

    assert response.status_code == 200
    assert field_errors(response) == {
        "code": ["The code VAT5 is already used."],
        "name": ["This field is required."],
        "rate": ["Ensure this value is less than or equal to 100."],
    }
    assert 'id="tax-code-rows"' in response.content.decode()  # the list stays on the page
    assert TaxCode.objects.count() == 1


def test_payment_terms_are_created_and_bad_ones_refused(world, as_user):
    client = as_user(world.manager)

    created = client.post("/sales/payment-terms/new/", {"code": "NET60", "name": "月結 60 天", "days": "60",
                                                         "end_of_month": "on"})
    refused = client.post(f"/sales/payment-terms/{world.net30.pk}/edit/", {"code": "NET30", "name": "x",
                                                                            "days": "-1", "is_active": "on"})

    assert created.status_code == 302
    assert PaymentTerm.objects.get(code="NET60").days == 60
    assert refused.status_code == 200
    assert field_errors(refused) == {"days": ["Ensure this value is greater than or equal to 0."]}
    world.net30.refresh_from_db()
    assert (world.net30.name, world.net30.days) == ("月結 30 天", 30)


# Price lists -----------------------------------------------------------------------------------------


def test_a_price_list_is_created_and_bad_dates_are_refused(world, as_user):
    client = as_user(world.manager)

    refused = client.post("/sales/price-lists/new/", {"code": "VIP", "name": "VIP 價", "currency": "TWD",
                                                       "valid_from": "2026-12-31", "valid_to": "2026-01-01"})
    created = client.post("/sales/price-lists/new/", {"code": "VIP", "name": "VIP 價", "currency": "TWD",
                                                       "valid_from": "2026-01-01"})

    assert refused.status_code == 200
    assert field_errors(refused) == {"valid_to": ["The end date is before the start date."]}
    vip = PriceList.objects.get(code="VIP")
    assert created["Location"] == f"/sales/price-lists/{vip.pk}/"
    assert vip.is_default is False and str(vip.valid_from) == "2026-01-01"


def test_the_price_list_page_shows_its_prices(world, as_user):
    response = as_user(world.rep).get(f"/sales/price-lists/{world.prices.pk}/")

    rows = [(p.item.code, p.unit.code, p.min_quantity, p.price) for p in response.context["page"]]
    assert rows == [("MOT-1", "PCS", D("0"), D("800")), ("PMP-1", "PCS", D("0"), D("2500")),
                    ("WID-1", "PCS", D("0"), D("100")), ("WID-1", "PCS", D("100"), D("90"))]


def test_the_prices_export_with_the_filter(world, as_user):
    odd = services.price_list_save(company=world.company, code="EXP/2026", name="外銷", prices=[
        {"item": world.widget, "unit": world.pcs, "price": D("3.5")},
        {"item": world.pump, "unit": world.pcs, "price": D("70")}])

    response = as_user(world.manager).get(f"/sales/price-lists/{odd.pk}/?q=PMP&export=xlsx")

    assert read_xlsx(response) == [
        ["Item code", "Item name", "Unit", "From quantity", "Unit price", "Valid from", "Valid to"],
        ["PMP-1", "油壓泵", "PCS", 0, 70, None, None]]


def price_formset_data(rows, initial=0):
    data = {"prices-TOTAL_FORMS": str(len(rows)), "prices-INITIAL_FORMS": str(initial),
            "prices-MIN_NUM_FORMS": "0", "prices-MAX_NUM_FORMS": "5000"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"prices-{index}-{key}"] = value
    return data


def current_rows(world):
    return [{"item": "MOT-1", "unit": "PCS", "min_quantity": "0", "price": "800"},
            {"item": "PMP-1", "unit": "PCS", "min_quantity": "0", "price": "2500"},
            {"item": "WID-1", "unit": "PCS", "min_quantity": "0", "price": "100"},
            {"item": "WID-1", "unit": "PCS", "min_quantity": "100", "price": "90"}]


def test_the_prices_page_starts_with_the_current_prices(world, as_user):
    formset = as_user(world.manager).get(f"/sales/price-lists/{world.prices.pk}/prices/").context["formset"]

    assert [(f.initial["item"], f.initial["unit"], f.initial["min_quantity"], f.initial["price"])
            for f in formset.initial_forms] == [("MOT-1", "PCS", "0", "800"), ("PMP-1", "PCS", "0", "2500"),
                                                ("WID-1", "PCS", "0", "100"), ("WID-1", "PCS", "100", "90")]
    assert len(formset.forms) == 4 + 5


def test_saving_the_prices_replaces_them_through_the_service(world, as_user):
    rows = current_rows(world)
    rows[0]["DELETE"] = "on"  # MOT-1 removed
    rows[2]["price"] = "105"  # WID-1 dearer
    rows.append({"item": "wid-1", "unit": "BOX", "min_quantity": "", "price": "1150", "valid_from": "2026-01-01"})
    rows.append({"item": "", "unit": "", "min_quantity": "", "price": ""})  # an empty new row is ignored

    response = as_user(world.manager).post(f"/sales/price-lists/{world.prices.pk}/prices/",
                                           price_formset_data(rows, initial=4))

    assert response.status_code == 302
    prices = sorted((p.item.code, p.unit.code, p.min_quantity, p.price, str(p.valid_from))
                    for p in PriceListItem.objects.filter(price_list=world.prices))
    assert prices == [("PMP-1", "PCS", D("0"), D("2500"), "None"), ("WID-1", "BOX", D("0"), D("1150"), "2026-01-01"),
                      ("WID-1", "PCS", D("0"), D("105"), "None"), ("WID-1", "PCS", D("100"), D("90"), "None")]


def test_bad_prices_are_shown_beside_their_fields_and_nothing_changes(world, as_user):
    rows = current_rows(world)
    rows.append({"item": "NOPE", "unit": "PCS", "price": "1"})
    rows.append({"item": "MOT-1", "unit": "BOX", "price": "1"})  # the motor has no boxes
    rows.append({"item": "PMP-1", "unit": "PCS", "price": "-3"})
    rows.append({"item": "WID-1", "unit": "PCS", "min_quantity": "100", "price": "80"})  # the same break twice
    rows.append({"item": "PMP-1", "unit": "PCS", "min_quantity": "5", "price": "1", "valid_from": "2026-02-01",
                 "valid_to": "2026-01-01"})
    before = list(PriceListItem.objects.order_by("pk").values_list("pk", "price"))

    response = as_user(world.manager).post(f"/sales/price-lists/{world.prices.pk}/prices/",
                                           price_formset_data(rows, initial=4))

    assert response.status_code == 200
    errors = [{k: [str(e) for e in v] for k, v in form.errors.items()} for form in response.context["formset"]]
    assert errors == [{}, {}, {}, {},
                      {"item": ["No item has this code."]},
                      {"unit": ["MOT-1 has no unit BOX."]},
                      {"price": ["Ensure this value is greater than or equal to 0."]},
                      {"min_quantity": ["The same item, unit, quantity break and start date appear twice."]},
                      {"valid_to": ["The end date is before the start date."]}]
    html = response.content.decode()
    assert "MOT-1 has no unit BOX." in html
    assert list(PriceListItem.objects.order_by("pk").values_list("pk", "price")) == before


# Query counts: the lists do not grow with their rows -------------------------------------------------


def make_customers(world, count, start, owner):
    for n in range(start, start + count):
        customer = services.customer_create(company=world.company, code=f"Q{n:04d}", name=f"客戶 {n}", owner=owner,
                                            payment_term=world.net30, price_list=world.prices, tax_code=world.vat)
        services.contact_save(customer=customer, name=f"聯絡人 {n}")


@pytest.mark.parametrize("user_name", ["manager", "rep"])
def test_the_customer_list_takes_the_same_queries_for_few_or_many_customers(world, as_user, user_name):
    user = getattr(world, user_name)
    client = as_user(user)
    warm_permissions(user)
    make_customers(world, 3, 0, world.rep)
    few = queries_for(client, "/sales/customers/")
    make_customers(world, 20, 100, world.rep)
    many = queries_for(client, "/sales/customers/")

    assert many == few
    assert len(client.get("/sales/customers/").context["page"]) == (25 if user_name == "manager" else 24)


def test_the_tax_code_payment_term_and_price_list_lists_take_fixed_queries(world, as_user):
    client = as_user(world.manager)
    warm_permissions(world.manager)
    urls = ["/sales/tax-codes/", "/sales/payment-terms/", "/sales/price-lists/"]
    few = [queries_for(client, url) for url in urls]
    for n in range(30):
        services.tax_code_save(company=world.company, code=f"T{n}", name=f"稅 {n}", rate=D("5"))
        services.payment_term_save(company=world.company, code=f"P{n}", name=f"條件 {n}", days=n)
        services.price_list_save(company=world.company, code=f"L{n}", name=f"價目 {n}",
                                 prices=[{"item": world.widget, "unit": world.pcs, "price": D(n)}])
    many = [queries_for(client, url) for url in urls]

    assert many == few


def test_the_price_list_page_takes_fixed_queries(world, as_user):
    client = as_user(world.manager)
    warm_permissions(world.manager)
    url = f"/sales/price-lists/{world.prices.pk}/"
    few = queries_for(client, url)
    services.price_list_save(company=world.company, price_list=world.prices, prices=[
        {"item": world.widget, "unit": world.pcs, "price": D(100 - n), "min_quantity": D(n)} for n in range(60)])
    many = queries_for(client, url)

    assert many == few


def test_the_customer_page_takes_fixed_queries(world, as_user):
    client = as_user(world.rep)
    warm_permissions(world.rep)
    url = f"/sales/customers/{world.customer.pk}/"
    few = queries_for(client, url)
    for n in range(8):
        services.contact_save(customer=world.customer, name=f"聯絡人 {n}")
        world.order([{"item": world.widget, "quantity": D("1")}])
    many = queries_for(client, url)

    assert many == few
