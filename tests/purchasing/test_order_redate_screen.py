"""The "Re-date" screen of an approved purchase order: the open lines' expected dates, one service call."""

import datetime

import pytest

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


def test_the_order_page_offers_re_date_and_saving_moves_the_date(pur, client):
    order = approved(pur)
    line = order.lines.get()
    new_date = order.document_date + datetime.timedelta(days=40)
    signed_in(client, pur.buyer)
    assert f"/purchasing/orders/{order.pk}/redate/" in client.get(f"/purchasing/orders/{order.pk}/").content.decode()
    assert f'name="line_{line.pk}"' in client.get(f"/purchasing/orders/{order.pk}/redate/").content.decode()

    answer = client.post(f"/purchasing/orders/{order.pk}/redate/", {f"line_{line.pk}": new_date.isoformat()})

    assert answer.status_code == 302 and answer["Location"] == f"/purchasing/orders/{order.pk}/"
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.expected_date, order.expected_date, order.status) == (new_date, new_date, st.OrderStatus.APPROVED)


def test_a_draft_has_no_re_date(pur, client):
    order = draft(pur)
    signed_in(client, pur.buyer)
    assert "/redate/" not in client.get(f"/purchasing/orders/{order.pk}/").content.decode()
    answer = client.get(f"/purchasing/orders/{order.pk}/redate/")
    assert answer.status_code == 302 and answer["Location"] == f"/purchasing/orders/{order.pk}/"


def test_a_date_before_the_order_date_is_a_400_beside_the_line_and_nothing_is_saved(pur, client):
    order = approved(pur)
    line = order.lines.get()
    before = line.expected_date
    signed_in(client, pur.buyer)

    early = client.post(f"/purchasing/orders/{order.pk}/redate/",
                        {f"line_{line.pk}": (order.document_date - datetime.timedelta(days=1)).isoformat()})
    garbled = client.post(f"/purchasing/orders/{order.pk}/redate/", {f"line_{line.pk}": "2026-13-45"})

    assert early.status_code == 400
    assert "The expected date is before the order date." in early.content.decode()
    assert garbled.status_code == 400
    assert "Enter a valid date." in garbled.content.decode()
    line.refresh_from_db()
    assert line.expected_date == before


def test_another_buyers_order_is_a_404_and_a_sales_rep_a_403(pur, client):
    theirs = services.order_save(company=pur.company, actor=pur.buyer2, supplier=pur.bolt_co,
                                 lines=[{"item": pur.screw, "quantity": D("2")}])
    services.order_submit(order=theirs, actor=pur.buyer2)
    theirs.refresh_from_db()
    line = theirs.lines.get()
    signed_in(client, pur.buyer)
    assert client.get(f"/purchasing/orders/{theirs.pk}/redate/").status_code == 404
    assert client.post(f"/purchasing/orders/{theirs.pk}/redate/",
                       {f"line_{line.pk}": "2099-01-01"}).status_code == 404
    client.logout()
    signed_in(client, pur.rep)
    assert client.post(f"/purchasing/orders/{theirs.pk}/redate/",
                       {f"line_{line.pk}": "2099-01-01"}).status_code == 403
    line.refresh_from_db()
    assert line.expected_date != datetime.date(2099, 1, 1)
    assert PurchaseOrder.objects.get(pk=theirs.pk).status in st.RECEIVABLE_ORDER_STATUSES
