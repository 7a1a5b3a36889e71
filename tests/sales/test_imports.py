"""Imports of customers and prices: upload, preview with row errors, commit all or nothing."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from guardian.shortcuts import get_perms
from openpyxl import load_workbook

from erp import imports
from sales.imports import CUSTOMERS, PRICES
from sales.models import Customer, PriceListItem
from sales.services import masterdata as services
from tests.conftest import warm_permissions
from tests.files import csv_bytes, xlsx_bytes

D = Decimal
pytestmark = pytest.mark.django_db

CUSTOMER_HEADERS = ["code", "name", "short_name", "tax_id", "billing_address", "shipping_address", "phone", "email",
                    "payment_term", "credit_limit", "price_list", "tax_code", "owner"]
PRICE_HEADERS = ["price_list", "item", "unit", "min_quantity", "price", "valid_from", "valid_to"]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(sal):
    for user in (sal.rep, sal.rep2, sal.manager, sal.keeper):
        user.language = "en"
        user.save()
    sal.net30 = services.payment_term_save(company=sal.company, code="NET30", name="月結 30 天", days=30)
    return sal


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def upload(client, segment, data, name):
    return client.post(f"/sales/imports/{segment}/", {"file": SimpleUploadedFile(name, data)})


def customer_rows(count=9):
    rows = [CUSTOMER_HEADERS]
    for n in range(count):
        rows.append([f"K{n:03d}", f"客戶 {n}", "", "", "台北市", "", "", "", "", "", "", "", ""])
    return rows


def summary(result):
    return [(e.row, e.column, str(e)) for e in result.errors]


# Customers ---------------------------------------------------------------------------------------


def test_a_good_customer_file_is_previewed_and_imported_through_the_service(world, as_user):
    rows = [CUSTOMER_HEADERS,
            ["C101", "新竹電子", "新竹", "04595257", "新竹市東區", "新竹科學園區", "03-5555555", "buyer@example.com",
             "net30", 500000, "STD", "VAT5", "rep"],
            ["C102", "台南精機", "", "", "", "", "", "", "", "", "", "", "rep2"],
            ["C103", "高雄鋼鐵", "高鋼", "22099131", "", "", "", "", "", "", "", "", ""]]
    client = as_user(world.manager)

    response = upload(client, "customers", xlsx_bytes(rows), "customers.xlsx")
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.context["result"].ok is True
    assert 'id="import-ready"' in preview.content.decode()
    done = client.post(response["Location"] + "commit/")

    assert done.status_code == 302 and done["Location"] == "/sales/imports/customers/"
    assert "3 customers imported." in client.get(done["Location"]).content.decode()
    c101 = Customer.objects.get(code="C101")
    assert (c101.name, c101.short_name, c101.tax_id, c101.email, c101.credit_limit, c101.currency) == (
        "新竹電子", "新竹", "04595257", "buyer@example.com", D("500000"), "TWD")
    assert (c101.payment_term, c101.price_list, c101.tax_code, c101.owner) == (
        world.net30, world.prices, world.vat, world.rep)
    assert "serve_customer" in get_perms(world.rep, c101)
    assert Customer.objects.get(code="C102").owner == world.rep2
    assert Customer.objects.get(code="C103").owner is None
    assert client.get(response["Location"]).status_code == 302  # the upload is gone once imported


def test_a_customer_file_with_three_bad_rows_reports_exactly_those_rows_and_imports_nothing(world, as_user):
    rows = customer_rows(9)
    rows[3][8] = "NET99"  # sheet row 4: unknown payment term
    rows[6][0] = "K000"  # sheet row 7: the code of row 2 again
    rows[9][3] = "12345679"  # sheet row 10: a tax id with a wrong check digit
    client = as_user(world.manager)
    before = Customer.objects.count()

    response = upload(client, "customers", xlsx_bytes(rows), "customers.xlsx")
    preview = client.get(response["Location"])

    result = preview.context["result"]
    assert len(result.rows) == 9
    assert summary(result) == [
        (4, "payment_term", "Row 4, column payment_term: payment term “NET99” does not exist."),
        (7, "code", "Row 7, column code: code “K000” already appears in row 2."),
        (10, "tax_id", "Row 10, column tax_id: This is not a valid tax id (統一編號): check the digits."),
    ]
    html = preview.content.decode()
    assert "3 rows have errors." in html
    assert "Row 4, column payment_term: payment term “NET99” does not exist." in html
    assert 'id="import-ready"' not in html

    refused = client.post(response["Location"] + "commit/")
    assert refused.status_code == 302
    assert refused["Location"] == response["Location"] + "?show=errors"
    assert Customer.objects.count() == before


def test_customer_rows_that_clash_with_the_database_are_errors(world, as_user):
    services.payment_term_save(company=world.company, code="OLD", name="舊條件", is_active=False)
    rows = [CUSTOMER_HEADERS,
            ["C001", "已存在", "", "", "", "", "", "", "", "", "", "", ""],
            ["C200", "", "", "", "", "", "", "mail@", "OLD", -1, "NOPE", "", "ghost"]]

    with translation.override("en"):  # the manager's language, as their request would have it
        result = imports.validate(CUSTOMERS,
                                  imports.read_table(csv_bytes(rows), "c.csv", CUSTOMERS),
                                  company=world.company, user=world.manager)

        assert summary(result) == [
            (2, "code", "Row 2, column code: customer “C001” already exists."),
            (3, "name", "Row 3, column name: a value is required."),
            (3, "email", "Row 3, column email: “mail@” is not an e-mail address."),
            (3, "credit_limit", "Row 3, column credit_limit: must not be negative (got -1)."),
            (3, "payment_term", "Row 3, column payment_term: payment term “OLD” is inactive."),
            (3, "price_list", "Row 3, column price_list: price list “NOPE” does not exist."),
            (3, "owner", "Row 3, column owner: user “ghost” does not exist in your company or is inactive."),
        ]


def test_a_rep_imports_customers_of_their_own_and_may_not_name_another_rep(world, as_user):
    client = as_user(world.rep)
    rows = customer_rows(2)
    rows[2][12] = "rep2"

    response = upload(client, "customers", csv_bytes(rows), "customers.csv")
    result = client.get(response["Location"]).context["result"]
    assert summary(result) == [
        (3, "owner", "Row 3, column owner: only a sales manager may give a customer to another sales rep.")]

    rows[2][12] = "rep"
    response = upload(client, "customers", csv_bytes(rows), "customers.csv")
    client.post(response["Location"] + "commit/")

    assert set(Customer.objects.filter(code__in=["K000", "K001"]).values_list("owner__username", flat=True)) == {"rep"}


def test_zh_hant_headers_are_understood(world, as_user):
    rows = [["客戶代號", "客戶名稱", "統一編號", "信用額度", "業務"],
            ["c300", "台中機械", "04595257", "1,000.50", "rep"]]
    client = as_user(world.manager)

    response = upload(client, "customers", csv_bytes(rows), "客戶.csv")
    client.post(response["Location"] + "commit/")

    customer = Customer.objects.get(code="C300")
    assert (customer.name, customer.tax_id, customer.credit_limit, customer.owner) == (
        "台中機械", "04595257", D("1000.50"), world.rep)


def test_validating_customers_takes_the_same_queries_for_10_or_300_rows(world):
    counts = []
    for size in (10, 300):
        rows = customer_rows(size)
        for row in rows[1:]:
            row[8], row[10], row[11], row[12] = "NET30", "STD", "VAT5", "rep"
        table = imports.read_table(xlsx_bytes(rows), "c.xlsx", CUSTOMERS)
        manager = type(world.manager).objects.get(pk=world.manager.pk)
        warm_permissions(manager)
        with CaptureQueriesContext(connection) as queries:
            result = imports.validate(CUSTOMERS, table, company=world.company, user=manager)
        assert result.ok is True
        counts.append(len(queries))

    assert counts[0] == counts[1]


# Prices ------------------------------------------------------------------------------------------


def test_a_good_price_file_adds_and_replaces_prices_and_keeps_the_others(world, as_user):
    rows = [PRICE_HEADERS,
            ["STD", "WID-1", "PCS", "", "95", "", ""],  # replaces 100
            ["std", "wid-1", "box", "0", "1100", "2026-01-01", "2026/12/31"],
            ["STD", "PMP-1", "PCS", "10", "2400.5", "", ""]]
    client = as_user(world.manager)

    response = upload(client, "prices", csv_bytes(rows), "prices.csv")
    preview = client.get(response["Location"])
    assert preview.context["result"].ok is True
    assert "Replaces the current price 100." in preview.content.decode()
    done = client.post(response["Location"] + "commit/")

    assert done["Location"] == "/sales/imports/prices/"
    assert "3 prices imported." in client.get(done["Location"]).content.decode()
    prices = sorted((p.item.code, p.unit.code, p.min_quantity, p.price, str(p.valid_from), str(p.valid_to))
                    for p in PriceListItem.objects.filter(price_list=world.prices))
    assert prices == [
        ("MOT-1", "PCS", D("0"), D("800"), "None", "None"),
        ("PMP-1", "PCS", D("0"), D("2500"), "None", "None"),
        ("PMP-1", "PCS", D("10"), D("2400.5"), "None", "None"),
        ("WID-1", "BOX", D("0"), D("1100"), "2026-01-01", "2026-12-31"),
        ("WID-1", "PCS", D("0"), D("95"), "None", "None"),
        ("WID-1", "PCS", D("100"), D("90"), "None", "None"),
    ]


def test_a_price_file_with_three_bad_rows_reports_exactly_those_rows_and_imports_nothing(world, as_user):
    rows = [PRICE_HEADERS,
            ["STD", "WID-1", "PCS", "", "95", "", ""],
            ["VIP", "WID-1", "PCS", "", "90", "", ""],  # row 3: no such price list
            ["STD", "MOT-1", "BOX", "", "9000", "", ""],  # row 4: the motor has no boxes
            ["STD", "PMP-1", "PCS", "", "2400", "", ""],
            ["STD", "PMP-1", "PCS", "5", "-1", "", ""]]  # row 6: a negative price
    client = as_user(world.manager)
    before = list(PriceListItem.objects.order_by("pk").values_list("pk", "price"))

    response = upload(client, "prices", xlsx_bytes(rows), "prices.xlsx")
    preview = client.get(response["Location"])

    assert summary(preview.context["result"]) == [
        (3, "price_list", "Row 3, column price_list: price list “VIP” does not exist."),
        (4, "unit", "Row 4, column unit: MOT-1 has no unit BOX."),
        (6, "price", "Row 6, column price: must not be negative (got -1)."),
    ]
    assert "3 rows have errors." in preview.content.decode()
    client.post(response["Location"] + "commit/")
    assert list(PriceListItem.objects.order_by("pk").values_list("pk", "price")) == before


def test_price_rows_twice_or_with_bad_dates_or_inactive_items_are_errors(world):
    from inventory.services import masterdata as inventory_masterdata

    inventory_masterdata.item_update(item=world.motor, is_active=False)
    rows = [PRICE_HEADERS,
            ["STD", "PMP-1", "PCS", "5", "1", "2026-01-01", ""],
            ["STD", "PMP-1", "PCS", "5.0", "2", "2026-01-01", ""],
            ["STD", "MOT-1", "PCS", "", "1", "", ""],
            ["STD", "WID-1", "PCS", "1", "1", "2026-02-01", "2026-01-31"],
            ["STD", "WID-1", "PCS", "2", "1", "soon", ""]]
    table = imports.read_table(csv_bytes(rows), "p.csv", PRICES)

    with translation.override("en"):  # the manager's language, as their request would have it
        result = imports.validate(PRICES, table, company=world.company, user=world.manager)

        assert summary(result) == [
            (3, "", "Row 3: the same price list, item, unit, quantity break and start date already appear in row 2."),
            (4, "item", "Row 4, column item: item “MOT-1” is inactive."),
            (5, "valid_to", "Row 5, column valid_to: the end date is before the start date."),
            (6, "valid_from", "Row 6, column valid_from: “soon” is not a date (use 2026-11-25 or 2026/11/25)."),
        ]


def test_validating_prices_takes_the_same_queries_for_10_or_300_rows(world):
    counts = []
    for size in (10, 300):
        rows = [PRICE_HEADERS] + [["STD", "WID-1", "BOX" if n % 2 else "PCS", n, 10, "", ""] for n in range(size)]
        table = imports.read_table(xlsx_bytes(rows), "p.xlsx", PRICES)
        with CaptureQueriesContext(connection) as queries:
            result = imports.validate(PRICES, table, company=world.company, user=world.manager)
        assert result.ok is True
        counts.append(len(queries))

    assert counts[0] == counts[1]


# Templates and permissions -----------------------------------------------------------------------


@pytest.mark.parametrize("language,first_headers", [
    ("en", ["code", "name", "short_name", "tax_id"]),
    ("zh-hant", ["客戶代號", "客戶名稱", "簡稱", "統一編號"]),
    ("zh-hans", ["客户代码", "客户名称", "简称", "统一社会信用代码"]),
])
def test_the_customer_template_has_the_headers_in_the_users_language(world, as_user, language, first_headers):
    world.manager.language = language
    world.manager.save()

    response = as_user(world.manager).get("/sales/imports/customers/template/")

    assert response["Content-Disposition"] == 'attachment; filename="import-customers.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in workbook.worksheets[0][1]][:4] == first_headers
    assert workbook.sheetnames == ["customers", "help"]


def test_the_price_template_round_trips(world, as_user):
    response = as_user(world.manager).get("/sales/imports/prices/template/")
    headers = [cell.value for cell in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]

    assert headers == PRICE_HEADERS


def test_the_index_lists_only_the_imports_the_user_may_run(world, as_user):
    manager_kinds = [link["kind"].key for link in as_user(world.manager).get("/sales/imports/").context["kinds"]]
    keeper_page = as_user(world.keeper).get("/sales/imports/")

    assert manager_kinds == ["customers", "prices"]
    assert keeper_page.context["kinds"] == []
    assert "You may not import anything." in keeper_page.content.decode()


@pytest.mark.parametrize("url", ["/sales/imports/customers/", "/sales/imports/prices/template/",
                                 "/sales/imports/customers/sometoken_sometoken_x/",
                                 "/sales/imports/prices/sometoken_sometoken_x/commit/"])
def test_users_without_the_permission_get_403_and_anonymous_users_log_in(world, client, as_user, url):
    assert client.get(url)["Location"].startswith("/accounts/login/?next=")
    keeper = as_user(world.keeper)

    assert keeper.get(url).status_code == 403
    assert keeper.post(url).status_code == 403


def test_another_user_cannot_preview_or_commit_my_upload(world, as_user, client):
    response = upload(as_user(world.manager), "customers", csv_bytes(customer_rows(2)), "c.csv")
    client.logout()
    other = as_user(world.rep)

    assert other.get(response["Location"])["Location"] == "/sales/imports/customers/"
    assert other.post(response["Location"] + "commit/")["Location"] == "/sales/imports/customers/"
    assert Customer.objects.filter(code__startswith="K").exists() is False


def test_a_file_that_is_not_a_spreadsheet_is_refused_beside_the_field(world, as_user):
    response = upload(as_user(world.manager), "prices", b"\x00\x01binary", "prices.csv")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": ["The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."]}
