"""Two phones at once, on real PostgreSQL: a request is decided once, a seat once, a document submitted
once."""

import pytest

from office.errors import AlreadyDecided
from office.models import ApprovalDecision, ApprovalRequest
from office.services.approvals import approval_decide, approval_submit
from tests.office.approval_helpers import build_people, role_step, rule, sample_order
from tests.parallel import run_parallel
from tests.sampleapp.approvals import SAMPLE_APPROVAL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(roles):
    return build_people()


def test_two_managers_approving_one_step_at_once_decide_it_once(people):
    rule(people, [role_step()])
    request = approval_submit(document=sample_order(people), type_key=SAMPLE_APPROVAL, actor=people.rep)
    managers = [people.mgr1, people.mgr2]

    outcomes, errors = run_parallel(
        2, lambda i: approval_decide(request=request, actor=managers[i], decision="approve").status,
        refused=(AlreadyDecided,))

    assert errors == []
    assert sorted(outcomes) == ["approved", "refused"]
    assert ApprovalDecision.objects.count() == 1
    assert ApprovalRequest.objects.get().status == "approved"


def test_one_approver_on_two_phones_approving_and_rejecting_at_once_decides_once(people):
    rule(people, [role_step()])
    request = approval_submit(document=sample_order(people), type_key=SAMPLE_APPROVAL, actor=people.rep)
    choices = [("approve", ""), ("reject", "no")]

    outcomes, errors = run_parallel(
        2, lambda i: approval_decide(request=request, actor=people.mgr3, decision=choices[i][0],
                                     comment=choices[i][1], via="wecom").status,
        refused=(AlreadyDecided,))

    assert errors == []
    assert outcomes.count("refused") == 1
    decision = ApprovalDecision.objects.get()
    assert ApprovalRequest.objects.get().status == {"approve": "approved", "reject": "rejected"}[decision.decision]


def test_submitting_one_document_twice_at_once_makes_one_request(people):
    rule(people, [role_step()])
    order = sample_order(people)

    outcomes, errors = run_parallel(
        2, lambda i: approval_submit(document=order, type_key=SAMPLE_APPROVAL, actor=people.rep).pk)

    assert errors == []
    assert outcomes[0] == outcomes[1]
    assert ApprovalRequest.objects.count() == 1
