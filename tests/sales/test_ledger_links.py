"""The stock ledger, an item's page and a lot's trace link a move's document only for readers who may
open it: a rep reads the ledger but not another rep's delivery notes (a link would answer 404)."""

from decimal import Decimal

import pytest

from inventory.models import DeliveryNote
from inventory.services.deliveries import delivery_post
from sales.services.orders import order_confirm
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def test_a_rep_sees_another_reps_delivery_on_the_ledger_as_text(sal, client):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("2")}], customer=sal.other_customer, actor=sal.rep2)
    order_confirm(order=order, actor=sal.rep2)
    deliver_events()
    note = delivery_post(delivery=DeliveryNote.objects.get(source_id=order.pk), actor=sal.keeper)
    link = f'href="/inventory/deliveries/{note.pk}/"'

    for user, linked in ((sal.rep, False), (sal.rep2, True), (sal.keeper, True)):
        client.force_login(user)
        for url in ("/inventory/ledger/", f"/inventory/items/{sal.widget.pk}/"):
            body = client.get(url).content.decode()
            assert note.number in body, (user.username, url)
            assert (link in body) is linked, (user.username, url)
            if linked:
                assert client.get(f"/inventory/deliveries/{note.pk}/").status_code == 200
