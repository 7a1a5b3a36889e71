"""Sales' credit-limit exception on the approval engine (office): the default rule, rules that route
big exceptions further, reject and return with the comment on the order's page, void and
confirmation withdrawing the request, the API."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from erp.errors import DomainError
from office.errors import NoApprovalRule
from office.models import ApprovalRequest, ApprovalRule
from office.services.approvals import approval_decide, approval_rule_save
from sales.approvals import CREDIT_EXCEPTION
from sales.models import CreditApproval
from sales.services.masterdata import customer_update
from sales.services.orders import (
    credit_approve,
    credit_check,
    credit_request_approval,
    order_cancel,
    order_confirm,
    order_delete_draft,
    order_save,
)
from tests.factories import CompanyFactory

D = Decimal


@pytest.fixture
def over(sal, make_user):
    """A draft of 2,100 (with tax) for a customer with a limit of 1,000, and a manager (role Manager)."""
    customer_update(customer=sal.customer, actor=sal.manager, credit_limit=D("1000"))
    sal.boss = make_user("gm", "Manager")
    return sal.order([{"item": sal.widget, "quantity": D("20")}])


def test_every_company_gets_the_default_rule_once(sal, db):
    new = CompanyFactory(code="NEW")
    rules = ApprovalRule.objects.filter(company=new, type_key=CREDIT_EXCEPTION)

    assert [(rule.is_active, [(s.kind, s.role.name) for s in rule.steps.all()]) for rule in rules] == [
        (True, [("role", "Sales manager")])]
    call_command("bootstrap", verbosity=0)  # seeds every existing company: nothing new
    assert rules.count() == 1


def test_the_request_keeps_what_the_approvers_saw(sal, over):
    request = credit_request_approval(order=over, actor=sal.rep)

    values = {name: value["value"] for name, value in request.values.items()}
    assert values == {"order_total": "2100.00", "exposure": "0.00", "over_limit": "1100.00", "customer": "C001",
                      "sales_rep": "rep", "rep_department": None}
    assert (request.requester, request.reference) == (sal.rep, over.reference)
    assert credit_request_approval(order=over, actor=sal.rep).pk == request.pk  # asked twice: one request


def test_a_big_exception_goes_to_the_sales_manager_then_the_general_manager(sal, over):
    approval_rule_save(company=sal.company, actor=sal.admin, type_key=CREDIT_EXCEPTION, name="big", priority=1,
                       conditions=[{"field": "over_limit", "operator": "gte", "value": "1000"}],
                       steps=[{"sequence": 1, "kind": "role", "role": Group.objects.get(name="Sales manager")},
                              {"sequence": 2, "kind": "role", "role": Group.objects.get(name="Manager")}])

    request = credit_request_approval(order=over, actor=sal.rep)
    first = credit_approve(order=over, actor=sal.manager, note="ok from sales")

    assert first is None and not credit_check(over).approved  # the general manager has not approved yet
    approval = credit_approve(order=over, actor=sal.boss, note="ok")
    assert (approval.approved_by, approval.note, approval.order_total) == (sal.boss, "ok", D("2100.00"))
    request.refresh_from_db()
    assert request.status == "approved" and request.rule.name == "big"
    assert order_confirm(order=over, actor=sal.rep).order.status == "confirmed"


def test_no_matching_rule_is_a_clear_refusal(sal, over):
    ApprovalRule.objects.filter(company=sal.company).update(is_active=False)

    with pytest.raises(NoApprovalRule):
        credit_request_approval(order=over, actor=sal.rep)

    assert ApprovalRequest.objects.count() == 0


@pytest.mark.parametrize("decision,word", [("reject", "Rejected"), ("return", "Returned for changes")])
def test_a_rejected_or_returned_request_leaves_the_draft_editable_with_the_comment_shown(
        sal, over, client, decision, word):
    request = credit_request_approval(order=over, actor=sal.rep)
    approval_decide(request=request, actor=sal.manager, decision=decision, comment="先收前一張貨款")

    assert not CreditApproval.objects.exists() and not credit_check(over).approved
    client.force_login(sal.rep)
    with translation.override("en"):
        html = client.get(f"/sales/orders/{over.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="credit-answer"' in html and "先收前一張貨款" in html
    assert f"/sales/orders/{over.pk}/credit/request/" in html  # it may be asked again
    edited = order_save(company=sal.company, actor=sal.rep, order=over,
                        lines=[{"item": sal.widget, "quantity": D("15"), "unit": sal.pcs}])
    again = credit_request_approval(order=edited, actor=sal.rep)
    assert again.pk != request.pk and again.values["order_total"]["value"] == "1575.00"


def test_voiding_the_draft_withdraws_its_request(sal, over):
    request = credit_request_approval(order=over, actor=sal.rep)

    order_cancel(order=over, actor=sal.rep, reason="客戶取消")

    request.refresh_from_db()
    assert (request.status, request.cancel_reason, request.cancelled_by) == ("cancelled", "客戶取消", sal.rep)


def test_a_draft_with_a_request_is_voided_not_deleted(sal, over):
    credit_request_approval(order=over, actor=sal.rep)

    with translation.override("en"), pytest.raises(DomainError) as refused:
        order_delete_draft(order=over, actor=sal.rep)

    assert "void it instead" in str(refused.value.message)


def test_confirming_within_a_raised_limit_withdraws_the_pending_request(sal, over):
    request = credit_request_approval(order=over, actor=sal.rep)
    customer_update(customer=sal.customer, actor=sal.manager, credit_limit=D("5000"))

    order_confirm(order=over, actor=sal.rep)

    request.refresh_from_db()
    assert request.status == "cancelled"


def test_a_sales_manager_never_approves_an_order_of_their_own(sal, over, make_user):
    mine = order_save(company=sal.company, actor=sal.manager, customer=sal.customer, sales_rep=sal.manager,
                      lines=[{"item": sal.widget, "quantity": D("20"), "unit": sal.pcs}])
    # the only sales manager asks: nobody else could approve
    with translation.override("en"), pytest.raises(DomainError) as nobody:
        credit_request_approval(order=mine, actor=sal.manager)
    assert "nobody with the role" in str(nobody.value.message)

    other = make_user("mgr2", "Sales manager")
    request = credit_request_approval(order=mine, actor=sal.manager)
    with pytest.raises(DomainError) as refused:
        credit_approve(order=mine, actor=sal.manager)

    assert refused.value.http_status == 403
    assert [seat.user for seat in request.steps.get().approvers.all()] == [other]
    assert credit_approve(order=mine, actor=other).approved_by == other


def test_the_api_answers_202_while_more_approvals_are_needed(sal, over):
    approval_rule_save(company=sal.company, actor=sal.admin, type_key=CREDIT_EXCEPTION, name="two", priority=1,
                       steps=[{"sequence": 1, "kind": "role", "role": Group.objects.get(name="Sales manager")},
                              {"sequence": 2, "kind": "user", "user": sal.boss}], conditions=[])
    api = APIClient()
    api.force_authenticate(sal.rep)
    requested = api.post(f"/api/sales/orders/{over.pk}/request-credit/")
    api.force_authenticate(sal.manager)

    first = api.post(f"/api/sales/orders/{over.pk}/approve-credit/", {"note": "ok"}, format="json")
    again = api.post(f"/api/sales/orders/{over.pk}/approve-credit/", {"note": "ok"}, format="json")
    api.force_authenticate(sal.boss)  # reads orders, may not change them: decides on office's API
    refused = api.post(f"/api/sales/orders/{over.pk}/approve-credit/", {"note": "好"}, format="json")
    request_id = requested.json()["approval_request"]
    last = api.post(f"/api/office/approval-requests/{request_id}/approve/", {"comment": "好"}, format="json")

    assert (requested.status_code, first.status_code, first.json()["status"]) == (201, 202, "pending")
    assert (again.status_code, refused.status_code) == (409, 403)
    assert (last.status_code, last.json()["status"]) == (200, "approved")
    approval = CreditApproval.objects.get()
    assert (approval.approved_by, approval.note) == (sal.boss, "好")
    assert ApprovalRequest.objects.get().decisions.filter(via="api").count() == 2
