"""Races on a purchase order: a double click submits once, two approvers at once approve once."""

import pytest

from erp.errors import DomainError
from office.errors import AlreadyDecided, NotAnApprover
from office.models import ApprovalRequest
from purchasing import status as st
from purchasing.approvals import ORDER_APPROVAL
from purchasing.models import PurchaseOrder
from purchasing.services import orders as services
from tests.parallel import run_parallel
from tests.purchasing.order_helpers import decide, draft


@pytest.mark.django_db(transaction=True)
def test_a_double_click_submits_once(pur):
    order = draft(pur, "200")

    outcomes, errors = run_parallel(3, lambda i: services.order_submit(order=order, actor=pur.buyer).status,
                                    refused=(DomainError,))

    assert errors == []
    assert outcomes.count(st.OrderStatus.AWAITING_APPROVAL) == 1 and outcomes.count("refused") == 2
    assert ApprovalRequest.objects.filter(type_key=ORDER_APPROVAL, document_id=order.pk).count() == 1
    assert PurchaseOrder.objects.get(pk=order.pk).number.startswith("PO")


@pytest.mark.django_db(transaction=True)
def test_two_purchasing_managers_at_once_approve_once(pur):
    from tests.conftest import user_maker
    deputy = user_maker(pur.company)("purchmgr2", "Purchasing manager")
    order = services.order_submit(order=draft(pur, "200"), actor=pur.buyer)
    approvers = [pur.purchasing_manager, deputy]

    outcomes, errors = run_parallel(2, lambda i: decide(order, approvers[i]).status,
                                    refused=(AlreadyDecided, NotAnApprover))

    assert errors == []
    assert sorted(outcomes) == ["approved", "refused"]
    assert PurchaseOrder.objects.get(pk=order.pk).status == st.OrderStatus.APPROVED
