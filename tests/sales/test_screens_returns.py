"""The customer return screens through the test client: create against a posted delivery, edit,
post (the goods back at the chosen location), cancel, list, export, print, scope and bad input."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from erp.models import OutboxEvent
from inventory.models import DeliveryNote, StockBalance, StockMove
from inventory.services.deliveries import delivery_post, delivery_save_picks
from sales import status as st
from sales.models import CustomerReturn, CustomerReturnLine
from sales.services.orders import order_confirm
from sales.services.returns import return_post, return_save
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


@pytest.fixture
def users(sal):
    for user in (sal.keeper, sal.rep, sal.rep2, sal.manager, sal.admin):
        user.language = "en"
        user.save()
    return sal


def shipped(sal, picked="8", customer=None, actor=None):
    """A posted delivery of ``picked`` widgets (of 20 ordered) from A-01."""
    sal.receive(sal.widget, "30", cost="40")
    order = sal.order([{"item": sal.widget, "quantity": D("20")}], customer=customer, actor=actor)
    order_confirm(order=order, actor=actor or sal.rep)
    deliver_events()
    order.refresh_from_db()
    note = DeliveryNote.objects.get(source_id=order.pk)
    line = note.lines.get()
    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D(picked), "location": sal.a1, "lot": None}])
    return order, delivery_post(delivery=note, actor=sal.keeper)


def return_data(note, rows, reason="包裝破損", document_date=None):
    """POST data of the return sheet: ``rows`` {delivery line: (quantity, location)}; other lines 0."""
    data = {"reason": reason, "document_date": str(document_date or "")}
    for line in note.lines.filter(picked__gt=0).order_by("pk"):
        quantity, location = rows.get(line, ("0", line.location))
        data[f"line-{line.pk}-quantity"] = str(quantity)
        data[f"line-{line.pk}-location"] = location.pk if location else ""
    return data


def on_hand(sal, location):
    return sum((b.on_hand for b in StockBalance.objects.filter(item=sal.widget, location=location)), D("0"))


# Create and post -----------------------------------------------------------------------------


def test_a_return_through_the_screens_puts_the_stock_back_at_the_chosen_location(users, client):
    sal = users
    order, note = shipped(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    page = client.get(f"/sales/returns/new/?delivery={note.pk}")
    assert page.status_code == 200
    assert [(x.picked, x.returnable) for x, _form in page.context["rows"]] == [(D("8.0000"), D("8.0000"))]

    response = client.post(f"/sales/returns/new/?delivery={note.pk}",
                           return_data(note, {line: ("3", sal.a2)}, document_date=sal.today))

    customer_return = CustomerReturn.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sales/returns/{customer_return.pk}/"
    assert (customer_return.status, customer_return.reason, customer_return.delivery_id, customer_return.order_id,
            customer_return.customer_id) == ("draft", "包裝破損", note.pk, order.pk, sal.customer.pk)
    assert list(customer_return.lines.values_list("quantity", "location__code", "delivery_line_id")) == [
        (D("3.0000"), "A-02", line.pk)]
    assert on_hand(sal, sal.a2) == 0  # a draft moves nothing

    response = client.post(f"/sales/returns/{customer_return.pk}/post/")

    customer_return.refresh_from_db()
    assert customer_return.status == "posted" and customer_return.number.startswith("SR")
    assert messages_of(response) == [f"{customer_return.number} posted: the goods are back in stock."]
    assert on_hand(sal, sal.a2) == D("3")
    assert on_hand(sal, sal.a1) == D("22")
    move = StockMove.objects.get(move_type="customer_return")
    assert (move.location_id, move.quantity, move.unit_cost) == (sal.a2.pk, D("3"), D("40"))
    assert order.lines.get().returned_quantity == D("3")
    assert OutboxEvent.objects.filter(name="sales.return_posted").count() == 1

    detail = client.get(f"/sales/returns/{customer_return.pk}/")
    html = detail.content.decode()
    assert f'<span id="document-number">{customer_return.number}</span>' in html
    assert f'href="/inventory/deliveries/{note.pk}/"' in html
    assert [m.quantity for m in detail.context["moves"]] == [D("3.000000")]
    assert detail.context["actions"] == []


def test_a_posted_delivery_offers_return_goods_and_lists_its_returns(users, client):
    sal = users
    order, note = shipped(sal)
    customer_return = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                                  lines=[{"delivery_line": note.lines.get(), "quantity": D("1"), "location": sal.a1}])
    client.force_login(sal.keeper)

    html = client.get(f"/inventory/deliveries/{note.pk}/").content.decode()

    assert f'href="/sales/returns/new/?delivery={note.pk}"' in html
    assert f'href="/sales/returns/{customer_return.pk}/"' in html


def test_without_a_delivery_the_new_return_page_lists_posted_deliveries(users, client):
    sal = users
    order, note = shipped(sal)
    client.force_login(sal.keeper)

    response = client.get("/sales/returns/new/")

    assert response.status_code == 200
    assert [n.pk for n in response.context["page"]] == [note.pk]
    assert f'href="?delivery={note.pk}"' in response.content.decode()
    assert [n.pk for n in client.get("/sales/returns/new/?q=nothing-like-this").context["page"]] == []


def test_editing_a_draft_return_and_cancelling_it(users, client):
    sal = users
    order, note = shipped(sal)
    line = note.lines.get()
    customer_return = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                                  lines=[{"delivery_line": line, "quantity": D("2"), "location": sal.a1}])
    client.force_login(sal.keeper)

    page = client.get(f"/sales/returns/{customer_return.pk}/edit/")
    form = page.context["sheet"].forms[0]
    assert (form.initial["quantity"], form.initial["location"]) == (D("2"), sal.a1.pk)

    response = client.post(f"/sales/returns/{customer_return.pk}/edit/",
                           return_data(note, {line: ("5", sal.a2)}, reason="規格不符", document_date=sal.today))

    assert response.status_code == 302
    customer_return.refresh_from_db()
    assert customer_return.reason == "規格不符"
    assert list(customer_return.lines.values_list("quantity", "location__code")) == [(D("5.0000"), "A-02")]

    response = client.post(f"/sales/returns/{customer_return.pk}/cancel/", {"reason": "重複建立"})

    customer_return.refresh_from_db()
    assert customer_return.status == "cancelled"
    assert messages_of(response) == [f"{customer_return.reference} voided."]
    assert client.get(f"/sales/returns/{customer_return.pk}/edit/").status_code == 302
    assert not StockMove.objects.filter(move_type="customer_return").exists()


# Bad input -----------------------------------------------------------------------------------


def test_returning_more_than_was_delivered_is_refused_beside_the_line_and_nothing_is_saved(users, client):
    sal = users
    order, note = shipped(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    response = client.post(f"/sales/returns/new/?delivery={note.pk}",
                           return_data(note, {line: ("9", sal.a2)}, document_date=sal.today))

    assert response.status_code == 200
    assert response.context["sheet"].forms[0].errors == {"quantity": ["At most 8 PCS can still be returned."]}
    assert not CustomerReturn.objects.exists()


def test_what_posted_returns_took_back_cannot_be_returned_again(users, client):
    sal = users
    order, note = shipped(sal)
    line = note.lines.get()
    first = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                        lines=[{"delivery_line": line, "quantity": D("6"), "location": sal.a1}])
    second = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                         lines=[{"delivery_line": line, "quantity": D("5"), "location": sal.a1}])
    return_post(customer_return=first, actor=sal.keeper)
    client.force_login(sal.keeper)

    page = client.get(f"/sales/returns/new/?delivery={note.pk}")
    assert [(x.returned_before, x.returnable) for x, _form in page.context["rows"]] == [(D("6"), D("2"))]

    response = client.post(f"/sales/returns/{second.pk}/post/")  # the draft asks for more than is left

    second.refresh_from_db()
    assert second.status == "draft"
    assert messages_of(response) == ["Line 1: only 2 PCS of WID-1 can still be returned from this delivery."]
    assert on_hand(sal, sal.a1) == D("22") + D("6")
    assert order.lines.get().returned_quantity == D("6")


def test_an_all_zero_return_and_a_missing_location_are_refused(users, client):
    sal = users
    order, note = shipped(sal)
    line = note.lines.get()
    client.force_login(sal.keeper)

    response = client.post(f"/sales/returns/new/?delivery={note.pk}", return_data(note, {}, document_date=sal.today))

    assert response.status_code == 200
    assert response.context["errors"] == ["Add at least one line."]
    assert 'id="return-errors"' in response.content.decode()

    response = client.post(f"/sales/returns/new/?delivery={note.pk}",
                           return_data(note, {line: ("1", None)}, document_date=sal.today))

    assert response.context["sheet"].forms[0].errors == {"location": ["Choose the location the goods go back to."]}
    assert not CustomerReturn.objects.exists() and not CustomerReturnLine.objects.exists()


def test_a_draft_delivery_cannot_be_returned(users, client):
    sal = users
    sal.receive(sal.widget, "5")
    order = sal.order([{"item": sal.widget, "quantity": D("2")}])
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    draft = DeliveryNote.objects.get(source_id=order.pk)
    client.force_login(sal.keeper)

    assert client.get(f"/sales/returns/new/?delivery={draft.pk}").status_code == 404


# Screens for each role and scope -------------------------------------------------------------


def test_the_screens_render_for_the_keeper_the_rep_and_the_sales_manager(users, client):
    sal = users
    order, note = shipped(sal)
    customer_return = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                                  lines=[{"delivery_line": note.lines.get(), "quantity": D("1"), "location": sal.a1}])
    urls = ["/sales/returns/", "/sales/returns/new/", f"/sales/returns/new/?delivery={note.pk}",
            f"/sales/returns/{customer_return.pk}/", f"/sales/returns/{customer_return.pk}/edit/",
            f"/sales/returns/{customer_return.pk}/print/"]
    for user in (sal.keeper, sal.rep, sal.manager):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.username, url)

    client.force_login(sal.keeper)
    html = client.get(f"/sales/returns/{customer_return.pk}/print/").content.decode()
    assert f'<div class="number" id="document-number">{customer_return.reference}</div>' in html
    assert "C001" in html and order.number in html and note.number in html
    assert html.count('class="signature"') == 3

    client.force_login(sal.rep2)  # another customer's rep
    assert list(client.get("/sales/returns/").context["page"]) == []
    assert client.get(f"/sales/returns/{customer_return.pk}/").status_code == 404
    assert client.get(f"/sales/returns/new/?delivery={note.pk}").status_code == 404
    assert client.post(f"/sales/returns/{customer_return.pk}/post/").status_code == 404


def test_a_user_who_may_only_read_returns_gets_403_on_changes(users, client, make_user):
    sal = users
    order, note = shipped(sal)
    customer_return = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                                  lines=[{"delivery_line": note.lines.get(), "quantity": D("1"), "location": sal.a1}])
    client.force_login(make_user("finance", "Finance", language="en"))

    assert client.get(f"/sales/returns/{customer_return.pk}/").status_code == 200
    assert client.get(f"/sales/returns/new/?delivery={note.pk}").status_code == 403
    assert client.post(f"/sales/returns/{customer_return.pk}/post/").status_code == 403
    customer_return.refresh_from_db()
    assert customer_return.status == "draft"


# List: filters, export, queries --------------------------------------------------------------


def test_the_list_filters_and_exports(users, client):
    sal = users
    order, note = shipped(sal)
    other_order, other_note = shipped(sal, customer=sal.other_customer, actor=sal.rep2)
    mine = return_save(company=sal.company, actor=sal.keeper, delivery=note, reason="破損",
                       lines=[{"delivery_line": note.lines.get(), "quantity": D("1"), "location": sal.a1}])
    return_post(customer_return=mine, actor=sal.keeper)
    mine.refresh_from_db()
    theirs = return_save(company=sal.company, actor=sal.keeper, delivery=other_note,
                         lines=[{"delivery_line": other_note.lines.get(), "quantity": D("2"), "location": sal.a2}])
    client.force_login(sal.keeper)

    def listed(query):
        return [r.pk for r in client.get(f"/sales/returns/?{query}").context["page"]]

    assert listed("") == [theirs.pk, mine.pk]
    assert listed(f"customer={sal.customer.pk}") == [mine.pk]
    assert listed("status=draft") == [theirs.pk]
    assert listed("q=永豐") == [theirs.pk]
    assert listed(f"q={mine.number}") == [mine.pk]
    assert listed(f"date_from={sal.today}&date_to={sal.today}") == [theirs.pk, mine.pk]
    partial = client.get("/sales/returns/?status=posted", headers={"HX-Request": "true", "HX-Target": "results"})
    assert partial.templates[0].name == "sales/returns/_list_table.html"

    rows = list(csv.reader(io.StringIO(client.get("/sales/returns/?status=posted&export=csv")
                                       .content.decode("utf-8-sig"))))
    assert rows[0][:8] == ["Number", "Date", "Customer code", "Customer", "Sales order", "Delivery note", "Status",
                           "Reason"]
    assert [row[:8] for row in rows[1:]] == [[mine.number, sal.today.isoformat(), "C001", "大同機械", order.number,
                                              note.number, "Posted", "破損"]]
    sheet = load_workbook(io.BytesIO(client.get("/sales/returns/?export=xlsx").content)).active
    assert sheet.max_row == 3


def test_the_list_and_the_detail_run_a_fixed_number_of_queries(users, client):
    sal = users
    order, note = shipped(sal, picked="20")
    line = note.lines.get()

    def draft(quantity="1"):
        return return_save(company=sal.company, actor=sal.keeper, delivery=note,
                           lines=[{"delivery_line": line, "quantity": D(quantity), "location": sal.a1}])

    first = draft()
    client.force_login(sal.keeper)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/sales/returns/").status_code == 200
    with CaptureQueriesContext(connection) as few_detail:
        assert client.get(f"/sales/returns/{first.pk}/").status_code == 200
    for _ in range(5):
        draft()
    return_save(company=sal.company, actor=sal.keeper, delivery=note, customer_return=first, lines=[
        {"delivery_line": line, "quantity": D("1"), "location": location} for location in (sal.a1, sal.a2, sal.a1)])

    with CaptureQueriesContext(connection) as many:
        response = client.get("/sales/returns/")
    with CaptureQueriesContext(connection) as many_detail:
        detail = client.get(f"/sales/returns/{first.pk}/")

    assert len(response.context["page"]) == 6
    assert len(detail.context["lines"]) == 3
    assert len(many) == len(few)
    assert len(many_detail) == len(few_detail)
    assert CustomerReturn.objects.filter(status=st.ReturnStatus.DRAFT).count() == 6
