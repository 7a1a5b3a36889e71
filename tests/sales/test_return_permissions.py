"""Posting a customer return brings stock in: only a keeper of the return location's warehouse may."""

from decimal import Decimal

import pytest
from django.urls import reverse
from guardian.shortcuts import remove_perm

from inventory.models import DeliveryNote, StockBalance
from inventory.services.deliveries import delivery_post
from sales.services.orders import order_confirm
from sales.services.returns import return_save
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def a_draft_return(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("4")}])
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    note = delivery_post(delivery=DeliveryNote.objects.get(source_id=order.pk), actor=sal.keeper)
    return return_save(company=sal.company, actor=sal.keeper, delivery=note,
                       lines=[{"delivery_line": note.lines.get(), "quantity": D("1"), "location": sal.a2}])


def test_a_keeper_who_does_not_operate_the_warehouse_cannot_post_the_return(sal, login):
    customer_return = a_draft_return(sal)
    remove_perm("inventory.operate_warehouse", sal.keeper, sal.wh)

    response = login(sal.keeper).post(reverse("sales:return_post", args=[customer_return.pk]))

    assert response.status_code == 403
    customer_return.refresh_from_db()
    assert customer_return.status == "draft"
    assert not StockBalance.objects.filter(location=sal.a2).exists()


def test_the_keeper_of_the_warehouse_posts_the_return(sal, login):
    customer_return = a_draft_return(sal)

    response = login(sal.keeper).post(reverse("sales:return_post", args=[customer_return.pk]))

    assert response.status_code == 302
    assert StockBalance.objects.get(location=sal.a2).on_hand == D("1")
