"""The inventory document screens through the test client: receipts, issues, transfers, adjustments, counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from erp.models import AccessLog
from inventory.models import (
    GoodsReceipt,
    StockAdjustment,
    StockBalance,
    StockCount,
    StockIssue,
    StockMove,
    StockTransfer,
)
from inventory.services import documents as services
from tests.conftest import warm_permissions

OPERATE = "inventory.operate_warehouse"


def lines_data(lines, prefix="lines"):
    """The POST data of a line formset."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(lines)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"{prefix}-{index}-{name}"] = "" if value is None else str(getattr(value, "pk", value))
    return data


def messages_of(response):
    """The messages this request added (not those still waiting from an earlier one)."""
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def moves_of(document):
    return list(
        StockMove.objects.filter(document_type=ContentType.objects.get_for_model(document),
                                 document_id=str(document.pk))
        .order_by("pk").values_list("item__code", "location__code", "lot__number", "quantity", "move_type")
    )


def on_hand(item, location):
    return sum((b.on_hand for b in StockBalance.objects.filter(item=item, location=location)), Decimal("0"))


@pytest.fixture
def keeper(inv, client):
    """The fixture's keeper, working in English, granted WH1 only, signed in."""
    inv.keeper.language = "en"
    inv.keeper.save()
    assign_perm(OPERATE, inv.keeper, inv.wh1)
    client.force_login(inv.keeper)
    return inv.keeper


def draft_receipt(inv, warehouse, location, quantity="5", document_date=None):
    header = {"document_date": document_date} if document_date else {}
    return services.receipt_save(
        company=inv.company, actor=inv.admin, warehouse=warehouse, **header,
        lines=[{"item": inv.screw, "quantity": Decimal(quantity), "unit": inv.pcs, "location": location,
                "unit_cost": Decimal("10")}],
    )


# Goods receipts ------------------------------------------------------------------------------


def test_a_keeper_creates_and_posts_a_receipt_with_a_lot_tracked_line(inv, keeper, client):
    data = {"warehouse": inv.wh1.pk, "document_date": "2026-03-02", "supplier_reference": "PO-77", "notes": "",
            **lines_data([
                {"item": inv.screw, "quantity": "2", "unit": inv.box, "location": inv.a1, "unit_cost": "60"},
                {"item": inv.resin, "quantity": "500", "unit": inv.g, "location": inv.a2, "lot_number": "R-0301",
                 "expires_on": "2026-09-30", "unit_cost": "0.05"},
            ])}

    response = client.post("/inventory/receipts/new/", data)

    receipt = GoodsReceipt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/receipts/{receipt.pk}/"
    assert (receipt.status, receipt.number, receipt.supplier_reference) == ("draft", "", "PO-77")
    assert list(receipt.lines.order_by("pk").values_list("item__code", "quantity", "unit__code", "lot_number")) == [
        ("SCR-M3", Decimal("2.0000"), "BOX", ""), ("RES-01", Decimal("500.0000"), "G", "R-0301")]

    response = client.post(f"/inventory/receipts/{receipt.pk}/post/")

    receipt.refresh_from_db()
    assert response.status_code == 302
    assert receipt.status == "posted"
    assert receipt.number == "GR-2026-000001"
    assert messages_of(response) == ["GR-2026-000001 posted."]
    assert moves_of(receipt) == [("SCR-M3", "A-01", None, Decimal("24.000000"), "receipt"),
                                 ("RES-01", "A-02", "R-0301", Decimal("0.500000"), "receipt")]

    page = client.get(f"/inventory/receipts/{receipt.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert '<span id="document-number">GR-2026-000001</span>' in html
    assert 'data-status="posted"' in html
    assert "24 PCS" in html  # 2 BOX in the base unit
    assert "0.500 KG" in html  # 500 G in the base unit, with the kilogram's 3 decimals
    assert html.count("<td>SCR-M3 M3 螺絲</td>") == 2  # its line and its move
    assert 'id="document-moves"' in html
    assert "R-0301" in html
    assert f"/inventory/receipts/{receipt.pk}/cancel/" in html  # a posted receipt can be reversed
    assert f"/inventory/receipts/{receipt.pk}/post/" not in html


def test_a_line_error_from_the_service_is_shown_above_the_lines_and_nothing_is_saved(inv, keeper, client):
    data = {"warehouse": inv.wh1.pk, "document_date": "2026-03-02", **lines_data([
        {"item": inv.screw, "quantity": "3", "location": inv.a1},
        {"item": inv.resin, "quantity": "1", "location": inv.a1},  # lot-tracked without a lot number
    ])}

    response = client.post("/inventory/receipts/new/", data)

    assert response.status_code == 200
    assert response.context["errors"] == ["Line 2: RES-01 is lot-tracked: give a lot number."]
    assert "Line 2: RES-01 is lot-tracked: give a lot number." in response.content.decode()
    assert GoodsReceipt.objects.count() == 0


def test_a_missing_quantity_is_shown_beside_the_field(inv, keeper, client):
    data = {"warehouse": inv.wh1.pk, "document_date": "2026-03-02",
            **lines_data([{"item": inv.screw, "quantity": "", "location": inv.a1}])}

    response = client.post("/inventory/receipts/new/", data)

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {"quantity": ["This field is required."]}
    assert GoodsReceipt.objects.count() == 0


def test_add_line_shows_one_more_row_and_saves_nothing(inv, keeper, client):
    data = {"warehouse": inv.wh1.pk, "document_date": "2026-03-02", "add_line": "1",
            **lines_data([{"item": inv.screw, "quantity": "3", "location": inv.a1}])}

    response = client.post("/inventory/receipts/new/", data)

    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 2
    assert 'name="lines-TOTAL_FORMS" value="2"' in response.content.decode()
    assert GoodsReceipt.objects.count() == 0


def test_a_draft_is_edited_and_a_posted_one_is_not(inv, keeper, client):
    receipt = draft_receipt(inv, inv.wh1, inv.a1, quantity="5")
    form = client.get(f"/inventory/receipts/{receipt.pk}/edit/")
    assert form.status_code == 200
    assert form.context["formset"].initial[0]["quantity"] == Decimal("5.0000")

    response = client.post(f"/inventory/receipts/{receipt.pk}/edit/", {
        "warehouse": inv.wh1.pk, "document_date": "2026-03-02", "notes": "recounted",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "1", "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-item": inv.screw.pk, "lines-0-quantity": "7", "lines-0-location": inv.a2.pk,
        "lines-1-item": "", "lines-1-quantity": "",
    })

    receipt.refresh_from_db()
    assert response.status_code == 302
    assert receipt.notes == "recounted"
    assert list(receipt.lines.values_list("quantity", "unit__code", "location__code")) == [
        (Decimal("7.0000"), "PCS", "A-02")]

    services.receipt_post(receipt=receipt, actor=inv.admin)
    response = client.get(f"/inventory/receipts/{receipt.pk}/edit/")

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/receipts/{receipt.pk}/"
    assert messages_of(response) == [
        "This document is no longer a draft: void or reverse it instead of editing it."]


def test_cancelling_a_posted_receipt_reverses_its_moves(inv, keeper, client):
    receipt = services.receipt_post(receipt=draft_receipt(inv, inv.wh1, inv.a1, quantity="5"), actor=inv.admin)

    response = client.post(f"/inventory/receipts/{receipt.pk}/cancel/", {"reason": "重複建立"})

    receipt.refresh_from_db()
    assert messages_of(response) == [f"{receipt.number} voided: its stock moves were reversed."]
    assert receipt.status == "cancelled"
    assert [m[3] for m in moves_of(receipt)] == [Decimal("5.000000"), Decimal("-5.000000")]
    assert on_hand(inv.screw, inv.a1) == Decimal("0")


# Stock issues --------------------------------------------------------------------------------


def test_an_issue_of_more_than_available_shows_the_shortage_and_posts_nothing(inv, keeper, client):
    inv.receive(inv.screw, "5", inv.a1)
    response = client.post("/inventory/issues/new/", {
        "warehouse": inv.wh1.pk, "document_date": "2026-03-02", "purpose": "line 3",
        **lines_data([{"item": inv.screw, "quantity": "1", "unit": inv.box, "location": inv.a1}]),
    })
    issue = StockIssue.objects.get()
    assert response.status_code == 302

    response = client.post(f"/inventory/issues/{issue.pk}/post/")

    issue.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/issues/{issue.pk}/"
    assert messages_of(response) == ["Line 1: Only 5 PCS of SCR-M3 available at WH1/A-01; 12 requested."]
    page = client.get(response["Location"])
    assert "Line 1: Only 5 PCS of SCR-M3 available at WH1/A-01; 12 requested." in page.content.decode()
    assert (issue.status, issue.number) == ("draft", "")
    assert moves_of(issue) == []
    assert on_hand(inv.screw, inv.a1) == Decimal("5")


def test_an_issue_within_stock_posts(inv, keeper, client):
    inv.receive(inv.screw, "30", inv.a1)
    issue = services.issue_save(company=inv.company, actor=keeper, warehouse=inv.wh1,
                                lines=[{"item": inv.screw, "quantity": Decimal("2"), "unit": inv.box,
                                        "location": inv.a1}])

    response = client.post(f"/inventory/issues/{issue.pk}/post/")

    issue.refresh_from_db()
    assert messages_of(response) == [f"{issue.number} posted."]
    assert moves_of(issue) == [("SCR-M3", "A-01", None, Decimal("-24.000000"), "issue")]
    assert on_hand(inv.screw, inv.a1) == Decimal("6")


# Transfers -----------------------------------------------------------------------------------


def test_a_transfer_between_warehouses_is_shipped_then_received(inv, keeper, client, make_user):
    inv.receive(inv.screw, "20", inv.a1)
    response = client.post("/inventory/transfers/new/", {
        "warehouse": inv.wh1.pk, "to_warehouse": inv.wh2.pk, "document_date": "2026-03-02",
        **lines_data([{"item": inv.screw, "quantity": "12", "from_location": inv.a1, "to_location": inv.b1}]),
    })
    transfer = StockTransfer.objects.get()
    assert response.status_code == 302

    response = client.post(f"/inventory/transfers/{transfer.pk}/ship/")

    transfer.refresh_from_db()
    assert transfer.status == "shipped"
    assert messages_of(response) == [f"{transfer.number} shipped: the goods are in transit to WH2."]
    assert [(m[1], m[3]) for m in moves_of(transfer)] == [("A-01", Decimal("-12.000000")),
                                                          ("TRANSIT", Decimal("12.000000"))]
    # Receiving belongs to the destination: the WH1 keeper may not.
    assert client.post(f"/inventory/transfers/{transfer.pk}/receive/").status_code == 403

    receiver = make_user("receiver", "Warehouse", language="en")
    assign_perm(OPERATE, receiver, inv.wh2)
    client.force_login(receiver)
    page = client.get(f"/inventory/transfers/{transfer.pk}/")
    assert f"/inventory/transfers/{transfer.pk}/receive/" in page.content.decode()

    response = client.post(f"/inventory/transfers/{transfer.pk}/receive/")

    transfer.refresh_from_db()
    assert transfer.status == "received"
    assert messages_of(response) == [f"{transfer.number} received."]
    assert (on_hand(inv.screw, inv.a1), on_hand(inv.screw, inv.b1)) == (Decimal("8"), Decimal("12"))
    assert StockBalance.objects.get(item=inv.screw, location__code="TRANSIT").on_hand == Decimal("0")


def test_a_transfer_within_a_warehouse_posts_at_once(inv, keeper, client):
    inv.receive(inv.screw, "10", inv.a1)
    transfer = services.transfer_save(company=inv.company, actor=keeper, warehouse=inv.wh1, to_warehouse=inv.wh1,
                                      lines=[{"item": inv.screw, "quantity": Decimal("4"), "unit": inv.pcs,
                                              "from_location": inv.a1, "to_location": inv.a2}])
    page = client.get(f"/inventory/transfers/{transfer.pk}/").content.decode()
    assert f"/inventory/transfers/{transfer.pk}/receive/" in page
    assert f"/inventory/transfers/{transfer.pk}/ship/" not in page

    client.post(f"/inventory/transfers/{transfer.pk}/receive/")

    transfer.refresh_from_db()
    assert transfer.status == "received"
    assert (on_hand(inv.screw, inv.a1), on_hand(inv.screw, inv.a2)) == (Decimal("6"), Decimal("4"))


# Adjustments ---------------------------------------------------------------------------------


def test_an_adjustment_is_created_and_posted(inv, keeper, client):
    inv.receive(inv.screw, "10", inv.a1)
    client.post("/inventory/adjustments/new/", {
        "warehouse": inv.wh1.pk, "reason": inv.damage.pk, "document_date": "2026-03-02",
        **lines_data([{"item": inv.screw, "quantity_change": "-3", "location": inv.a1}]),
    })
    adjustment = StockAdjustment.objects.get()

    response = client.post(f"/inventory/adjustments/{adjustment.pk}/post/")

    adjustment.refresh_from_db()
    assert messages_of(response) == [f"{adjustment.number} posted."]
    assert moves_of(adjustment) == [("SCR-M3", "A-01", None, Decimal("-3.000000"), "adjustment")]


# Stock counts --------------------------------------------------------------------------------


def test_a_count_is_started_entered_and_posted_and_posting_again_shows_a_message(inv, keeper, client):
    inv.receive(inv.screw, "10", inv.a1)
    inv.receive(inv.resin, "2", inv.a2, lot_number="R-1")
    response = client.post("/inventory/counts/new/", {"warehouse": inv.wh1.pk, "location": "",
                                                      "document_date": "2026-03-31"})
    count = StockCount.objects.get()
    assert response["Location"] == f"/inventory/counts/{count.pk}/"

    client.post(f"/inventory/counts/{count.pk}/start/")
    count.refresh_from_db()
    assert count.status == "counting"
    lines = {line.item.code: line for line in count.lines.select_related("item")}
    sheet = client.get(f"/inventory/counts/{count.pk}/sheet/")
    assert sheet.status_code == 200
    assert f'name="line_{lines["SCR-M3"].pk}"' in sheet.content.decode()

    response = client.post(f"/inventory/counts/{count.pk}/sheet/", {
        f"line_{lines['SCR-M3'].pk}": "8", f"line_{lines['RES-01'].pk}": "2.5"})

    assert messages_of(response) == ["2 counted quantities saved."]
    assert sorted(count.lines.values_list("counted_quantity", flat=True)) == [Decimal("2.5"), Decimal("8")]

    response = client.post(f"/inventory/counts/{count.pk}/post/")

    count.refresh_from_db()
    assert count.status == "posted"
    assert messages_of(response) == [f"{count.number} posted: the variances are booked."]
    assert sorted((m[0], m[3]) for m in moves_of(count)) == [("RES-01", Decimal("0.500000")),
                                                           ("SCR-M3", Decimal("-2.000000"))]

    again = client.post(f"/inventory/counts/{count.pk}/post/")

    assert again.status_code == 302
    assert messages_of(again) == ["This count sheet was already posted."]
    page = client.get(again["Location"])
    assert page.status_code == 200
    assert "This count sheet was already posted." in page.content.decode()
    assert len(moves_of(count)) == 2


def test_a_found_item_is_added_to_the_sheet_and_a_duplicate_is_refused_beside_the_field(inv, keeper, client):
    inv.receive(inv.screw, "10", inv.a1)
    count = services.count_create(company=inv.company, warehouse=inv.wh1, actor=keeper)
    services.count_start(count=count, actor=keeper)

    response = client.post(f"/inventory/counts/{count.pk}/add-line/",
                           {"item": inv.screw.pk, "location": inv.a2.pk, "counted_quantity": "4"})

    assert response.status_code == 302
    assert list(count.lines.order_by("location__code").values_list("location__code", "counted_quantity")) == [
        ("A-01", None), ("A-02", Decimal("4"))]

    response = client.post(f"/inventory/counts/{count.pk}/add-line/",
                           {"item": inv.screw.pk, "location": inv.a2.pk, "counted_quantity": "1"})

    assert response.status_code == 200
    assert response.context["add_form"].errors == {"item": ["This item, location and lot is already on the sheet."]}
    assert count.lines.count() == 2


def test_posting_an_uncounted_sheet_shows_the_message(inv, keeper, client):
    inv.receive(inv.screw, "10", inv.a1)
    count = services.count_create(company=inv.company, warehouse=inv.wh1, actor=keeper)
    services.count_start(count=count, actor=keeper)

    response = client.post(f"/inventory/counts/{count.pk}/post/")

    count.refresh_from_db()
    assert response.status_code == 302
    assert messages_of(response) == [
        "1 lines are not counted yet (first: SCR-M3 at WH1/A-01). Enter 0 for what is not there."]
    assert count.status == "counting"


# Print ----------------------------------------------------------------------------------------


def test_the_print_view_renders_the_number_company_and_signature_boxes(inv, keeper, client):
    receipt = services.receipt_post(receipt=draft_receipt(inv, inv.wh1, inv.a1), actor=inv.admin)

    response = client.get(f"/inventory/receipts/{receipt.pk}/print/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<div class="number" id="document-number">{receipt.number}</div>' in html
    assert "測試精密股份有限公司" in html
    assert "@media print" in html
    assert html.count('class="signature"') == 3
    assert "navbar" not in html


# Lists, filters, export ----------------------------------------------------------------------


def test_the_list_filters_by_status_warehouse_date_and_number(inv, keeper, client):
    client.force_login(inv.admin)
    january = draft_receipt(inv, inv.wh1, inv.a1, document_date=datetime.date(2026, 1, 10))
    posted = services.receipt_post(receipt=january, actor=inv.admin)
    draft = draft_receipt(inv, inv.wh1, inv.a2, document_date=datetime.date(2026, 2, 10))
    other = draft_receipt(inv, inv.wh2, inv.b1, document_date=datetime.date(2026, 2, 11))

    def listed(query):
        response = client.get(f"/inventory/receipts/?{query}")
        assert response.status_code == 200
        return [document.pk for document, _url, _extra in response.context["rows"]]

    assert listed("") == [other.pk, draft.pk, posted.pk]
    assert listed("status=posted") == [posted.pk]
    assert listed(f"warehouse={inv.wh2.pk}") == [other.pk]
    assert listed("date_from=2026-02-01&date_to=2026-02-10") == [draft.pk]
    assert listed(f"q={posted.number}") == [posted.pk]
    assert listed("date_from=2026-03-01&date_to=2026-02-01") == []  # still filtered; the error is shown
    response = client.get("/inventory/receipts/?date_from=2026-03-01&date_to=2026-02-01")
    assert response.context["filters"].errors == {"date_to": [gettext("The end date is before the start date.")]}


def test_export_returns_the_filtered_list_as_csv_and_xlsx(inv, keeper, client):
    january = draft_receipt(inv, inv.wh1, inv.a1, document_date=datetime.date(2026, 1, 10))
    posted = services.receipt_post(receipt=january, actor=inv.admin)
    draft_receipt(inv, inv.wh1, inv.a2)
    draft_receipt(inv, inv.wh2, inv.b1)  # not the keeper's warehouse

    response = client.get("/inventory/receipts/?status=posted&export=csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="goods_receipts.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Number", "Date", "Warehouse", "Supplier / reference", "Status", "Lines", "Notes",
                       "Created by", "Posted at"]
    assert [row[:6] for row in rows[1:]] == [[posted.number, "2026-01-10", "WH1", "", "Posted", "1"]]

    response = client.get("/inventory/receipts/?export=xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert response["Content-Disposition"] == 'attachment; filename="goods_receipts.xlsx"'
    assert len(values) == 3  # header + the two WH1 receipts
    assert sorted(row[3 - 1] for row in values[1:]) == ["WH1", "WH1"]
    assert AccessLog.objects.filter(kind="export").count() == 2


def test_the_receipt_list_runs_a_fixed_number_of_queries(inv, keeper, client):
    warm_permissions(keeper)
    for _ in range(3):
        draft_receipt(inv, inv.wh1, inv.a1)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/inventory/receipts/").status_code == 200
    for _ in range(30):
        draft_receipt(inv, inv.wh1, inv.a1)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/inventory/receipts/")

    assert len(response.context["rows"]) == 25
    assert len(many) == len(few)


# Warehouse scope and permissions -------------------------------------------------------------


def test_a_keeper_not_granted_wh2_cannot_see_or_work_there(inv, keeper, client):
    other = draft_receipt(inv, inv.wh2, inv.b1)

    assert client.get(f"/inventory/receipts/{other.pk}/").status_code == 404
    assert client.get(f"/inventory/receipts/{other.pk}/edit/").status_code == 404
    assert client.get(f"/inventory/receipts/{other.pk}/print/").status_code == 404
    assert client.post(f"/inventory/receipts/{other.pk}/post/").status_code == 404
    assert [d.pk for d, _u, _e in client.get("/inventory/receipts/").context["rows"]] == []
    response = client.post("/inventory/receipts/new/", {
        "warehouse": inv.wh2.pk, "document_date": "2026-03-02",
        **lines_data([{"item": inv.screw, "quantity": "1", "location": inv.b1}])})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "warehouse": ["Select a valid choice. That choice is not one of the available choices."]}
    other.refresh_from_db()
    assert other.status == "draft"
    assert GoodsReceipt.objects.count() == 1


def test_seeing_a_document_is_not_enough_to_post_it(inv, client, make_user):
    manager = make_user("manager", "Manager")  # reads every warehouse, changes nothing
    keeper = make_user("nogrant", "Warehouse")  # no warehouse granted
    receipt = draft_receipt(inv, inv.wh1, inv.a1)
    transfer = services.transfer_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, to_warehouse=inv.wh2,
                                      lines=[{"item": inv.screw, "quantity": Decimal("1"), "unit": inv.pcs,
                                              "from_location": inv.a1, "to_location": inv.b1}])
    client.force_login(manager)

    assert client.get(f"/inventory/receipts/{receipt.pk}/").status_code == 200
    assert client.post(f"/inventory/receipts/{receipt.pk}/post/").status_code == 403
    assert client.get("/inventory/receipts/new/").status_code == 403

    assign_perm(OPERATE, keeper, inv.wh2)
    client.force_login(keeper)

    assert client.get(f"/inventory/transfers/{transfer.pk}/").status_code == 200  # incoming to WH2
    assert client.post(f"/inventory/transfers/{transfer.pk}/ship/").status_code == 403
    assert client.get(f"/inventory/transfers/{transfer.pk}/edit/").status_code == 403
    receipt.refresh_from_db()
    transfer.refresh_from_db()
    assert (receipt.status, transfer.status) == ("draft", "draft")


@pytest.mark.parametrize("path", ["receipts", "issues", "transfers", "adjustments", "counts"])
def test_every_list_and_create_page_renders(inv, keeper, client, path):
    assert client.get(f"/inventory/{path}/").status_code == 200
    assert client.get(f"/inventory/{path}/new/").status_code == 200


def test_choosing_an_item_offers_its_units(inv, keeper, client):
    response = client.get(f"/inventory/documents/unit-options/?lines-0-item={inv.screw.pk}")

    assert response.status_code == 200
    assert [unit.code for unit, _factor in response.context["units"]] == ["PCS", "BOX"]
    assert "BOX (= 12 PCS)" in response.content.decode()


def test_the_count_sheet_prints_with_empty_counted_cells(inv, keeper, client):
    inv.receive(inv.screw, "10", inv.a1)
    count = services.count_create(company=inv.company, warehouse=inv.wh1, actor=keeper)
    services.count_start(count=count, actor=keeper)

    response = client.get(f"/inventory/counts/{count.pk}/print/")

    assert response.status_code == 200
    assert [[(cell.value, getattr(cell.unit, "code", cell.unit)) for cell in cells][3:]
            for _line, cells in response.context["rows"]] == [
        [(Decimal("10.000000"), "PCS"), (None, "PCS"), (None, "PCS")]]


def test_a_draft_issue_reserves_and_releases_its_stock_from_its_page(client, inv):
    from decimal import Decimal

    from inventory.models import StockBalance
    from inventory.services.documents import issue_save

    inv.receive(inv.screw, "10", inv.a1)
    issue = issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[
        {"item": inv.screw, "quantity": Decimal("4"), "unit": inv.pcs, "location": inv.a1}])
    client.force_login(inv.admin)

    page = client.get(f"/inventory/issues/{issue.pk}/").content.decode()
    assert f"/inventory/issues/{issue.pk}/reserve/" in page
    client.post(f"/inventory/issues/{issue.pk}/reserve/")
    reserved_page = client.get(f"/inventory/issues/{issue.pk}/").content.decode()
    assert StockBalance.objects.get(item=inv.screw).reserved == 4
    assert 'id="document-reservations"' in reserved_page
    assert f"/inventory/issues/{issue.pk}/release/" in reserved_page
    client.post(f"/inventory/issues/{issue.pk}/release/")
    assert StockBalance.objects.get(item=inv.screw).reserved == 0
