"""The order page's live refresh also brings the actions the order's status now allows."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from inventory.models import DeliveryNote
from inventory.services.deliveries import delivery_post, delivery_save_picks
from sales.services.orders import order_confirm
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def test_after_a_partial_shipment_the_refresh_offers_close_instead_of_cancel(sal, login):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("4")}])
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    client = login(sal.rep)
    url = reverse("sales:order_tracking", args=[order.pk])
    with translation.override("en"):
        before = client.get(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    note = DeliveryNote.objects.get(source_id=order.pk)
    line = note.lines.get()
    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D("1"), "location": sal.a1, "lot": None}])
    delivery_post(delivery=note, actor=sal.keeper)

    after = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert 'id="document-actions" hx-swap-oob="true"' in before and 'id="document-actions" hx-swap-oob="true"' in after
    assert reverse("sales:order_cancel", args=[order.pk]) in before
    assert reverse("sales:order_close", args=[order.pk]) in after
    assert reverse("sales:order_cancel", args=[order.pk]) not in after
