"""Purchase orders on the approval engine: the default threshold rules, the order of the steps, nobody
approves their own order, no rule → approved at once, a rejection → back to draft."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from office.errors import NoApprover, NotAnApprover
from office.models import ApprovalRule
from office.status import ApprovalStatus, Decision
from purchasing import status as st
from purchasing.approvals import ORDER_APPROVAL, seed_order_rules
from purchasing.models import PurchaseOrder
from purchasing.services import orders as services
from tests.purchasing.order_helpers import decide, draft, request_of

pytestmark = pytest.mark.django_db


def test_every_company_has_the_two_default_rules_once(pur):
    assert seed_order_rules(pur.company) == 0  # made with the company already
    rules = list(ApprovalRule.objects.filter(company=pur.company, type_key=ORDER_APPROVAL).order_by("priority"))
    assert [(rule.priority, [c.value for c in rule.conditions.all()], [s.role.name for s in rule.steps.order_by(
        "sequence")]) for rule in rules] == [(10, ["1000000"], ["Purchasing manager", "Manager"]),
                                             (20, ["100000"], ["Purchasing manager"])]


def test_above_100000_the_purchasing_manager_approves(pur):
    order = services.order_submit(order=draft(pur, "200"), actor=pur.buyer)  # 152,000 + tax
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.AWAITING_APPROVAL
    assert request_of(order).requester == pur.buyer

    decide(order, pur.purchasing_manager)

    order.refresh_from_db()
    assert order.status == st.OrderStatus.APPROVED and order.approved_at is not None
    assert request_of(order).status == ApprovalStatus.APPROVED


def test_above_1000000_the_purchasing_manager_then_the_manager(pur):
    order = services.order_submit(order=draft(pur, "2000"), actor=pur.buyer)  # 1,520,000 + tax

    with pytest.raises(NotAnApprover):
        decide(order, pur.general_manager)  # the second step is not open yet
    decide(order, pur.purchasing_manager)
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.AWAITING_APPROVAL
    decide(order, pur.general_manager)

    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.APPROVED


def test_the_creator_never_approves_their_own_order(pur):
    # The Purchasing manager buys from every supplier and makes an order above the threshold himself;
    # a second Purchasing manager is the approver (alone, he could not submit it: nobody to approve).
    from tests.conftest import user_maker
    deputy = user_maker(pur.company)("purchmgr2", "Purchasing manager")
    order = services.order_submit(order=draft(pur, "200", actor=pur.purchasing_manager),
                                  actor=pur.purchasing_manager)

    with pytest.raises(NotAnApprover):
        decide(order, pur.purchasing_manager)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(pur.purchasing_manager)
    answer = client.post(f"/api/office/approval-requests/{request_of(order).pk}/approve/",
                         {"comment": ""}, format="json")

    assert answer.status_code == 403, answer.content
    assert answer.json()["detail"] == "You asked for this approval: someone else must decide it."
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.AWAITING_APPROVAL
    decide(order, deputy)
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.APPROVED


def test_a_rejection_takes_the_order_back_to_draft_with_the_comment(pur):
    order = services.order_submit(order=draft(pur, "200"), actor=pur.buyer)
    number = PurchaseOrder.objects.get(pk=order.pk).number

    decide(order, pur.purchasing_manager, Decision.REJECT, comment="價格太高")

    order.refresh_from_db()
    assert (order.status, order.number) == (st.OrderStatus.DRAFT, number)
    assert request_of(order).outcome_comment == "價格太高"
    # corrected and submitted again: a new request, same number
    services.order_save(company=pur.company, actor=pur.buyer, order=order,
                        lines=[{"item": pur.motor, "quantity": "150"}])
    services.order_submit(order=order, actor=pur.buyer)
    order.refresh_from_db()
    assert (order.status, order.number) == (st.OrderStatus.AWAITING_APPROVAL, number)


def test_a_rule_without_approver_refuses_and_writes_nothing(pur):
    rule = ApprovalRule.objects.get(company=pur.company, type_key=ORDER_APPROVAL, priority=20)
    step = rule.steps.get()
    from erp.models import User
    User.objects.filter(groups=step.role).exclude(pk=pur.buyer.pk).update(is_active=False)
    order = draft(pur, "200")

    with translation.override("en"), pytest.raises(NoApprover) as refused:
        services.order_submit(order=order, actor=pur.buyer)
    assert "Purchasing manager" in str(refused.value.message)

    order.refresh_from_db()
    assert (order.status, order.number) == (st.OrderStatus.DRAFT, "")
    assert request_of(order) is None
