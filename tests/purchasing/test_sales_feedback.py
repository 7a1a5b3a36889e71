"""Feedback to sales: a purchase order line pegged to a sales order line moves its promised date."""

import datetime

import pytest
from django.utils import translation

from office.models import Notification
from purchasing.services import orders as services
from purchasing.services.feedback import repromise_pegged_sales_lines
from sales.models import SalesOrder, SalesOrderLine
from tests.purchasing.conftest import D
from tests.purchasing.order_helpers import confirmed_sales_order, draft, peg

pytestmark = pytest.mark.django_db
KIND = "sales.promise_changed"


def pegged_draft(pur, requested=None):
    sales_order = confirmed_sales_order(pur, "10", requested=requested)
    order = draft(pur, "10")
    peg(pur, order.lines.get(), sales_order.lines.get())
    return sales_order, order


def test_an_approved_order_promises_the_sales_line_and_tells_the_rep_once(pur):
    sales_order, order = pegged_draft(pur)
    before = sales_order.promised_date  # today + the item's lead time (21 days)

    services.order_submit(order=order, actor=pur.buyer)

    order.refresh_from_db()
    expected = order.lines.get().expected_date  # today + 10 days
    sales_order.refresh_from_db()
    line = sales_order.lines.get()
    assert before == pur.today + datetime.timedelta(days=21)
    assert line.promised_date == expected + datetime.timedelta(days=pur.company.shipping_prep_days)
    assert sales_order.promised_date == line.promised_date
    notes = list(Notification.objects.filter(kind=KIND))
    assert [note.recipient for note in notes] == [pur.rep]
    with translation.override("en"):
        assert notes[0].message["params"]["reason"]["params"]["order"] == order.number


def test_re_dating_moves_it_again_and_an_unchanged_date_tells_nobody(pur):
    sales_order, order = pegged_draft(pur)
    services.order_submit(order=order, actor=pur.buyer)
    line = order.lines.get()
    later = line.expected_date + datetime.timedelta(days=9)

    services.order_redate(order=order, dates={line.pk: later}, actor=pur.buyer)
    services.order_redate(order=order, dates={line.pk: later}, actor=pur.buyer)  # the same date again

    sales_line = SalesOrderLine.objects.get(order=sales_order)
    assert sales_line.promised_date == later + datetime.timedelta(days=pur.company.shipping_prep_days)
    assert Notification.objects.filter(kind=KIND).count() == 2


def test_the_requested_date_stays_when_the_goods_come_earlier(pur):
    requested = pur.today + datetime.timedelta(days=40)
    sales_order, order = pegged_draft(pur, requested=requested)

    services.order_submit(order=order, actor=pur.buyer)

    assert SalesOrderLine.objects.get(order=sales_order).promised_date == requested
    assert SalesOrder.objects.get(pk=sales_order.pk).promised_date == requested


def test_a_received_line_promises_from_today(pur):
    sales_order, order = pegged_draft(pur)
    services.order_submit(order=order, actor=pur.buyer)
    line = order.lines.get()
    line.received_quantity = D("10")
    line.save(update_fields=["received_quantity"])

    repromise_pegged_sales_lines(order_lines=[line], actor=pur.keeper)

    assert SalesOrderLine.objects.get(order=sales_order).promised_date == pur.today + datetime.timedelta(
        days=pur.company.shipping_prep_days)


def test_the_sales_order_page_shows_the_purchase_order_and_its_date(pur, client):
    sales_order, order = pegged_draft(pur)
    services.order_submit(order=order, actor=pur.buyer)
    order.refresh_from_db()

    client.force_login(pur.rep)
    page = client.get(f"/sales/orders/{sales_order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="sales-order-supply"' in page
    assert order.number in page
    assert f'href="/purchasing/orders/{order.pk}/"' not in page or pur.rep.has_perm("purchasing.view_purchaseorder")


def test_the_panel_reads_a_fixed_number_of_queries(pur):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from purchasing.panels import sales_order_supply

    sales_order, order = pegged_draft(pur)
    services.order_submit(order=order, actor=pur.buyer)
    with CaptureQueriesContext(connection) as one:
        rows = sales_order_supply(pur.buyer, sales_order)["supply_rows"]
    assert [(row["order"].pk, row["link"]) for row in rows] == [(order.pk, True)]
    for _ in range(3):
        more = draft(pur, "10")
        peg(pur, more.lines.get(), sales_order.lines.get())
    with CaptureQueriesContext(connection) as four:
        assert len(sales_order_supply(pur.buyer, sales_order)["supply_rows"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)
    assert [row["link"] for row in sales_order_supply(pur.rep, sales_order)["supply_rows"]] == [False] * 4
