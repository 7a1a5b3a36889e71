"""Requisition screens: the permission matrix, the list and its export, the detail page with each
line's peg and purchase order line, entry of a draft, submit and void, and the lines to order with
"Create purchase orders"."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from purchasing.models import PurchaseOrder, PurchaseRequisition, PurchaseRequisitionLine
from purchasing.services.consolidation import requisition_lines_consolidate
from tests.purchasing.conftest import D, deliver_events

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        user.language = "en"
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


def pages(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("1")}])
    return [reverse("purchasing:requisition_list"), reverse("purchasing:requisition_detail", args=[requisition.pk]),
            reverse("purchasing:requisition_create"), reverse("purchasing:requisition_lines_to_order")]


def test_permission_matrix(pur):
    urls = pages(pur)
    for url in urls:
        assert client_for(None).get(url).status_code == 302  # to the login page
        assert client_for(pur.rep).get(url).status_code == 403  # sales sees no requisitions
        assert client_for(pur.buyer).get(url).status_code == 200
    assert client_for(pur.keeper).get(urls[0]).status_code == 200  # every purchasing reader sees the pool
    assert client_for(pur.keeper).get(urls[2]).status_code == 403
    consolidate = reverse("purchasing:requisition_lines_consolidate")
    assert client_for(pur.keeper).post(consolidate, {"lines": [1]}).status_code == 403
    assert client_for(pur.buyer).get(consolidate).status_code == 405


def test_the_detail_page_shows_the_peg_and_the_purchase_order_line(pur):
    order = pur.sales_order([{"item": pur.motor, "quantity": D("4")}])
    deliver_events()
    requisition = PurchaseRequisition.objects.get()
    reorder = pur.requisition([{"item": pur.resin, "quantity": D("1")}])
    PurchaseRequisitionLine.objects.filter(requisition=reorder).update(source="reorder")
    requisition_lines_consolidate(company=pur.company, line_ids=[requisition.lines.get().pk],
                                  actor=pur.purchasing_manager)

    page = client_for(pur.buyer).get(reverse("purchasing:requisition_detail", args=[requisition.pk]))
    other = client_for(pur.buyer).get(reverse("purchasing:requisition_detail", args=[reorder.pk]))

    text = page.content.decode()
    assert order.number in text and reverse("sales:order_detail", args=[order.pk]) in text
    assert PurchaseOrder.objects.get().reference in text
    assert "Reorder point" in other.content.decode()


def test_a_draft_is_entered_submitted_and_voided(pur):
    client = client_for(pur.buyer)
    answer = client.post(reverse("purchasing:requisition_create"), {
        "warehouse": pur.wh.pk, "document_date": pur.today.isoformat(), "notes": "",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000", "lines-0-item": pur.screw.pk, "lines-0-quantity": "2",
        "lines-0-unit": pur.box.pk, "lines-0-supplier": pur.acme_parts.pk})
    requisition = PurchaseRequisition.objects.get()
    assert answer.status_code == 302
    assert [(r.quantity_base, r.supplier_id) for r in requisition.lines.all()] == [(D("200"), pur.acme_parts.pk)]

    client.post(reverse("purchasing:requisition_submit", args=[requisition.pk]))
    requisition.refresh_from_db()
    assert requisition.status == "open" and requisition.number

    client.post(reverse("purchasing:requisition_cancel", args=[requisition.pk]), {"reason": ""})
    assert PurchaseRequisition.objects.get().status == "open"
    client.post(reverse("purchasing:requisition_cancel", args=[requisition.pk]), {"reason": "duplicate"})
    assert PurchaseRequisition.objects.get().status == "cancelled"


def test_the_list_filters_and_exports(pur):
    pur.requisition([{"item": pur.motor, "quantity": D("1")}])
    client = client_for(pur.buyer)
    assert client.get(reverse("purchasing:requisition_list"), {"source": "sales"}).status_code == 200
    export = client.get(reverse("purchasing:requisition_list"), {"export": "csv"})
    assert export.status_code == 200


def test_the_list_queries_do_not_grow_with_rows(pur, django_assert_max_num_queries):
    client = client_for(pur.buyer)
    pur.requisition([{"item": pur.motor, "quantity": D("1")}, {"item": pur.resin, "quantity": D("1"),
                                                                 "supplier": pur.acme_parts}])
    client.get(reverse("purchasing:requisition_lines_to_order"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("purchasing:requisition_lines_to_order"))
        client.get(reverse("purchasing:requisition_list"))
    for _ in range(6):
        pur.requisition([{"item": pur.motor, "quantity": D("1")}, {"item": pur.screw, "quantity": D("1"),
                                                                     "supplier": pur.bolt_co}])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("purchasing:requisition_lines_to_order"))
        client.get(reverse("purchasing:requisition_list"))


def test_lines_to_order_shows_the_preview_and_creates_the_orders(pur):
    requisition = pur.requisition([{"item": pur.motor, "quantity": D("3")}, {"item": pur.resin, "quantity": D("2")}])
    motor, resin = requisition.lines.order_by("line_no")
    client = client_for(pur.purchasing_manager)

    page = client.get(reverse("purchasing:requisition_lines_to_order")).content.decode()
    assert f'name="lines" value="{motor.pk}"' in page and "S001" in page

    answer = client.post(reverse("purchasing:requisition_lines_consolidate"), {
        "lines": [motor.pk, resin.pk], "order_date": pur.today.isoformat(), "supplier": ""})

    assert answer.status_code == 302
    order = PurchaseOrder.objects.get()
    assert order.lines.count() == 2
    text = [str(m) for m in get_messages(answer.wsgi_request)]
    assert len(text) == 1 and text[0].startswith("Purchase orders created:")

    again = client.post(reverse("purchasing:requisition_lines_consolidate"), {"lines": [motor.pk]})
    assert "Already on a purchase order." in [str(m) for m in get_messages(again.wsgi_request)][-1]


def test_a_buyer_refused_a_supplier_gets_a_message_and_nothing_is_ordered(pur):
    requisition = pur.requisition([{"item": pur.screw, "quantity": D("1")}])
    answer = client_for(pur.buyer).post(reverse("purchasing:requisition_lines_consolidate"),
                                        {"lines": [requisition.lines.get().pk]})
    assert [str(m) for m in get_messages(answer.wsgi_request)] == [
        "You may not order from supplier S002: ask a Purchasing manager."]
    assert not PurchaseOrder.objects.exists()
