"""Imports of units, items and opening balances: upload, preview with row errors, commit all or nothing."""

import io
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from erp import imports
from inventory import status as st
from inventory.imports import ITEMS, OPENING
from inventory.models import Item, ItemCategory, ItemUnit, ItemValuation, StockBalance, StockMove, UnitOfMeasure
from inventory.selectors import valuation_by_item, valuation_by_warehouse
from tests.files import csv_bytes, xlsx_bytes

ITEM_HEADERS = ["code", "name", "base_unit", "alternative_units", "reorder_point", "category"]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, segment, data, name):
    return client.post(f"/inventory/imports/{segment}/", {"file": SimpleUploadedFile(name, data)})


def item_rows(count=1000):
    return [ITEM_HEADERS] + [
        [f"P-{n:04d}", f"Part {n}", "PCS", "BOX=12;CTN=144", 5, "FASTENER"] for n in range(count)
    ]


@pytest.fixture
def clerk(inv, make_user):
    """A warehouse keeper who reads English (exact messages); keepers hold inventory.add_*."""
    return make_user("clerk", "Warehouse", language="en")


@pytest.fixture
def as_clerk(client, clerk):
    client.force_login(clerk)
    return client


# Items -----------------------------------------------------------------------------------------


def test_1000_items_with_three_bad_rows_are_previewed_with_their_errors_and_nothing_is_imported(inv, as_clerk):
    rows = item_rows()
    rows[7][2] = "BX"  # sheet row 8: unknown unit
    rows[501][0] = "P-0000"  # sheet row 502: the code of row 2 again
    rows[1000][4] = -5  # sheet row 1001: negative reorder point
    items_before = Item.objects.count()

    response = upload(as_clerk, "items", xlsx_bytes(rows), "items.xlsx")
    assert response.status_code == 302
    preview = as_clerk.get(response["Location"])

    result = preview.context["result"]
    assert len(result.rows) == 1000
    assert [(e.row, e.column, str(e)) for e in result.errors] == [
        (8, "base_unit", "Row 8, column base_unit: unit “BX” does not exist."),
        (502, "code", "Row 502, column code: code “P-0000” already appears in row 2."),
        (1001, "reorder_point", "Row 1001, column reorder_point: must not be negative (got -5)."),
    ]
    html = preview.content.decode()
    assert "Row 8, column base_unit: unit “BX” does not exist." in html  # errors-only view by default
    assert "3 rows have errors." in html
    assert 'id="import-ready"' not in html
    assert Item.objects.count() == items_before

    refused = as_clerk.post(response["Location"] + "commit/")
    assert refused.status_code == 302
    assert Item.objects.count() == items_before
    assert ItemCategory.objects.filter(code="FASTENER").exists() is False


def test_the_corrected_file_imports_all_1000_items_with_their_alternative_units(inv, as_clerk):
    items_before = Item.objects.count()

    response = upload(as_clerk, "items", xlsx_bytes(item_rows()), "items.xlsx")
    preview = as_clerk.get(response["Location"])
    assert preview.context["result"].ok is True
    assert "These categories do not exist and will be created (name = code): FASTENER." in preview.content.decode()
    done = as_clerk.post(response["Location"] + "commit/")

    assert done.status_code == 302
    assert done["Location"] == "/inventory/imports/items/"
    assert "1000 items imported." in as_clerk.get(done["Location"]).content.decode()
    assert Item.objects.count() == items_before + 1000
    imported = Item.objects.filter(code__startswith="P-")
    assert imported.count() == 1000
    assert set(imported.values_list("category__code", flat=True)) == {"FASTENER"}
    assert ItemUnit.objects.filter(item__in=imported).count() == 2000
    part = Item.objects.get(code="P-0999")
    assert part.base_unit.code == "PCS"
    assert part.reorder_point == Decimal("5")
    assert sorted((u.unit.code, u.factor) for u in part.units.all()) == [("BOX", Decimal("12")),
                                                                          ("CTN", Decimal("144"))]
    # The upload is gone once imported.
    assert as_clerk.get(response["Location"]).status_code == 302


def test_validating_items_takes_the_same_number_of_queries_for_10_or_1000_rows(inv, clerk):
    counts = []
    for size in (10, 1000):
        table = imports.read_table(xlsx_bytes(item_rows(size)), "items.xlsx", ITEMS)
        with CaptureQueriesContext(connection) as queries:
            result = imports.validate(ITEMS, table, company=inv.company, user=clerk)
        assert result.ok is True
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 6


def test_a_csv_with_bom_and_zh_hant_headers_imports_items(inv, as_clerk):
    rows = [
        ["料號", "品名", "規格", "類別", "類型", "自製/採購", "基本單位", "其他單位", "標準成本", "再訂購點",
         "安全存量", "前置天數", "批號管理", "保存期限(天)", "條碼", "預設倉庫", "啟用"],
        [" glue-01 ", "快乾膠", "20g", "chem", "耗材", "採購", "kg", "G=0.001", "1,250.5", "2", "1", "7", "是", "365",
         "4711", "wh2", "是"],
        ["BRK-01", "支架", "", "", "成品", "自製", "PCS", "BOX=10", "", "", "", "", "否", "", "", "", "否"],
    ]

    response = upload(as_clerk, "items", csv_bytes(rows), "料件.csv")
    preview = as_clerk.get(response["Location"])
    assert preview.context["result"].errors == []
    as_clerk.post(response["Location"] + "commit/")

    glue = Item.objects.get(code="GLUE-01")
    assert (glue.name, glue.specification, glue.category.code, glue.item_type, glue.procurement) == (
        "快乾膠", "20g", "CHEM", st.ItemType.CONSUMABLE, st.Procurement.BUY)
    assert (glue.base_unit.code, glue.standard_cost, glue.reorder_point, glue.safety_stock) == (
        "KG", Decimal("1250.5"), Decimal("2"), Decimal("1"))
    assert (glue.lead_time_days, glue.lot_tracked, glue.shelf_life_days, glue.barcode, glue.default_warehouse) == (
        7, True, 365, "4711", inv.wh2)
    assert [(u.unit.code, u.factor) for u in glue.units.all()] == [("G", Decimal("0.001"))]
    bracket = Item.objects.get(code="BRK-01")
    assert (bracket.item_type, bracket.procurement, bracket.is_active, bracket.lot_tracked, bracket.category) == (
        st.ItemType.FINISHED_GOOD, st.Procurement.MAKE, False, False, None)
    assert ItemCategory.objects.get(company=inv.company, code="CHEM").name == "CHEM"


def test_item_rows_that_clash_with_the_database_or_break_the_rules_are_errors(inv, as_clerk):
    rows = [
        ["code", "name", "base_unit", "alternative_units", "item_type", "lot_tracked", "lead_time_days", "barcode",
         "default_warehouse", "standard_cost"],
        ["SCR-M3", "again", "PCS", "", "", "", "", "", "", ""],
        ["NEW-1", "", "PCS", "PCS=1", "gadget", "maybe", "1.5", "", "WH9", "0.0000001"],
        ["NEW-2", "ok", "PCS", "BOX=0;CTN", "", "", "", "B1", "", "abc"],
        ["NEW-3", "ok", "PCS", "", "", "", "", "B1", "", ""],
        ["bad code!", "ok", "", "", "", "", "", "", "", ""],
    ]

    response = upload(as_clerk, "items", csv_bytes(rows), "items.csv")
    result = as_clerk.get(response["Location"]).context["result"]

    assert [str(e) for e in result.errors] == [
        "Row 2, column code: item “SCR-M3” already exists.",
        "Row 3, column name: a value is required.",
        "Row 3, column item_type: “gadget” is not one of: consumable, finished, raw, semi, service.",
        "Row 3, column alternative_units: the base unit PCS needs no conversion.",
        "Row 3, column standard_cost: “0.0000001” has more than 6 decimal places.",
        "Row 3, column lead_time_days: “1.5” is not a whole number.",
        "Row 3, column lot_tracked: “maybe” is not yes or no (use yes/no, 1/0 or 是/否).",
        "Row 3, column default_warehouse: warehouse “WH9” does not exist.",
        "Row 4, column alternative_units: BOX: must be greater than zero (got 0).",
        "Row 4, column standard_cost: “abc” is not a number.",
        "Row 5, column barcode: barcode “B1” already appears in row 4.",
        "Row 6, column code: “BADCODE!” is not a valid code: use letters, digits and . _ / - only, "
        "starting with a letter or digit.",
        "Row 6, column base_unit: a value is required.",
    ]
    assert Item.objects.filter(code__startswith="NEW").exists() is False


def test_the_commit_validates_again_and_imports_nothing_when_a_row_became_invalid(inv, as_clerk):
    from inventory.services.masterdata import item_create

    rows = [ITEM_HEADERS, ["A-1", "one", "PCS", "", "", ""], ["A-2", "two", "PCS", "", "", ""]]
    response = upload(as_clerk, "items", csv_bytes(rows), "items.csv")
    assert as_clerk.get(response["Location"]).context["result"].ok is True
    item_create(company=inv.company, code="A-2", name="made meanwhile", base_unit=inv.pcs)

    refused = as_clerk.post(response["Location"] + "commit/", follow=True)

    assert "Nothing was imported: 1 row(s) have errors now. Check the preview again." in refused.content.decode()
    assert "Row 3, column code: item “A-2” already exists." in refused.content.decode()
    assert Item.objects.filter(code="A-1").exists() is False


def test_another_user_cannot_preview_or_commit_my_upload(inv, as_clerk, make_user):
    response = upload(as_clerk, "items", csv_bytes(item_rows(2)), "items.csv")
    preview_url = response["Location"]

    other = Client()
    other.force_login(make_user("other", "Warehouse", language="en"))

    assert other.get(preview_url)["Location"] == "/inventory/imports/items/"
    assert other.post(preview_url + "commit/")["Location"] == "/inventory/imports/items/"
    assert Item.objects.filter(code__startswith="P-").exists() is False


# Units -----------------------------------------------------------------------------------------


def test_units_import_refuses_duplicates_then_imports_the_corrected_file(inv, as_clerk):
    rows = [["code", "name", "decimals"], ["drum", "Drum", "0"], ["PCS", "Piece", ""], ["DRUM", "Drum 2", "1"],
            ["PAL", "Pallet", "7"]]
    response = upload(as_clerk, "units", csv_bytes(rows), "units.csv")
    result = as_clerk.get(response["Location"]).context["result"]
    assert [str(e) for e in result.errors] == [
        "Row 3, column code: unit “PCS” already exists.",
        "Row 4, column code: code “DRUM” already appears in row 2.",
        "Row 5, column decimals: must be at most 6 (got 7).",
    ]

    fixed = [["單位代碼", "名稱", "小數位數"], ["drum", "Drum", "0"], ["PAL", "Pallet", "2"]]
    response = upload(as_clerk, "units", xlsx_bytes(fixed), "units.xlsx")
    as_clerk.post(response["Location"] + "commit/")

    assert sorted(UnitOfMeasure.objects.filter(company=inv.company, code__in=["DRUM", "PAL"]).values_list(
        "code", "name", "decimals")) == [("DRUM", "Drum", 0), ("PAL", "Pallet", 2)]


# Opening balances ------------------------------------------------------------------------------


def opening_rows():
    return [
        ["item", "warehouse", "location", "lot_number", "quantity", "unit_cost"],
        ["SCR-M3", "WH1", "A-01", "", "100", "2.5"],
        ["SCR-M3", "WH1", "A-02", "", "20", "4"],
        ["RES-01", "WH1", "A-02", "L-2026-01", "5.5", "300"],
    ]


def test_opening_balances_post_opening_moves_and_balances_and_valuation_agree(inv, clerk, as_clerk):
    assign_perm("inventory.operate_warehouse", clerk, inv.wh1)

    response = upload(as_clerk, "opening-balances", xlsx_bytes(opening_rows()), "opening.xlsx")
    assert as_clerk.get(response["Location"]).context["result"].ok is True
    done = as_clerk.post(response["Location"] + "commit/", follow=True)

    assert "3 opening balances posted." in done.content.decode()
    moves = StockMove.objects.filter(move_type=st.MoveType.OPENING).order_by("id")
    assert [(m.item.code, str(m.location), m.lot.number if m.lot else "", m.quantity, m.unit_cost, m.value,
             m.posted_by) for m in moves] == [
        ("SCR-M3", "WH1/A-01", "", Decimal("100"), Decimal("2.5"), Decimal("250.00"), clerk),
        ("SCR-M3", "WH1/A-02", "", Decimal("20"), Decimal("4"), Decimal("80.00"), clerk),
        ("RES-01", "WH1/A-02", "L-2026-01", Decimal("5.5"), Decimal("300"), Decimal("1650.00"), clerk),
    ]
    assert sorted((b.item.code, b.location.code, b.on_hand) for b in StockBalance.objects.all()) == [
        ("RES-01", "A-02", Decimal("5.5")), ("SCR-M3", "A-01", Decimal("100")), ("SCR-M3", "A-02", Decimal("20"))]
    screw = ItemValuation.objects.get(item=inv.screw)
    assert (screw.quantity, screw.value, screw.average_cost) == (Decimal("120"), Decimal("330.00"),
                                                                  Decimal("2.75"))
    assert [(v.item.code, v.quantity, v.value) for v in valuation_by_item(inv.company)] == [
        ("RES-01", Decimal("5.5"), Decimal("1650.00")), ("SCR-M3", Decimal("120"), Decimal("330.00"))]
    assert [(r["warehouse__code"], r["item__code"], r["quantity"], r["value"])
            for r in valuation_by_warehouse(inv.company)] == [
        ("WH1", "RES-01", Decimal("5.5"), Decimal("1650.00")), ("WH1", "SCR-M3", Decimal("120"), Decimal("330.00"))]
    lot = moves[2].lot
    assert lot.expires_on is not None  # new lot: today + the resin's shelf life


def test_opening_rows_without_a_lot_or_a_granted_warehouse_or_twice_are_errors(inv, clerk, as_clerk):
    assign_perm("inventory.operate_warehouse", clerk, inv.wh1)
    inv.receive(inv.screw, "1", inv.a1)  # a receipt is not an opening balance: no clash
    rows = [
        ["料號", "倉庫", "儲位", "批號", "數量", "單位成本"],
        ["RES-01", "WH1", "A-01", "", "5", "300"],
        ["SCR-M3", "WH2", "B-01", "", "5", "1"],
        ["SCR-M3", "WH1", "A-01", "L1", "5", "1"],
        ["SCR-M3", "WH1", "A-09", "", "0", "1"],
        ["SCR-M3", "WH1", "A-01", "", "5", ""],
        ["SCR-M3", "WH1", "a-01", "", "6", "1"],
        ["SCR-M3", "WH1", "TRANSIT", "", "6", "1"],
    ]

    response = upload(as_clerk, "opening-balances", csv_bytes(rows), "opening.csv")
    result = as_clerk.get(response["Location"]).context["result"]

    assert [str(e) for e in result.errors] == [
        "Row 2, column 批號: item RES-01 is lot-tracked: give a lot number.",
        "Row 3, column 倉庫: you may not post stock moves in warehouse “WH2”.",
        "Row 4, column 批號: item SCR-M3 is not lot-tracked: leave the lot number empty.",
        "Row 5, column 儲位: location “A-09” does not exist in warehouse WH1.",
        "Row 5, column 數量: must be greater than zero (got 0).",
        "Row 7: SCR-M3 at WH1/A-01 already appears in row 6.",
        "Row 8, column 儲位: location “TRANSIT” is not a storage location.",
    ]
    assert result.rows[4].values["unit_cost"] == inv.screw.standard_cost  # empty cost = standard cost
    assert StockMove.objects.filter(move_type=st.MoveType.OPENING).exists() is False


def test_the_same_opening_balance_cannot_be_imported_twice(inv, as_clerk, clerk):
    assign_perm("inventory.operate_warehouse", clerk, inv.wh1)
    response = upload(as_clerk, "opening-balances", csv_bytes(opening_rows()), "opening.csv")
    as_clerk.post(response["Location"] + "commit/")

    again = upload(as_clerk, "opening-balances", csv_bytes(opening_rows()), "opening.csv")
    result = as_clerk.get(again["Location"]).context["result"]

    assert [str(e) for e in result.errors] == [
        "Row 2: SCR-M3 at WH1/A-01 already has an opening balance.",
        "Row 3: SCR-M3 at WH1/A-02 already has an opening balance.",
        "Row 4: RES-01 at WH1/A-02 (L-2026-01) already has an opening balance.",
    ]
    assert StockMove.objects.filter(move_type=st.MoveType.OPENING).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_commits_of_the_same_opening_balances_post_them_once(inv, clerk):
    assign_perm("inventory.operate_warehouse", clerk, inv.wh1)
    table = imports.read_table(csv_bytes(opening_rows()), "opening.csv", OPENING)
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            with translation.override("en"):  # a new thread starts in the default language
                outcomes.append(imports.commit(OPENING, table, company=inv.company, user=clerk))
        except imports.ImportRejected as rejection:
            outcomes.append(str(rejection.message))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=str) == [
        3, "Nothing was imported: 3 row(s) have errors now. Check the preview again."]
    assert StockMove.objects.filter(move_type=st.MoveType.OPENING).count() == 3
    assert ItemValuation.objects.get(item=inv.screw).quantity == Decimal("120")


# Templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("language,headers", [
    ("en", ["item", "warehouse", "location", "lot_number", "quantity", "unit_cost", "manufactured_on",
            "expires_on"]),
    ("zh-hant", ["料號", "倉庫", "儲位", "批號", "數量", "單位成本", "製造日期", "有效日期"]),
    ("zh-hans", ["料号", "仓库", "库位", "批号", "数量", "单位成本", "生产日期", "有效期至"]),
])
def test_the_template_has_the_headers_in_the_users_language(inv, make_user, client, language, headers):
    client.force_login(make_user("keeper2", "Warehouse", language=language))

    response = client.get("/inventory/imports/opening-balances/template/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="import-opening-balances.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == headers
    # The template reads back without errors about missing columns.
    assert imports.read_table(xlsx_bytes([headers, ["SCR-M3", "WH1", "A-01", "", "1", "1", "", ""]]),
                              "t.xlsx", OPENING).headers["item"] == headers[0]


# Permissions -----------------------------------------------------------------------------------

KIND_URLS = ["/inventory/imports/units/", "/inventory/imports/items/", "/inventory/imports/opening-balances/"]
TOKEN = "a" * 32


@pytest.mark.parametrize("url", ["/inventory/imports/"] + [u + s for u in KIND_URLS
                                                           for s in ("", "template/", f"{TOKEN}/")])
def test_anonymous_users_are_sent_to_log_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", [u + s for u in KIND_URLS for s in ("", "template/", f"{TOKEN}/")])
def test_users_without_the_add_permission_get_403(inv, make_user, client, url):
    client.force_login(make_user("seller", "Sales"))  # Sales may view inventory but not add to it

    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize("url", KIND_URLS)
def test_committing_needs_the_permission_too(inv, make_user, client, url):
    client.force_login(make_user("seller", "Sales"))

    assert client.post(f"{url}{TOKEN}/commit/").status_code == 403


def test_the_index_lists_only_the_imports_the_user_may_run(inv, make_user, client, clerk):
    client.force_login(make_user("manager", "Manager", language="en"))
    assert list(client.get("/inventory/imports/").context["kinds"]) == []
    assert "You may not import anything." in client.get("/inventory/imports/").content.decode()

    client.force_login(clerk)
    assert [link["kind"].key for link in client.get("/inventory/imports/").context["kinds"]] == [
        "units", "items", "opening"]


def test_an_unknown_token_sends_the_user_back_to_the_upload_page(inv, as_clerk):
    response = as_clerk.get(f"/inventory/imports/items/{TOKEN}/", follow=True)

    assert response.redirect_chain == [("/inventory/imports/items/", 302)]
    assert "This upload is no longer available: upload the file again." in response.content.decode()
