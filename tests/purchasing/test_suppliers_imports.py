"""Imports of suppliers and supplier prices: preview with row errors, commit all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from guardian.shortcuts import get_perms

from erp import imports
from purchasing.imports import SUPPLIER_PRICES, SUPPLIERS
from purchasing.models import Supplier, SupplierItem, SupplierPrice
from tests.conftest import warm_permissions
from tests.files import csv_bytes, xlsx_bytes
from tests.purchasing.conftest import D

pytestmark = pytest.mark.django_db

SUPPLIER_HEADERS = ["code", "name", "short_name", "tax_id", "address", "remit_to_address", "phone", "email",
                    "payment_term", "tax_code", "lead_time_days", "buyer"]
PRICE_HEADERS = ["supplier", "item", "unit", "supplier_part_number", "min_order_quantity", "order_multiple",
                 "lead_time_days", "is_preferred", "min_quantity", "price", "valid_from", "valid_to"]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(pur):
    for user in (pur.buyer, pur.buyer2, pur.purchasing_manager):
        user.language = "en"
        user.save()
    return pur


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def upload(client, segment, data, name):
    return client.post(f"/purchasing/imports/{segment}/", {"file": SimpleUploadedFile(name, data)})


def summary(result):
    return [(e.row, e.column, str(e)) for e in result.errors]


def supplier_rows(count):
    return [SUPPLIER_HEADERS] + [[f"K{n:03d}", f"廠商 {n}", "", "", "", "", "", "", "", "", "", ""]
                                 for n in range(count)]


def test_a_good_supplier_file_is_imported_through_the_service(world, as_user):
    rows = [SUPPLIER_HEADERS,
            ["S101", "台灣精密", "台精", "22831541", "台中市", "", "04-1234567", "a@example.com", "NET30", "VAT5", 12,
             "buyer2"],
            ["S102", "高雄鋼鐵", "", "", "", "", "", "", "", "", "", ""]]
    client = as_user(world.purchasing_manager)

    response = upload(client, "suppliers", xlsx_bytes(rows), "suppliers.xlsx")
    assert client.get(response["Location"]).context["result"].ok is True
    done = client.post(response["Location"] + "commit/")

    assert done.status_code == 302
    s101 = Supplier.objects.get(code="S101")
    assert (s101.name, s101.tax_id, s101.payment_term, s101.tax_code, s101.lead_time_days, s101.buyer) == (
        "台灣精密", "22831541", world.net30, world.vat, 12, world.buyer2)
    assert "buy_from_supplier" in get_perms(world.buyer2, s101)
    assert Supplier.objects.get(code="S102").buyer is None


def test_a_supplier_file_with_bad_rows_reports_them_and_imports_nothing(world, as_user):
    rows = supplier_rows(6)
    rows[2][0] = "K000"  # row 3: the code of row 2
    rows[4][3] = "12345678"  # row 5: a wrong check digit
    rows[6][8] = "NOPE"  # row 7: unknown payment term
    client = as_user(world.purchasing_manager)
    before = Supplier.objects.count()

    response = upload(client, "suppliers", csv_bytes(rows), "s.csv")
    result = client.get(response["Location"]).context["result"]
    refused = client.post(response["Location"] + "commit/")

    assert summary(result) == [
        (3, "code", "Row 3, column code: code “K000” already appears in row 2."),
        (5, "tax_id", "Row 5, column tax_id: This is not a valid tax id (統一編號): check the digits."),
        (7, "payment_term", "Row 7, column payment_term: payment term “NOPE” does not exist or is inactive."),
    ]
    assert refused["Location"] == response["Location"] + "?show=errors"
    assert Supplier.objects.count() == before


def test_a_buyer_imports_suppliers_of_their_own_and_may_not_name_another_buyer(world, as_user):
    rows = supplier_rows(2)
    rows[2][11] = "buyer2"
    with translation.override("en"):
        result = imports.validate(SUPPLIERS, imports.read_table(csv_bytes(rows), "s.csv", SUPPLIERS),
                                  company=world.company, user=world.buyer)
        assert summary(result) == [
            (3, "buyer", "Row 3, column buyer: only a Purchasing manager may give a supplier to another buyer.")]
    client = as_user(world.buyer)
    rows[2][11] = ""
    response = upload(client, "suppliers", csv_bytes(rows), "s.csv")
    client.post(response["Location"] + "commit/")

    assert set(Supplier.objects.filter(code__in=["K000", "K001"]).values_list("buyer__username", flat=True)) == {
        "buyer"}


def test_zh_hant_and_zh_hans_headers_are_understood(world, as_user):
    client = as_user(world.purchasing_manager)
    for name, rows in (("廠商.csv", [["廠商代號", "廠商名稱", "統一編號"], ["s301", "台中機械", "22831541"]]),
                       ("供应商.csv", [["供应商代码", "供应商名称", "提前期"], ["s302", "上海五金", "9"]])):
        response = upload(client, "suppliers", csv_bytes(rows), name)
        client.post(response["Location"] + "commit/")

    assert Supplier.objects.get(code="S301").tax_id == "22831541"
    assert Supplier.objects.get(code="S302").lead_time_days == 9


def test_several_rows_of_one_supplier_item_become_its_price_breaks(world, as_user):
    rows = [PRICE_HEADERS,
            ["S001", "SCR-1", "BOX", "TE-9", 2, 2, 6, "no", 0, 130, "", ""],
            ["S001", "SCR-1", "BOX", "", "", "", "", "", 10, "118.5", "", ""],
            ["S001", "MOT-1", "", "", "", "", "", "yes", 100, 700, "", ""]]
    client = as_user(world.buyer)

    response = upload(client, "supplier-prices", xlsx_bytes(rows), "p.xlsx")
    assert client.get(response["Location"]).context["result"].ok is True
    client.post(response["Location"] + "commit/")

    screw = SupplierItem.objects.get(supplier=world.acme_parts, item=world.screw)
    assert (screw.unit, screw.supplier_part_number, screw.min_order_quantity, screw.order_multiple,
            screw.lead_time_days) == (world.box, "TE-9", D("2"), D("2"), 6)
    assert list(screw.prices.order_by("min_quantity").values_list("min_quantity", "price")) == [
        (D("0"), D("130")), (D("10"), D("118.5"))]
    world.motor_from_s1.refresh_from_db()
    assert list(world.motor_from_s1.prices.values_list("min_quantity", "price")) == [(D("100"), D("700"))]


def test_a_price_file_with_errors_imports_nothing(world, as_user):
    rows = [PRICE_HEADERS,
            ["S001", "SCR-1", "BOX", "", "", "", "", "", 0, 130, "", ""],
            ["S002", "MOT-1", "KG", "", "", "", "", "", 0, 1, "", ""],
            ["S001", "SCR-1", "BOX", "", "", "", "", "", 0, 120, "", ""],
            ["S001", "NOPE", "", "", "", "", "", "", 0, -1, "", ""]]
    client = as_user(world.buyer)
    before = SupplierPrice.objects.count()

    response = upload(client, "supplier-prices", csv_bytes(rows), "p.csv")
    result = client.get(response["Location"]).context["result"]
    client.post(response["Location"] + "commit/")

    assert [(r, c) for r, c, _m in summary(result)] == [(3, "supplier"), (3, "unit"), (4, ""), (5, "item"),
                                                        (5, "price")]
    assert SupplierPrice.objects.count() == before
    assert not SupplierItem.objects.filter(item=world.screw, supplier=world.acme_parts).exists()


def test_a_second_preferred_supplier_in_a_file_is_refused_at_commit_and_nothing_is_written(world, as_user):
    rows = [PRICE_HEADERS,
            ["S001", "SCR-1", "BOX", "", "", "", "", "", 0, 130, "", ""],
            ["S001", "SCR-1", "PCS", "", "", "", "", "yes", 0, 1.3, "", ""]]
    client = as_user(world.buyer)

    response = upload(client, "supplier-prices", csv_bytes(rows), "p.csv")
    done = client.post(response["Location"] + "commit/", follow=True)

    assert "Row 3: SCR-1 already has a preferred supplier on these dates: S002" in done.content.decode()
    assert not SupplierItem.objects.filter(item=world.screw, supplier=world.acme_parts).exists()


def test_validating_supplier_prices_takes_the_same_queries_for_10_or_200_rows(world):
    counts = []
    for size in (10, 200):
        rows = [PRICE_HEADERS] + [["S001", "SCR-1", "BOX", "", "", "", "", "", n, 100, "", ""] for n in range(size)]
        table = imports.read_table(xlsx_bytes(rows), "p.xlsx", SUPPLIER_PRICES)
        buyer = type(world.buyer).objects.get(pk=world.buyer.pk)
        warm_permissions(buyer)
        with CaptureQueriesContext(connection) as queries:
            result = imports.validate(SUPPLIER_PRICES, table, company=world.company, user=buyer)
        assert result.ok is True
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_templates_download(world, as_user):
    client = as_user(world.purchasing_manager)

    for segment in ("suppliers", "supplier-prices"):
        response = client.get(f"/purchasing/imports/{segment}/template/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
