"""The delivery note screens through the test client: list, detail, pick sheet (FEFO), post with a
backorder, cancel, print, warehouse scope and the refusals of bad input."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from inventory import status as ist
from inventory.models import DeliveryNote, DeliveryNoteLine, StockBalance, StockMove
from inventory.services import masterdata
from inventory.services.deliveries import delivery_post, delivery_save_picks
from inventory.services.documents import receipt_post, receipt_save
from sales import status as st
from sales.models import SalesOrder
from sales.services.orders import order_cancel, order_confirm
from tests.conftest import warm_permissions
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


@pytest.fixture
def users(sal):
    """The fixture's people, working in English."""
    for user in (sal.keeper, sal.rep, sal.rep2, sal.manager, sal.admin):
        user.language = "en"
        user.save()
    return sal


def confirmed(sal, quantity="20", item=None, stock="30", customer=None, actor=None, price=None):
    """A confirmed order of ``quantity`` (stock received first) and its generated delivery note draft."""
    item = item or sal.widget
    if stock:
        sal.receive(item, stock, cost="40")
    line = {"item": item, "quantity": D(quantity), **({"unit_price": D(price)} if price else {})}
    order = sal.order([line], customer=customer, actor=actor)
    order_confirm(order=order, actor=actor or sal.rep)
    deliver_events()
    order.refresh_from_db()
    return order, DeliveryNote.objects.filter(source_id=order.pk).order_by("pk").last()


def shipped(sal, picked="8", quantity="20"):
    order, note = confirmed(sal, quantity)
    line = note.lines.get()
    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D(picked), "location": sal.a1, "lot": None}])
    return order, delivery_post(delivery=note, actor=sal.keeper)


def pick_data(note, rows, splits=()):
    """POST data of the pick sheet: ``rows`` {line: (location, lot, picked)}, ``splits`` [(order line, location,
    lot, picked)]."""
    data = {"splits-TOTAL_FORMS": str(len(splits)), "splits-INITIAL_FORMS": "0", "splits-MIN_NUM_FORMS": "0",
            "splits-MAX_NUM_FORMS": "100"}
    for line in note.lines.order_by("pk"):
        location, lot, picked = rows.get(line, (line.location, line.lot, line.picked))
        data[f"line-{line.pk}-location"] = location.pk if location else ""
        data[f"line-{line.pk}-lot"] = lot.pk if lot else ""
        data[f"line-{line.pk}-picked"] = str(picked)
    for index, (order_line, location, lot, picked) in enumerate(splits):
        data[f"splits-{index}-order_line"] = order_line or ""
        data[f"splits-{index}-location"] = location.pk if location else ""
        data[f"splits-{index}-lot"] = lot.pk if lot else ""
        data[f"splits-{index}-picked"] = str(picked)
    return data


def picks_of(note):
    return list(note.lines.order_by("pk").values_list("quantity", "picked", "location__code", "lot__number"))


# Screens for each role -----------------------------------------------------------------------


def test_the_screens_render_for_the_keeper_the_rep_and_the_sales_manager(users, client):
    sal = users
    order, posted = shipped(sal)
    backorder = DeliveryNote.objects.get(backorder_of=posted)

    client.force_login(sal.keeper)
    for url in ("/inventory/deliveries/", f"/inventory/deliveries/{posted.pk}/",
                f"/inventory/deliveries/{posted.pk}/print/", f"/inventory/deliveries/{backorder.pk}/",
                f"/inventory/deliveries/{backorder.pk}/pick/", f"/inventory/deliveries/{backorder.pk}/print/"):
        assert client.get(url).status_code == 200, url
    detail = client.get(f"/inventory/deliveries/{backorder.pk}/").content.decode()
    assert f'href="/inventory/deliveries/{backorder.pk}/pick/"' in detail
    assert f'action="/inventory/deliveries/{backorder.pk}/post/"' in detail
    assert f'href="/inventory/deliveries/{posted.pk}/"' in detail  # backorder of

    client.force_login(sal.rep)
    assert [n.pk for n in client.get("/inventory/deliveries/").context["page"]] == [backorder.pk, posted.pk]
    detail = client.get(f"/inventory/deliveries/{posted.pk}/")
    assert detail.status_code == 200
    assert detail.context["actions"][0].label == "Return goods"  # a rep may record a return, not pick
    assert client.get(f"/inventory/deliveries/{posted.pk}/print/").status_code == 200
    assert client.get(f"/inventory/deliveries/{backorder.pk}/pick/").status_code == 403
    assert client.post(f"/inventory/deliveries/{backorder.pk}/post/").status_code == 403

    client.force_login(sal.manager)
    assert len(client.get("/inventory/deliveries/").context["page"]) == 2
    assert client.get(f"/inventory/deliveries/{backorder.pk}/").status_code == 200

    client.force_login(sal.rep2)  # another rep: not their customer
    assert list(client.get("/inventory/deliveries/").context["page"]) == []
    assert client.get(f"/inventory/deliveries/{posted.pk}/").status_code == 404


def test_the_detail_shows_order_lines_picks_costs_moves_and_history(users, client):
    sal = users
    order, posted = shipped(sal)
    client.force_login(sal.keeper)

    response = client.get(f"/inventory/deliveries/{posted.pk}/")

    html = response.content.decode()
    assert f'<span id="document-number">{posted.number}</span>' in html
    assert 'data-status="posted"' in html
    assert [(line.source_line_no, line.quantity, line.picked, line.unit_cost) for line in
            response.context["lines"]] == [(1, D("20.0000"), D("8.0000"), D("40.000000"))]
    assert "C001 大同機械" in html
    assert "台中市" in html  # ship to, from the customer's shipping address
    assert [m.quantity for m in response.context["moves"]] == [D("-8.000000")]
    assert {"field": "status", "old": "Draft", "new": "Posted"} in response.context["history"][0]["changes"]
    assert 'id="backorders"' in html


def test_the_print_page_is_a_delivery_note_with_what_was_shipped(users, client):
    sal = users
    order, posted = shipped(sal)
    client.force_login(sal.keeper)

    html = client.get(f"/inventory/deliveries/{posted.pk}/print/").content.decode()

    assert '<div class="number" id="document-number">' + posted.number in html
    assert "測試精密股份有限公司" in html
    assert f'<dd id="print-order">{order.number}</dd>' in html
    assert '<dd id="print-customer">C001 大同機械</dd>' in html
    assert "Quantity shipped" in html
    assert '<td class="num">8</td>' in html
    assert html.count('class="signature"') == 3


def test_the_keeper_workbench_lists_the_delivery_notes_to_pick(users, client):
    sal = users
    order, note = confirmed(sal)
    client.force_login(sal.keeper)

    response = client.get("/inventory/")

    groups = {g["key"]: g["documents"] for g in response.context["groups"]}
    assert groups["deliveries_to_pick"] == [note]
    assert f'href="/inventory/deliveries/{note.pk}/"' in response.content.decode()
    assert 'href="/inventory/deliveries/"' in response.content.decode()  # the nav


# Picking and posting -------------------------------------------------------------------------


def test_a_partial_pick_posted_through_the_screens_ships_it_and_creates_the_backorder(users, client):
    sal = users
    order, note = confirmed(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    response = client.post(f"/inventory/deliveries/{note.pk}/pick/", pick_data(note, {line: (sal.a1, None, "8")}))

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/deliveries/{note.pk}/"
    assert picks_of(note) == [(D("20.0000"), D("8.0000"), "A-01", None)]

    response = client.post(f"/inventory/deliveries/{note.pk}/post/")

    note.refresh_from_db()
    backorder = DeliveryNote.objects.get(backorder_of=note)
    assert response.status_code == 302
    assert note.status == ist.DocStatus.POSTED
    assert messages_of(response) == [f"{note.number} posted: the goods are shipped. Backorder {backorder.reference} "
                                     "holds what is still to ship."]
    order.refresh_from_db()
    assert order.status == st.OrderStatus.PARTIAL
    assert order.lines.get().delivered_quantity == D("8")
    assert [(b.quantity, b.picked, b.location_id) for b in backorder.lines.all()] == [(D("12"), D("12"), sal.a1.pk)]
    assert StockBalance.objects.get(item=sal.widget, location=sal.a1).on_hand == D("22")

    # the backorder is picked in full and shipped: the order is delivered, no further backorder
    client.post(f"/inventory/deliveries/{backorder.pk}/pick/", pick_data(backorder, {}))
    response = client.post(f"/inventory/deliveries/{backorder.pk}/post/")

    backorder.refresh_from_db()
    order.refresh_from_db()
    assert messages_of(response) == [f"{backorder.number} posted: the goods are shipped."]
    assert order.status == st.OrderStatus.DELIVERED
    assert DeliveryNote.objects.filter(source_id=order.pk).count() == 2


def test_a_split_row_picks_part_of_an_order_line_from_another_bin(users, client):
    sal = users
    sal.receive(sal.widget, "5", location=sal.a2, cost="40")
    order, note = confirmed(sal, "20", stock="15")  # 15 in A-01, 5 in A-02: reserved over both bins
    client.force_login(sal.keeper)
    lines = list(note.lines.order_by("pk"))
    assert [(x.quantity, x.location.code) for x in lines] == [(D("15"), "A-01"), (D("5"), "A-02")]

    response = client.post(f"/inventory/deliveries/{note.pk}/pick/", pick_data(
        note, {lines[0]: (sal.a1, None, "10"), lines[1]: (sal.a2, None, "0")},
        splits=[(lines[0].source_line_id, sal.a2, None, "4")]))

    assert response.status_code == 302
    assert picks_of(note) == [(D("15.0000"), D("10.0000"), "A-01", None), (D("5.0000"), D("0.0000"), "A-02", None),
                              (D("0.0000"), D("4.0000"), "A-02", None)]
    client.post(f"/inventory/deliveries/{note.pk}/post/")
    note.refresh_from_db()
    assert note.status == "posted"
    assert sorted(StockMove.objects.filter(move_type="delivery").values_list("location__code", "quantity")) == [
        ("A-01", D("-10.000000")), ("A-02", D("-4.000000"))]
    backorder = DeliveryNote.objects.get(backorder_of=note)
    assert list(backorder.lines.values_list("quantity", "location__code")) == [(D("5"), "A-01"), (D("1"), "A-02")]


def test_the_add_row_button_adds_a_split_row_without_saving(users, client):
    sal = users
    order, note = confirmed(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    response = client.post(f"/inventory/deliveries/{note.pk}/pick/",
                           {**pick_data(note, {line: (sal.a1, None, "3")}), "add_row": "1"})

    assert response.status_code == 200
    assert len(response.context["sheet"].splits.forms) == 1
    assert picks_of(note) == [(D("20.0000"), D("20.0000"), "A-01", None)]


def test_fefo_the_generated_line_takes_the_first_expiring_lot_and_the_pick_page_suggests_it(users, client):
    sal = users
    milk = masterdata.item_create(company=sal.company, code="MLK-1", name="奶粉", base_unit=sal.pcs,
                                  item_type=ist.ItemType.FINISHED_GOOD, lot_tracked=True)
    later, sooner = sal.today + datetime.timedelta(days=200), sal.today + datetime.timedelta(days=30)
    receipt = receipt_save(company=sal.company, actor=sal.admin, warehouse=sal.wh, lines=[
        {"item": milk, "quantity": D("10"), "unit": sal.pcs, "location": sal.a1, "unit_cost": D("5"),
         "lot_number": "L-LATE", "expires_on": later},
        {"item": milk, "quantity": D("10"), "unit": sal.pcs, "location": sal.a2, "unit_cost": D("5"),
         "lot_number": "L-SOON", "expires_on": sooner}])
    receipt_post(receipt=receipt, actor=sal.admin)

    order, note = confirmed(sal, "6", item=milk, stock=None, price="50")

    assert picks_of(note) == [(D("6.0000"), D("6.0000"), "A-02", "L-SOON")]
    client.force_login(sal.keeper)
    response = client.get(f"/inventory/deliveries/{note.pk}/pick/")
    [(item, balances)] = response.context["stock"]
    assert [(b.lot.number, b.on_hand, b.reserved) for b in balances] == [
        ("L-SOON", D("10"), D("6")), ("L-LATE", D("10"), D("0"))]
    html = response.content.decode()
    card = html[html.index(f'id="stock-{milk.pk}"'):]
    assert card.index('data-fefo="suggested"') < card.index("L-SOON") < card.index("L-LATE")
    lot_choices = [label for value, label in response.context["sheet"].line_forms[0].fields["lot"].choices]
    assert lot_choices == ["no lot", f"L-SOON (expires {sooner.isoformat()})", f"L-LATE (expires {later.isoformat()})"]


def test_posting_refusals_are_shown_and_change_nothing(users, client):
    sal = users
    order, note = confirmed(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    # nothing picked
    delivery_save_picks(delivery=note, actor=sal.keeper, lines=[{"id": line.pk, "picked": D("0"),
                                                                  "location": sal.a1, "lot": None}])
    response = client.post(f"/inventory/deliveries/{note.pk}/post/")
    assert messages_of(response) == ["Nothing is picked: enter the picked quantities first."]

    # picked from a bin without the stock
    delivery_save_picks(delivery=note, actor=sal.keeper, lines=[{"id": line.pk, "picked": D("5"),
                                                                  "location": sal.a2, "lot": None}])
    response = client.post(f"/inventory/deliveries/{note.pk}/post/")
    assert len(messages_of(response)) == 1 and "A-02" in messages_of(response)[0]

    note.refresh_from_db()
    assert note.status == "draft" and note.number == ""
    assert not StockMove.objects.filter(move_type="delivery").exists()
    assert SalesOrder.objects.get(pk=order.pk).status == st.OrderStatus.CONFIRMED


def test_a_note_of_a_cancelled_order_cannot_be_posted_or_picked(users, client):
    sal = users
    order, note = confirmed(sal)
    order_cancel(order=order, actor=sal.rep, reason="客戶取消")
    client.force_login(sal.keeper)

    response = client.post(f"/inventory/deliveries/{note.pk}/post/")

    note.refresh_from_db()
    assert note.status == "cancelled"
    assert messages_of(response) == [f"{note.reference} cannot go from “Voided” to “Posted”."]
    response = client.get(f"/inventory/deliveries/{note.pk}/pick/")
    assert response.status_code == 302
    assert not StockMove.objects.filter(move_type="delivery").exists()


def test_cancelling_a_draft_through_the_screen(users, client):
    sal = users
    order, note = confirmed(sal)
    client.force_login(sal.keeper)

    response = client.post(f"/inventory/deliveries/{note.pk}/cancel/", {"reason": "重複建立"})

    note.refresh_from_db()
    assert note.status == "cancelled"
    assert messages_of(response) == [f"{note.reference} voided."]


# Bad input -----------------------------------------------------------------------------------


def test_picking_more_than_the_order_still_has_to_deliver_is_refused_and_nothing_is_saved(users, client):
    sal = users
    order, note = confirmed(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    response = client.post(f"/inventory/deliveries/{note.pk}/pick/", pick_data(
        note, {line: (sal.a1, None, "15")}, splits=[(line.source_line_id, sal.a2, None, "6")]))

    assert response.status_code == 200
    assert response.context["errors"] == ["Order line 1: 21 PCS picked but only 20 PCS still to deliver."]
    assert 'id="pick-errors"' in response.content.decode()
    assert picks_of(note) == [(D("20.0000"), D("20.0000"), "A-01", None)]


def test_a_location_of_another_warehouse_is_refused_beside_the_field(users, client):
    sal = users
    other = masterdata.warehouse_create(company=sal.company, code="RM", name="原料倉")
    elsewhere = masterdata.location_create(warehouse=other, code="R-01", name="R 01")
    order, note = confirmed(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    response = client.post(f"/inventory/deliveries/{note.pk}/pick/", pick_data(note, {line: (elsewhere, None, "5")}))

    assert response.status_code == 200
    assert response.context["sheet"].line_forms[0].errors == {
        "location": [f"Select a valid choice. {elsewhere.pk} is not one of the available choices."]}
    assert picks_of(note) == [(D("20.0000"), D("20.0000"), "A-01", None)]


def test_a_negative_pick_and_a_split_row_without_order_line_are_refused(users, client):
    sal = users
    order, note = confirmed(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    response = client.post(f"/inventory/deliveries/{note.pk}/pick/", pick_data(
        note, {line: (sal.a1, None, "-1")}, splits=[(None, sal.a2, None, "2")]))

    sheet = response.context["sheet"]
    assert list(sheet.line_forms[0].errors) == ["picked"]
    assert sheet.splits.forms[0].errors == {"order_line": ["Choose the order line this pick is for."]}
    assert DeliveryNoteLine.objects.filter(document=note).count() == 1


# Warehouse scope -----------------------------------------------------------------------------


def test_a_keeper_without_the_warehouse_cannot_pick_or_post(users, client, make_user):
    sal = users
    order, note = confirmed(sal)
    other_keeper = make_user("keeper2", "Warehouse", language="en")
    other = masterdata.warehouse_create(company=sal.company, code="RM", name="原料倉")
    assign_perm("inventory.operate_warehouse", other_keeper, other)
    client.force_login(other_keeper)

    assert list(client.get("/inventory/deliveries/").context["page"]) == []
    assert client.get(f"/inventory/deliveries/{note.pk}/pick/").status_code == 404
    assert client.post(f"/inventory/deliveries/{note.pk}/post/").status_code == 404

    # a supervisor who sees every warehouse and may change delivery notes, but operates none of them
    supervisor = make_user("supervisor", "Manager", language="en")
    assign_perm("inventory.change_deliverynote", supervisor)
    client.force_login(supervisor)

    assert client.get(f"/inventory/deliveries/{note.pk}/").status_code == 200
    assert client.get(f"/inventory/deliveries/{note.pk}/pick/").status_code == 403
    assert client.post(f"/inventory/deliveries/{note.pk}/pick/", pick_data(note, {})).status_code == 403
    assert client.post(f"/inventory/deliveries/{note.pk}/post/").status_code == 403
    assert client.post(f"/inventory/deliveries/{note.pk}/cancel/").status_code == 403
    assert client.get(f"/inventory/deliveries/{note.pk}/").context["actions"] == []
    note.refresh_from_db()
    assert note.status == "draft"


# List: filters, export, htmx, queries --------------------------------------------------------


def test_the_list_filters_by_status_search_warehouse_and_dates(users, client):
    sal = users
    order, posted = shipped(sal)
    backorder = DeliveryNote.objects.get(backorder_of=posted)
    other_order, other_note = confirmed(sal, "1", customer=sal.other_customer, actor=sal.rep2)
    client.force_login(sal.keeper)

    def listed(query):
        return [n.pk for n in client.get(f"/inventory/deliveries/?{query}").context["page"]]

    assert listed("") == [other_note.pk, backorder.pk, posted.pk]
    assert listed("status=posted") == [posted.pk]
    assert listed("q=永豐") == [other_note.pk]
    assert listed(f"q={order.number}") == [backorder.pk, posted.pk]
    assert listed(f"q={posted.number}") == [posted.pk]
    assert listed("q=C002") == [other_note.pk]
    assert listed(f"warehouse={sal.wh.pk}&date_from={sal.today}&date_to={sal.today}") == [
        other_note.pk, backorder.pk, posted.pk]
    assert listed(f"date_to={sal.today - datetime.timedelta(days=1)}") == []

    partial = client.get("/inventory/deliveries/?status=draft", headers={"HX-Request": "true", "HX-Target": "results"})
    assert partial.templates[0].name == "inventory/deliveries/_list_table.html"


def test_the_list_exports_csv_and_xlsx_with_the_filters(users, client):
    sal = users
    order, posted = shipped(sal)
    client.force_login(sal.keeper)

    response = client.get("/inventory/deliveries/?status=posted&export=csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["Number", "Date", "Warehouse", "Source document", "Customer code", "Customer", "Status"]
    assert [row[:7] for row in rows[1:]] == [[posted.number, sal.today.isoformat(), "FG", order.number, "C001",
                                              "大同機械", "Posted"]]

    response = client.get("/inventory/deliveries/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3  # the header, the posted note and its backorder


def test_the_list_runs_a_fixed_number_of_queries(users, client):
    sal = users
    shipped(sal)
    client.force_login(sal.keeper)
    warm_permissions(sal.keeper)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/inventory/deliveries/").status_code == 200
    for _ in range(4):
        confirmed(sal, "1", stock="1")

    with CaptureQueriesContext(connection) as many:
        response = client.get("/inventory/deliveries/")

    assert len(response.context["page"]) == 6
    assert len(many) == len(few)


def test_the_detail_and_pick_pages_run_a_fixed_number_of_queries(users, client):
    sal = users
    order, note = confirmed(sal, "2")
    client.force_login(sal.keeper)
    warm_permissions(sal.keeper)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/inventory/deliveries/{note.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as few_pick:
        assert client.get(f"/inventory/deliveries/{note.pk}/pick/").status_code == 200
    line = note.lines.get()
    for _ in range(5):  # more lines of the same order line
        DeliveryNoteLine.objects.create(document=note, source_line_id=line.source_line_id, item=line.item,
                                        unit=line.unit, quantity=0, picked=0, location=sal.a2)

    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/inventory/deliveries/{note.pk}/")
    with CaptureQueriesContext(connection) as many_pick:
        client.get(f"/inventory/deliveries/{note.pk}/pick/")

    assert len(response.context["lines"]) == 6
    assert len(many) == len(few)
    assert len(many_pick) == len(few_pick)
