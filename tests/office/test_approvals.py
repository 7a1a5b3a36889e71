"""The approval engine: rules as data, steps in sequence and in parallel, any N of a role, the
requester's manager, delegation, "never your own", reject and return, deadlines, the hook."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from erp.errors import DomainError
from office.errors import AlreadyDecided, NoApprovalRule, NoApprover, NotAnApprover
from office.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStep,
    ApprovalStepApprover,
)
from office.models.approvals import AppendOnly
from office.selectors.approvals import can_decide, manager_of, trail, waiting_count, waiting_for, with_steps
from office.services.approvals import (
    approval_cancel,
    approval_deadlines,
    approval_decide,
    approval_rule_preview,
    approval_submit,
    delegation_save,
)
from office.signals import approval_decided
from tests.office.approval_helpers import build_people, recorder, role, role_step, rule, sample_order
from tests.sampleapp.approvals import SAMPLE_APPROVAL
from tests.sampleapp.models import SampleOrder

__all__ = ["recorder"]  # the fixture, imported for pytest


@pytest.fixture
def people(db, roles):
    return build_people()


def submit(order, actor=None):
    return approval_submit(document=order, type_key=SAMPLE_APPROVAL, actor=actor or order.created_by)


def decide(request, actor, decision="approve", comment="", **kwargs):
    return approval_decide(request=request, actor=actor, decision=decision, comment=comment, **kwargs)


def steps_of(request):
    return [(step.sequence, step.status, sorted(seat.user.username for seat in step.approvers.all()))
            for step in ApprovalStep.objects.filter(request=request).prefetch_related("approvers__user")
            .order_by("sequence", "pk")]


# Submitting ------------------------------------------------------------------------------------


def test_a_document_no_rule_matches_is_refused_and_nothing_is_written(people):
    rule(people, [role_step()], conditions=[{"field": "total", "operator": "gt", "value": "1000"}])
    order = sample_order(people, total="10")

    with translation.override("en"), pytest.raises(NoApprovalRule) as refused:
        submit(order)

    assert "No active approval rule" in str(refused.value.message)
    assert ApprovalRequest.objects.count() == 0 and ApprovalStep.objects.count() == 0


def test_the_first_active_rule_by_order_whose_conditions_all_hold_is_taken(people):
    rule(people, [role_step()], name="inactive", priority=1, is_active=False)
    rule(people, [role_step("Manager")], name="big", priority=10,
         conditions=[{"field": "total", "operator": "gte", "value": "1,000"},
                     {"field": "customer", "operator": "in", "value": "C1, C2"}])
    rule(people, [role_step()], name="everything else", priority=20)

    big = submit(sample_order(people, total="1000", customer="c2"))
    other_customer = submit(sample_order(people, total="5000", customer="C3"))
    small = submit(sample_order(people, total="999.99"))

    assert (big.rule.name, other_customer.rule.name, small.rule.name) == ("big", "everything else", "everything else")
    assert big.values["total"] == {"value": "1000.0000", "text": "1000.0000"}
    assert big.values["creator"] == {"value": "rep", "text": "rep"}
    assert big.values["department"]["value"] == "SALES"
    assert steps_of(big) == [(1, "open", ["chair"])]


def test_a_role_step_asks_everyone_with_the_role_and_one_approval_approves(people, recorder):
    order = sample_order(people)
    rule(people, [role_step()])

    request = submit(order)

    assert (request.status, request.requester, request.reference) == ("pending", people.rep, order.reference)
    assert steps_of(request) == [(1, "open", ["mgr1", "mgr2", "mgr3"])]
    assert recorder.asked == [(request.steps.get().pk, ["mgr1", "mgr2", "mgr3"], False)]
    assert [r.pk for r in waiting_for(people.mgr2)] == [request.pk] and waiting_count(people.rep) == 0

    decided = decide(request, people.mgr2, comment="ok", via="wecom")

    assert decided.status == "approved" and decided.decided_at is not None
    assert steps_of(request)[0][1] == "approved"
    decision = ApprovalDecision.objects.get()
    assert (decision.decided_by, decision.on_behalf_of, decision.via, decision.comment) == (
        people.mgr2, None, "wecom", "ok")
    assert recorder.decided == [(request.pk, "approved", "mgr2")]
    assert recorder.told == [(request.pk, "approved")]
    assert waiting_count(people.mgr1) == 0


def test_submitting_again_while_pending_returns_the_same_request(people):
    rule(people, [role_step()])
    order = sample_order(people)

    first, second = submit(order), submit(order, people.rep2)

    assert first.pk == second.pk and ApprovalRequest.objects.count() == 1


def test_sequential_steps_open_one_after_another(people, recorder):
    rule(people, [role_step(sequence=1), {"sequence": 2, "kind": "user", "user": people.chair}])
    request = submit(sample_order(people))
    assert steps_of(request) == [(1, "open", ["mgr1", "mgr2", "mgr3"]), (2, "waiting", ["chair"])]
    assert waiting_count(people.chair) == 0
    with translation.override("en"), pytest.raises(NotAnApprover) as early:
        decide(request, people.chair)
    assert "not open yet" in str(early.value.message)

    decide(request, people.mgr1)

    request.refresh_from_db()
    assert request.status == "pending"
    assert steps_of(request) == [(1, "approved", ["mgr1", "mgr2", "mgr3"]), (2, "open", ["chair"])]
    assert len(recorder.asked) == 2 and waiting_count(people.chair) == 1
    with pytest.raises(AlreadyDecided):
        decide(request, people.mgr2)  # step 1 is done: too late

    assert decide(request, people.chair).status == "approved"


def test_parallel_steps_must_all_approve(people):
    rule(people, [role_step(sequence=1), {"sequence": 1, "kind": "user", "user": people.chair},
                  {"sequence": 2, "kind": "manager"}])
    request = submit(sample_order(people))
    assert [status for _seq, status, _users in steps_of(request)] == ["open", "open", "waiting"]

    decide(request, people.chair)
    assert [status for _seq, status, _users in steps_of(request)] == ["open", "approved", "waiting"]
    decide(request, people.mgr3)

    assert [status for _seq, status, _users in steps_of(request)] == ["approved", "approved", "open"]
    assert decide(request, people.boss).status == "approved"  # the rep's manager, last


def test_any_n_of_a_role_needs_n_different_approvers(people):
    rule(people, [{"sequence": 1, "kind": "any_n", "role": role("Sales manager"), "required": 2}])
    request = submit(sample_order(people))

    assert decide(request, people.mgr1).status == "pending"
    with translation.override("en"), pytest.raises(AlreadyDecided) as twice:
        decide(request, people.mgr1)
    assert str(twice.value.message) == "You have already decided this request."
    assert decide(request, people.mgr3).status == "approved"
    assert ApprovalDecision.objects.filter(request=request).count() == 2


def test_any_n_with_fewer_people_than_n_is_refused_at_submission(people):
    rule(people, [{"sequence": 1, "kind": "any_n", "role": role("Sales manager"), "required": 4}])

    with translation.override("en"), pytest.raises(NoApprover) as refused:
        submit(sample_order(people))

    assert "needs 4 approvals" in str(refused.value.message) and "only 3" in str(refused.value.message)
    assert ApprovalRequest.objects.count() == 0


# The requester's manager ---------------------------------------------------------------------


def test_the_requesters_manager_is_their_departments_head_or_above_when_they_head_it(people):
    rule(people, [{"kind": "manager"}])

    by_rep = submit(sample_order(people, by=people.rep))
    by_boss = submit(sample_order(people, by=people.boss))  # heads SALES: the board's head approves

    assert (manager_of(people.rep), manager_of(people.boss), manager_of(people.chair)) == (
        people.boss, people.chair, None)
    assert steps_of(by_rep) == [(1, "open", ["boss"])]
    assert steps_of(by_boss) == [(1, "open", ["chair"])]


def test_no_head_or_no_department_is_refused_at_submission(people):
    rule(people, [{"kind": "manager"}])
    people.sales.head = None
    people.sales.save()

    with translation.override("en"), pytest.raises(NoApprover) as no_head:
        submit(sample_order(people, by=people.rep))
    with translation.override("en"), pytest.raises(NoApprover) as no_department:
        submit(sample_order(people, by=people.mgr1))

    assert "has no head" in str(no_head.value.message)
    assert "belongs to no department" in str(no_department.value.message)
    assert ApprovalRequest.objects.count() == 0


def test_an_empty_role_is_refused_at_submission(people):
    rule(people, [role_step("Quality")])

    with translation.override("en"), pytest.raises(NoApprover) as refused:
        submit(sample_order(people))

    assert "nobody with the role" in str(refused.value.message)
    assert ApprovalRequest.objects.count() == 0


# Never your own ------------------------------------------------------------------------------


def test_the_requester_never_approves_their_own_request(people):
    rule(people, [role_step()])
    order = sample_order(people, by=people.mgr1)  # a sales manager asks: the other managers approve

    request = submit(order)

    assert steps_of(request) == [(1, "open", ["mgr2", "mgr3"])]
    with translation.override("en"), pytest.raises(NotAnApprover) as refused:
        decide(request, people.mgr1)
    assert "someone else must decide" in str(refused.value.message)
    assert waiting_count(people.mgr1) == 0


def test_the_requester_may_not_approve_as_the_delegate_of_an_approver(people):
    rule(people, [{"kind": "user", "user": people.chair}])
    request = submit(sample_order(people))
    today = timezone.localdate()
    delegation_save(company=people.company, actor=people.chair, user=people.chair, delegate=people.rep,
                    starts_on=today, ends_on=today)

    with pytest.raises(NotAnApprover):
        decide(request, people.rep)

    assert not can_decide(people.rep, request) and waiting_count(people.rep) == 0
    assert ApprovalDecision.objects.count() == 0


# Delegation ----------------------------------------------------------------------------------


def test_a_delegate_decides_on_behalf_during_the_dates_only(people):
    rule(people, [{"kind": "user", "user": people.chair}])
    request = submit(sample_order(people))
    today = timezone.localdate()
    delegation_save(company=people.company, actor=people.chair, user=people.chair, delegate=people.clerk,
                    starts_on=today + datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=5))

    with pytest.raises(NotAnApprover):
        decide(request, people.clerk)  # not yet
    assert waiting_count(people.clerk) == 0

    delegation_save(company=people.company, actor=people.chair, user=people.chair, delegate=people.clerk,
                    starts_on=today - datetime.timedelta(days=3), ends_on=today)
    assert waiting_count(people.clerk) == 1
    decided = decide(request, people.clerk, comment="for the chair")

    decision = ApprovalDecision.objects.get()
    assert decided.status == "approved"
    assert (decision.decided_by, decision.on_behalf_of) == (people.clerk, people.chair)
    assert [(e.what, e.who, e.on_behalf_of) for e in trail(with_steps(ApprovalRequest.objects).get())][-1] == (
        "approve", people.clerk, people.chair)


def test_delegation_periods_of_a_user_do_not_overlap_and_go_to_someone_else(people):
    today = timezone.localdate()
    delegation_save(company=people.company, actor=people.chair, user=people.chair, delegate=people.clerk,
                    starts_on=today, ends_on=today + datetime.timedelta(days=3))

    with pytest.raises(DomainError) as overlap:
        delegation_save(company=people.company, actor=people.chair, user=people.chair, delegate=people.mgr1,
                        starts_on=today + datetime.timedelta(days=3), ends_on=today + datetime.timedelta(days=4))
    with pytest.raises(DomainError) as self_delegate:
        delegation_save(company=people.company, actor=people.chair, user=people.chair, delegate=people.chair,
                        starts_on=today + datetime.timedelta(days=9), ends_on=today + datetime.timedelta(days=9))
    with pytest.raises(DomainError) as backwards:
        delegation_save(company=people.company, actor=people.chair, user=people.chair, delegate=people.mgr1,
                        starts_on=today + datetime.timedelta(days=9), ends_on=today + datetime.timedelta(days=8))
    with pytest.raises(DomainError) as elsewhere:
        delegation_save(company=people.company, actor=people.chair, user=people.chair,
                        delegate=people.other["mgr"], starts_on=today, ends_on=today)

    assert (overlap.value.field, self_delegate.value.field, backwards.value.field, elsewhere.value.field) == (
        "starts_on", "delegate", "ends_on", "delegate")


# Reject and return ---------------------------------------------------------------------------


@pytest.mark.parametrize("decision,outcome", [("reject", "rejected"), ("return", "returned")])
def test_reject_and_return_need_a_comment_and_end_the_request(people, recorder, decision, outcome):
    rule(people, [role_step(sequence=1), {"sequence": 1, "kind": "user", "user": people.chair},
                  {"sequence": 2, "kind": "manager"}])
    request = submit(sample_order(people))

    with pytest.raises(DomainError) as bare:
        decide(request, people.mgr1, decision, comment="  ")
    assert bare.value.field == "comment" and ApprovalDecision.objects.count() == 0

    decided = decide(request, people.mgr1, decision, comment="價格太低")

    assert (decided.status, decided.outcome_comment) == (outcome, "價格太低")
    assert [status for _seq, status, _users in steps_of(request)] == [outcome, "cancelled", "cancelled"]
    assert recorder.decided == [(request.pk, outcome, "mgr1")]
    assert recorder.told == [(request.pk, outcome)]
    with translation.override("en"), pytest.raises(AlreadyDecided) as late:
        decide(request, people.chair)
    assert "already decided" in str(late.value.message)
    again = submit(SampleOrder.objects.get(pk=request.document_id))  # corrected and submitted anew
    assert again.pk != request.pk and again.status == "pending"


def test_an_unknown_decision_or_channel_is_refused(people):
    rule(people, [role_step()])
    request = submit(sample_order(people))

    with pytest.raises(DomainError) as bad_decision:
        decide(request, people.mgr1, "maybe")
    with pytest.raises(DomainError) as bad_via:
        decide(request, people.mgr1, via="fax")

    assert (bad_decision.value.field, bad_via.value.field) == ("decision", "via")


def test_someone_who_is_no_approver_is_refused(people):
    rule(people, [role_step()])
    request = submit(sample_order(people))

    with translation.override("en"), pytest.raises(NotAnApprover) as refused:
        decide(request, people.clerk)

    assert refused.value.http_status == 403 and str(refused.value.message) == "You are not an approver of this request."


# The hook ------------------------------------------------------------------------------------


def test_a_receiver_refusing_the_outcome_rolls_the_decision_back(people):
    rule(people, [role_step()])
    request = submit(sample_order(people))

    def refuse(sender, request, outcome, actor, **kwargs):
        raise DomainError("the document can no longer be approved")

    approval_decided.connect(refuse, sender=SampleOrder, dispatch_uid="test-refuse")
    try:
        with pytest.raises(DomainError):
            decide(request, people.mgr1)
    finally:
        approval_decided.disconnect(sender=SampleOrder, dispatch_uid="test-refuse")

    request.refresh_from_db()
    assert request.status == "pending" and ApprovalDecision.objects.count() == 0
    assert not ApprovalStepApprover.objects.filter(decided=True).exists()


# Cancel --------------------------------------------------------------------------------------


def test_cancelling_withdraws_the_pending_request_with_its_reason(people, recorder):
    rule(people, [role_step()])
    order = sample_order(people)
    request = submit(order)

    cancelled = approval_cancel(document=order, type_key=SAMPLE_APPROVAL, actor=people.rep, reason="客戶取消")

    assert (cancelled.pk, cancelled.status, cancelled.cancel_reason, cancelled.cancelled_by) == (
        request.pk, "cancelled", "客戶取消", people.rep)
    assert steps_of(request)[0][1] == "cancelled"
    assert recorder.decided == [] and recorder.told == [(request.pk, "cancelled")]
    assert approval_cancel(document=order, type_key=SAMPLE_APPROVAL, actor=people.rep, reason="again") is None
    with pytest.raises(AlreadyDecided):
        decide(request, people.mgr1)


# Deadlines -----------------------------------------------------------------------------------


def test_reminders_then_escalation_each_once(people, recorder):
    rule(people, [role_step(reminder_hours=1, deadline_hours=2, escalate_user=people.chair)])
    request = submit(sample_order(people))
    step = request.steps.get()
    opened = step.opened_at

    assert approval_deadlines(now=opened + datetime.timedelta(minutes=59)) == {"reminded": 0, "escalated": 0}
    assert approval_deadlines(now=opened + datetime.timedelta(minutes=61)) == {"reminded": 1, "escalated": 0}
    assert approval_deadlines(now=opened + datetime.timedelta(minutes=62)) == {"reminded": 0, "escalated": 0}
    assert recorder.reminded == [(step.pk, ["mgr1", "mgr2", "mgr3"])]

    later = opened + datetime.timedelta(hours=2, minutes=1)
    assert approval_deadlines(now=later) == {"reminded": 0, "escalated": 1}
    assert approval_deadlines(now=later) == {"reminded": 0, "escalated": 0}

    assert recorder.asked[-1] == (step.pk, ["chair"], True)
    assert steps_of(request) == [(1, "open", ["chair", "mgr1", "mgr2", "mgr3"])]
    entries = trail(with_steps(ApprovalRequest.objects).get())
    assert [entry.what for entry in entries] == ["submitted", "opened", "reminded", "escalated"]
    assert entries[-1].people == [people.chair]
    assert decide(request, people.chair).status == "approved"


def test_the_escalation_to_a_role_adds_its_members_but_never_the_requester(people, recorder):
    rule(people, [role_step(deadline_hours=1, escalate_role=role("Sales"))])
    request = submit(sample_order(people))

    approval_deadlines(now=timezone.now() + datetime.timedelta(hours=2))

    assert steps_of(request) == [(1, "open", ["boss", "mgr1", "mgr2", "mgr3", "rep2"])]  # not the rep


def test_decided_steps_are_neither_reminded_nor_escalated(people):
    rule(people, [role_step(reminder_hours=1, deadline_hours=1, escalate_user=people.chair)])
    request = submit(sample_order(people))
    decide(request, people.mgr1)

    assert approval_deadlines(now=timezone.now() + datetime.timedelta(hours=5)) == {"reminded": 0, "escalated": 0}


# Preview -------------------------------------------------------------------------------------


def test_the_preview_says_which_rule_and_steps_values_or_a_document_would_take(people):
    rule(people, [role_step("Manager")], name="big", priority=1,
         conditions=[{"field": "total", "operator": "gt", "value": "500"}])
    rule(people, [role_step(), {"sequence": 2, "kind": "manager"}], name="small", priority=2)

    typed = approval_rule_preview(company=people.company, type_key=SAMPLE_APPROVAL, values={"total": "501"})
    small = approval_rule_preview(company=people.company, type_key=SAMPLE_APPROVAL, values={"total": "20"},
                                  requester=people.rep)
    document = approval_rule_preview(company=people.company, type_key=SAMPLE_APPROVAL,
                                     document=sample_order(people, by=people.boss, total="30"))

    assert (typed.rule.name, [[u.username for u in s.approvers] for s in typed.steps]) == ("big", [["chair"]])
    assert [[u.username for u in s.approvers] for s in small.steps] == [["mgr1", "mgr2", "mgr3"], ["boss"]]
    assert [[u.username for u in s.approvers] for s in document.steps] == [["mgr1", "mgr2", "mgr3"], ["chair"]]
    with pytest.raises(DomainError) as not_a_number:
        approval_rule_preview(company=people.company, type_key=SAMPLE_APPROVAL, values={"total": "lots"})
    assert not_a_number.value.field == "total"
    assert ApprovalRequest.objects.count() == 0


# Rules as data -------------------------------------------------------------------------------


@pytest.mark.parametrize("conditions,steps,field,message", [
    ([{"field": "colour", "operator": "eq", "value": "red"}], None, "conditions", "has no condition field"),
    ([{"field": "total", "operator": "contains", "value": "1"}], None, "conditions", "cannot compare"),
    ([{"field": "total", "operator": "gt", "value": "lots"}], None, "conditions", "compared with a number"),
    ([{"field": "status", "operator": "eq", "value": "shipped"}], None, "conditions", "not one of the choices"),
    ([{"field": "creator", "operator": "eq", "value": "nobody"}], None, "conditions", "There is no user"),
    ([{"field": "department", "operator": "in", "value": "SALES, NOPE"}], None, "conditions", "no department"),
    ([], [], "steps", "at least one step"),
    ([], [{"kind": "role"}], "steps", "Step 1: choose the role."),
    ([], [{"kind": "user"}], "steps", "Step 1: choose the user."),
    ([], [{"kind": "any_n", "required": 1, "role": "Sales"}], "steps", "at least 2 approvals"),
    ([], [{"kind": "manager", "escalate_role": "Sales"}], "steps", "an escalation needs a deadline"),
])
def test_a_rule_the_engine_could_not_follow_is_refused(people, conditions, steps, field, message):
    if steps is None:
        steps = [role_step()]
    steps = [{**step, **{k: role(v) for k, v in step.items() if k in ("role", "escalate_role") and isinstance(v, str)}}
             for step in steps]

    with translation.override("en"), pytest.raises(DomainError) as refused:
        rule(people, steps, conditions=conditions)

    assert refused.value.field == field and message in str(refused.value.message)
    assert ApprovalRule.objects.filter(type_key=SAMPLE_APPROVAL).count() == 0


def test_changing_a_rule_replaces_its_conditions_and_steps_and_requests_keep_theirs(people):
    made = rule(people, [role_step()], conditions=[{"field": "total", "operator": "gt", "value": "1"}])
    request = submit(sample_order(people))

    rule(people, [{"kind": "manager"}], conditions=[], rule=made, name="Changed")

    made.refresh_from_db()
    assert (made.name, made.conditions.count(), [s.kind for s in made.steps.all()]) == ("Changed", 0, ["manager"])
    assert steps_of(request) == [(1, "open", ["mgr1", "mgr2", "mgr3"])]


# Decisions are append-only ---------------------------------------------------------------------


def test_a_decision_is_never_changed_or_deleted(people):
    rule(people, [role_step()])
    decide(submit(sample_order(people)), people.mgr1, comment="ok")
    decision = ApprovalDecision.objects.get()

    with pytest.raises(AppendOnly):
        decision.save()
    with pytest.raises(AppendOnly):
        decision.delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE office_approvaldecision SET comment = 'changed' WHERE id = %s", [decision.pk])
    assert ApprovalDecision.objects.get().comment == "ok"


def test_an_unused_total_still_matches_nothing_but_ne(people):
    """A document without a value (no creator's department) matches only "≠" conditions."""
    rule(people, [role_step()], name="not sales", priority=1,
         conditions=[{"field": "department", "operator": "ne", "value": "SALES"}])
    rule(people, [role_step("Manager")], name="sales", priority=2)

    no_department = submit(sample_order(people, by=people.mgr1))
    sales = submit(sample_order(people, by=people.rep))

    assert (no_department.rule.name, sales.rule.name) == ("not sales", "sales")
    assert no_department.values["total"]["value"] == "10.0000"


def test_the_beat_runs_the_deadlines_every_five_minutes(people, settings):
    from office.tasks import approval_reminders_and_escalations

    rule(people, [role_step(reminder_hours=1)])
    submit(sample_order(people))
    ApprovalStep.objects.update(remind_at=timezone.now() - datetime.timedelta(minutes=1))

    assert approval_reminders_and_escalations() == {"reminded": 1, "escalated": 0}
    assert approval_reminders_and_escalations() == {"reminded": 0, "escalated": 0}
    entry = settings.CELERY_BEAT_SCHEDULE["approval-reminders-and-escalations"]
    assert (entry["task"], entry["schedule"]) == ("office.tasks.approval_reminders_and_escalations", 300.0)
