"""Purchase order screens: list (filters, query count), detail, entry, actions, permissions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchasing import status as st
from purchasing.models import PurchaseOrder
from purchasing.services import orders as services
from tests.purchasing.conftest import D
from tests.purchasing.order_helpers import approved, draft

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def test_the_list_shows_the_buyers_orders_in_a_fixed_number_of_queries(pur, client):
    draft(pur)
    signed_in(client, pur.buyer)
    client.get("/purchasing/orders/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/purchasing/orders/").status_code == 200
    for _ in range(4):
        draft(pur, "3")
    with CaptureQueriesContext(connection) as five:
        page = client.get("/purchasing/orders/").content.decode()
    assert len(five.captured_queries) == len(one.captured_queries)
    assert page.count("/purchasing/orders/") >= 5


def test_filters_and_export(pur, client):
    first = approved(pur)
    draft(pur)
    signed_in(client, pur.buyer)

    page = client.get("/purchasing/orders/?status=approved").content.decode()
    assert first.number in page
    export = client.get("/purchasing/orders/?export=csv")
    assert export.status_code == 200


def test_the_supplier_filter_takes_a_code_and_says_when_no_supplier_of_the_reader_has_it(pur, client):
    mine = approved(pur)
    theirs = services.order_save(company=pur.company, actor=pur.buyer2, supplier=pur.bolt_co,
                                 lines=[{"item": pur.screw, "quantity": D("2")}])
    signed_in(client, pur.buyer)

    by_code = client.get("/purchasing/orders/", {"supplier": "s001"}).content.decode()
    not_mine = client.get("/purchasing/orders/", {"supplier": "S002"})
    signed_in(client, pur.purchasing_manager)
    as_manager = client.get("/purchasing/orders/", {"supplier": "S002"}).content.decode()

    assert mine.number in by_code
    assert '<option value="' not in by_code.split('name="supplier"')[1][:200]  # a text field, no list of suppliers
    assert "None of your suppliers has the code S002." in not_mine.content.decode()  # beside the field
    assert theirs.reference in as_manager and mine.number not in as_manager


def test_another_buyers_order_is_a_404_and_a_sales_rep_cannot_edit(pur, client):
    theirs = services.order_save(company=pur.company, actor=pur.buyer2, supplier=pur.bolt_co,
                                 lines=[{"item": pur.screw, "quantity": D("2")}])
    signed_in(client, pur.buyer)
    assert client.get(f"/purchasing/orders/{theirs.pk}/").status_code == 404
    assert client.post(f"/purchasing/orders/{theirs.pk}/submit/").status_code == 404
    client.logout()
    assert client.get("/purchasing/orders/").status_code == 302  # anonymous: to the login page
    signed_in(client, pur.rep)
    assert client.get(f"/purchasing/orders/{theirs.pk}/edit/").status_code == 403
    assert client.get("/purchasing/orders/new/").status_code == 403


def test_entry_saves_a_draft_with_the_supplier_price(pur, client):
    signed_in(client, pur.buyer)
    data = {"supplier": pur.acme_parts.pk, "warehouse": pur.wh.pk, "document_date": pur.today.isoformat(),
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000", "lines-0-item": pur.motor.pk, "lines-0-quantity": "10"}
    answer = client.post("/purchasing/orders/new/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    order = PurchaseOrder.objects.get()
    assert order.lines.get().unit_price == D("800")

    refused = client.post("/purchasing/orders/new/", {**data, "lines-0-unit_price": "-1"})
    assert refused.status_code == 200
    assert "The price must not be negative." in refused.content.decode()
    assert PurchaseOrder.objects.count() == 1


def test_detail_submit_revise_and_the_revision_history(pur, client):
    order = draft(pur)
    signed_in(client, pur.buyer)
    assert client.post(f"/purchasing/orders/{order.pk}/submit/").status_code == 302
    order.refresh_from_db()
    assert order.status == st.OrderStatus.APPROVED
    assert client.post(f"/purchasing/orders/{order.pk}/revise/", {"reason": "改價"}).status_code == 302
    page = client.get(f"/purchasing/orders/{order.pk}/").content.decode()
    assert 'data-revision="0"' in page and "改價" in page
    assert client.get(f"/purchasing/orders/{order.pk}/print/").status_code == 200


def test_editing_a_revised_draft_keeps_the_line_and_its_received_quantity(pur, client):
    from purchasing.models import PurchaseOrderLine
    order = approved(pur, "10")
    line = order.lines.get()
    PurchaseOrderLine.objects.filter(pk=line.pk).update(received_quantity=D("4"))
    PurchaseOrder.objects.filter(pk=order.pk).update(status=st.OrderStatus.PARTIAL)
    services.order_revise(order=order, reason="加量", actor=pur.buyer)
    signed_in(client, pur.buyer)

    form = client.get(f"/purchasing/orders/{order.pk}/edit/").content.decode()
    assert 'value="10"' in form
    data = {"supplier": pur.acme_parts.pk, "warehouse": pur.wh.pk, "document_date": order.document_date.isoformat(),
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000", "lines-0-id": line.pk, "lines-0-item": pur.motor.pk,
            "lines-0-quantity": "12", "lines-0-unit_price": "800"}
    assert client.post(f"/purchasing/orders/{order.pk}/edit/", data).status_code == 302

    line.refresh_from_db()
    assert (line.quantity, line.received_quantity) == (D("12"), D("4"))


def test_the_entry_page_does_not_list_the_items_and_its_query_count_does_not_grow_with_them(pur, client):
    from inventory.models import Item

    def add_items(start, count):
        Item.objects.bulk_create(Item(company=pur.company, code=f"BULK-{n:03}", name=f"Bulk {n}",
                                      base_unit=pur.pcs) for n in range(start, start + count))

    add_items(0, 5)
    signed_in(client, pur.buyer)
    client.get("/purchasing/orders/new/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/purchasing/orders/new/").content.decode()
    add_items(5, 45)
    with CaptureQueriesContext(connection) as many:
        more = client.get("/purchasing/orders/new/").content.decode()

    assert len(many.captured_queries) == len(few.captured_queries)
    assert "BULK-" not in page and "BULK-" not in more
    assert "/inventory/documents/items/" in more and "lines-0-item_search" in more  # the item lookup


def test_the_edit_page_shows_each_lines_item_in_the_lookup_field(pur, client):
    order = draft(pur)
    signed_in(client, pur.buyer)
    page = client.get(f"/purchasing/orders/{order.pk}/edit/").content.decode()
    assert 'value="MOT-1 馬達"' in page
