"""Voiding (作廢) sales documents: the order page, quotations, returns and delivery notes ask for the
reason; the order's delivery-note drafts are voided with the order's reason; the API requires it."""

from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from erp.documents import SYSTEM_VOID_REASONS
from erp.errors import DomainError
from inventory.models import DeliveryNote
from inventory.selectors import deliveries_for_source
from inventory.services.deliveries import delivery_cancel
from office.models import Task
from sales import status as st
from sales.models import SalesOrder
from sales.services.orders import order_cancel, order_confirm
from sales.services.quotations import quotation_cancel, quotation_save
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def confirmed(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("4")}])
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    order.refresh_from_db()
    return order


def order_state(order):
    return (SalesOrder.objects.filter(pk=order.pk).values_list("status", "void_reason", "voided_by").get(),
            sorted(deliveries_for_source(order).values_list("status", "void_reason")),
            Task.objects.filter(status="open").count())


def test_the_order_page_voids_only_with_a_reason_in_zh_hant(sal, client):
    order = confirmed(sal)
    client.force_login(sal.rep)  # zh-Hant, the default
    url = f"/sales/orders/{order.pk}/cancel/"
    before = order_state(order)

    detail = client.get(f"/sales/orders/{order.pk}/").content.decode()
    asking = client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})

    assert f'<a href="{url}" class="btn btn-outline-danger">作廢</a>' in detail
    assert "要作廢這張訂單嗎？其保留的庫存將釋出、出貨單草稿一併作廢、相關待辦事項將關閉。" in asking
    assert refused.status_code == 400 and "請填寫作廢原因。" in refused.content.decode()
    assert order_state(order) == before
    assert before[0][0] == st.OrderStatus.CONFIRMED and before[1] == [("draft", "")]


def test_a_voided_order_keeps_its_reason_gives_it_to_its_delivery_drafts_and_shows_it(sal, client):
    order = confirmed(sal)
    client.force_login(sal.rep)

    response = client.post(f"/sales/orders/{order.pk}/cancel/", {"reason": "客戶專案延期"})

    assert response.status_code == 302
    assert order_state(order) == ((st.OrderStatus.CANCELLED, "客戶專案延期", sal.rep.pk),
                                  [("cancelled", "客戶專案延期")], 0)
    html = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert '<span id="void-reason">客戶專案延期</span>' in html
    assert "<strong>作廢原因</strong>: — → 客戶專案延期" in html
    note = deliveries_for_source(order).get()
    client.force_login(sal.keeper)
    note_page = client.get(f"/inventory/deliveries/{note.pk}/").content.decode()
    assert '<span id="void-reason">客戶專案延期</span>' in note_page


def test_a_reason_the_system_gave_is_shown_in_the_readers_language_and_a_typed_one_as_typed(sal):
    order = confirmed(sal)
    order_cancel(order=order, actor=sal.rep, reason="x")
    note = DeliveryNote.objects.get(pk=deliveries_for_source(order).get().pk)

    assert note.void_reason_text == "x"
    note.void_reason = SYSTEM_VOID_REASONS["order_closed"]
    with translation.override("zh-hant"):
        assert note.void_reason_text == "訂單已結案：未出貨的部分不再出貨。"
    with translation.override("en"):
        assert note.void_reason_text == "The order was closed: what was not delivered will not be shipped."


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_sales_void_services_refuse_a_blank_reason_before_writing(sal, reason):
    order = confirmed(sal)
    quotation = quotation_save(company=sal.company, actor=sal.rep, customer=sal.customer,
                               lines=[{"item": sal.widget, "quantity": D("2"), "unit": sal.pcs}])
    note = deliveries_for_source(order).get()
    before = order_state(order)

    for call in (lambda: order_cancel(order=order, actor=sal.rep, reason=reason),
                 lambda: quotation_cancel(quotation=quotation, actor=sal.rep, reason=reason),
                 lambda: delivery_cancel(delivery=note, actor=sal.keeper, reason=reason)):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.field == "reason"
    assert order_state(order) == before
    quotation.refresh_from_db()
    assert quotation.status == st.QuotationStatus.DRAFT


# API -------------------------------------------------------------------------------------------


@pytest.fixture
def api(sal):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hant")
    client.force_authenticate(sal.rep)
    return client


def test_the_api_refuses_to_void_an_order_without_a_reason_and_nothing_changes(sal, api):
    order = confirmed(sal)
    before = order_state(order)

    missing = api.post(f"/api/sales/orders/{order.pk}/cancel/", {}, format="json")
    blank = api.post(f"/api/sales/orders/{order.pk}/cancel/", {"reason": " "}, format="json")

    assert (missing.status_code, missing.json()) == (400, {"reason": ["請填寫作廢原因。"]})
    assert (blank.status_code, blank.json()) == (400, {"reason": ["請填寫作廢原因。"]})
    assert order_state(order) == before


def test_the_api_voids_an_order_and_a_quotation_with_the_reason(sal, api):
    order = confirmed(sal)
    quotation = quotation_save(company=sal.company, actor=sal.rep, customer=sal.customer,
                               lines=[{"item": sal.widget, "quantity": D("2"), "unit": sal.pcs}])

    voided = api.post(f"/api/sales/orders/{order.pk}/cancel/", {"reason": "客戶取消"}, format="json")
    refused = api.post(f"/api/sales/quotations/{quotation.pk}/cancel/", {}, format="json")
    quotation_voided = api.post(f"/api/sales/quotations/{quotation.pk}/cancel/", {"reason": "報價錯誤"}, format="json")

    assert (voided.status_code, voided.json()["status"]) == (200, "cancelled")
    assert order_state(order)[0] == (st.OrderStatus.CANCELLED, "客戶取消", sal.rep.pk)
    assert refused.status_code == 400
    assert quotation_voided.status_code == 200
    quotation.refresh_from_db()
    assert (quotation.status, quotation.void_reason) == (st.QuotationStatus.CANCELLED, "報價錯誤")
