"""Writes of the approval engine: submit a document, decide, cancel, the deadlines' reminders and
escalations, the rules and the delegations.

A department asks through two calls and one hook:

- ``approval_submit(document=…, type_key=…, actor=…)`` finds the first matching rule of the company,
  resolves every step's approvers (a step without one, or no matching rule, refuses with a DomainError
  and writes nothing), keeps the condition values and opens the first steps. Submitting again while a
  request is pending returns it (one pending request per document and type, held by a unique
  constraint).
- ``approval_decide(request=…, actor=…, decision=…, comment=…, via=…)`` under a row lock on the
  request: the requester never decides (not as a delegate either), a seat decides once, a decided
  request refuses (``AlreadyDecided``: two phones at once decide once).
- ``office.signals.approval_decided`` is sent, inside that transaction, when the request is finally
  approved, rejected or returned; ``approval_cancel`` withdraws a pending request when its document is
  voided.

Who is told what goes through ``office.services.approval_notices`` (its one place).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, Department, User
from erp.roles import role_label
from office.approval_types import ApprovalType, approval_type, check_condition, document_values, typed_values
from office.errors import AlreadyDecided, NoApprovalRule, NoApprover, NotAnApprover, RuleInUse
from office.models import (
    ApprovalCondition,
    ApprovalDecision,
    ApprovalDelegation,
    ApprovalRequest,
    ApprovalRule,
    ApprovalRuleStep,
    ApprovalStep,
    ApprovalStepApprover,
)
from office.models.approvals import StepFields
from office.selectors.approvals import (
    Seat,
    document_key,
    escalation_targets,
    matching_rule,
    open_seats,
    step_approvers,
)
from office.services import approval_notices
from office.services.tasks import violated_constraint
from office.signals import approval_decided
from office.status import (
    DECISION_OUTCOME,
    DECISION_STEP_STATUS,
    OPEN_STEP_STATUSES,
    ApprovalStatus,
    Decision,
    DecisionVia,
    StepKind,
    StepStatus,
)

STEP_FIELDS = ("sequence", "kind", "role", "user", "required", "deadline_hours", "reminder_hours", "escalate_user",
               "escalate_role")


# Planning: the rule and its steps' approvers --------------------------------------------------------


@dataclass
class PlannedStep:
    """A step of the matching rule with the approvers it would ask (empty: ``problem`` says why)."""

    step: StepFields
    approvers: list[User] = field(default_factory=list)
    problem: str = ""


@dataclass
class RulePreview:
    """Which rule a document (or the typed values) falls under and the steps it would take."""

    approval_type: ApprovalType
    values: dict[str, dict[str, Any]]
    rule: ApprovalRule | None
    steps: list[PlannedStep] = field(default_factory=list)
    requester: User | None = None

    @property
    def problems(self) -> list[str]:
        return [planned.problem for planned in self.steps if planned.problem]


def step_label(step: StepFields) -> str:
    """A step as people read it: "Sales manager", "2 of Finance", "the requester's manager", a user."""
    if step.kind == StepKind.ROLE:
        return str(role_label(step.role))
    if step.kind == StepKind.ANY_N:
        return _("%(count)s of %(role)s") % {"count": step.required, "role": role_label(step.role)}
    if step.kind == StepKind.USER:
        return str(step.user)
    return _("The requester's manager")


def approver_problem(*, company: Company, step: StepFields, requester: User | None, found: Sequence[User]) -> str:
    """Why ``step`` cannot be approved by ``found`` ("" when it can)."""
    number = step.sequence
    if step.kind == StepKind.MANAGER:
        if requester is None:
            return ""  # a preview without a requester: the manager is found at submission
        if found:
            return ""
        department = requester.department
        if department is None:
            return _("Step %(n)s: %(user)s belongs to no department, so has no manager to approve.") % {
                "n": number, "user": requester}
        return _("Step %(n)s: the department %(department)s has no head to approve for %(user)s.") % {
            "n": number, "department": department.name, "user": requester}
    if step.kind == StepKind.USER:
        if found:
            return ""
        return _("Step %(n)s: %(user)s cannot approve (inactive, of another company, or the requester).") % {
            "n": number, "user": step.user}
    if step.kind == StepKind.ANY_N and len(found) < step.required:
        return _("Step %(n)s needs %(count)s approvals from %(role)s but only %(found)s people can give them.") % {
            "n": number, "count": step.required, "role": role_label(step.role), "found": len(found)}
    if not found:
        return _("Step %(n)s: nobody with the role %(role)s can approve (the requester excepted).") % {
            "n": number, "role": role_label(step.role)}
    return ""


def plan_steps(*, company: Company, rule: ApprovalRule, requester: User | None) -> list[PlannedStep]:
    planned = []
    for step in rule.steps.all():
        found = step_approvers(company=company, step=step, requester=requester)
        problem = approver_problem(company=company, step=step, requester=requester, found=found)
        planned.append(PlannedStep(step, found, problem))
    return planned


def approval_rule_preview(*, company: Company, type_key: str, values: Mapping[str, Any] | None = None,
                          document: Model | None = None, requester: User | None = None) -> RulePreview:
    """Which rule and steps, with their approvers, ``document`` (or the typed ``values``, by field name)
    would take if submitted now by ``requester`` (the document's own requester when it is given).
    Writes nothing; a value that is not a number is a DomainError on its field."""
    kind = approval_type(type_key)
    if document is not None:
        check_document(kind, document, company)
        snapshot = document_values(kind, document)
        requester = kind.requester(document) or requester
    else:
        snapshot = typed_values(kind, dict(values or {}))
    rule = matching_rule(company, type_key, snapshot)
    preview = RulePreview(kind, snapshot, rule, requester=requester)
    if rule is not None:
        preview.steps = plan_steps(company=company, rule=rule, requester=requester)
    return preview


def check_document(kind: ApprovalType, document: Model, company: Company | None = None) -> None:
    if document._meta.label_lower != kind.model:
        raise ValueError(f"{kind.key} approves {kind.model} documents, not {document._meta.label_lower}")
    if company is not None and getattr(document, "company_id", None) != company.pk:
        raise DomainError(_("That document belongs to another company."))


# Submit -----------------------------------------------------------------------------------------


@atomic_with_retry
def approval_submit(*, document: Model, type_key: str, actor: User | None) -> ApprovalRequest:
    """Ask for ``document``'s approval under the first matching rule of its company; returns the request
    (the pending one when there is one already). Refuses, writing nothing, when no rule matches
    (``NoApprovalRule``) or a step finds no approver (``NoApprover``)."""
    kind = approval_type(type_key)
    check_document(kind, document)
    key = document_key(document)
    pending = ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING, type_key=type_key, **key)
    found = pending.first()
    if found is not None:
        return found
    company: Company = document.company  # type: ignore[attr-defined]  # every approvable document is CompanyOwned
    requester = kind.requester(document) or actor
    if requester is None:
        raise DomainError(_("An approval needs someone who asks for it."))
    values = document_values(kind, document)
    rule = matching_rule(company, type_key, values)
    if rule is None:
        raise NoApprovalRule(_("No active approval rule for “%(type)s” matches %(document)s: ask an administrator "
                               "to add one.") % {"type": kind.label, "document": kind.reference(document)})
    planned = plan_steps(company=company, rule=rule, requester=requester)
    problems = [step.problem for step in planned if step.problem]
    if problems:
        raise NoApprover(" ".join(problems))
    request = ApprovalRequest(company=company, type_key=type_key, reference=kind.reference(document)[:60],
                              requester=requester, rule=rule, values=values, **key)
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            request.save()
    except IntegrityError as error:
        if violated_constraint(error) != "approval_request_pending_once":
            raise
        return pending.get()  # submitted at the same time by someone else, who committed first
    for planned_step in planned:
        step = ApprovalStep.objects.create(
            request=request, **{name: getattr(planned_step.step, name) for name in STEP_FIELDS})
        seats = ApprovalStepApprover.objects.bulk_create(
            [ApprovalStepApprover(step=step, user=user) for user in planned_step.approvers])
        audit.record_created(seats, actor=actor)
    open_next_steps(request, now=timezone.now())
    return request


def open_next_steps(request: ApprovalRequest, *, now: datetime.datetime) -> bool:
    """Open the waiting steps of the lowest sequence (their approvers are asked); False when none waits."""
    waiting = list(ApprovalStep.objects.filter(request=request, status=StepStatus.WAITING).order_by("sequence", "pk"))
    if not waiting:
        return False
    sequence = waiting[0].sequence
    for step in (step for step in waiting if step.sequence == sequence):
        step.status, step.opened_at = StepStatus.OPEN, now
        step.due_at = now + datetime.timedelta(hours=step.deadline_hours) if step.deadline_hours else None
        step.remind_at = now + datetime.timedelta(hours=step.reminder_hours) if step.reminder_hours else None
        step.save(update_fields=["status", "opened_at", "due_at", "remind_at"])
        approval_notices.approvers_asked(step, undecided_approvers(step))
    return True


def undecided_approvers(step: ApprovalStep) -> list[User]:
    return [seat.user for seat in step.approvers.filter(decided=False).select_related("user").order_by("pk")]


# Decide -----------------------------------------------------------------------------------------


def lock_request(request: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update(of=("self",)).select_related("document_type").get(pk=request.pk)


def refuse_decision(actor: User, request: ApprovalRequest) -> None:
    """Why ``actor`` has no seat to decide now: the most precise refusal."""
    seats = ApprovalStepApprover.objects.filter(step__request=request, user=actor.pk)
    if seats.filter(decided=True).exists():
        raise AlreadyDecided(_("You have already decided this request."))
    if seats.filter(step__status=StepStatus.WAITING).exists():
        raise NotAnApprover(_("Your step is not open yet: the steps before it must be approved first."))
    if seats.exists():
        raise AlreadyDecided(_("Your step was already decided by another approver."))
    raise NotAnApprover(_("You are not an approver of this request."))


@atomic_with_retry
def approval_decide(*, request: ApprovalRequest, actor: User | None, decision: str, comment: str = "",
                    via: str = DecisionVia.WEB, step: ApprovalStep | None = None) -> ApprovalRequest:
    """``actor`` approves, rejects or returns ``request`` for changes (a comment is required for the
    last two), on their own seat of an open step (the first by sequence, or ``step``) or, having none,
    on the seat of someone they stand in for today. Rejecting or returning ends the request; approving
    completes the step when it has its approvals, then opens the next sequence or, after the last,
    approves the request. The final outcome is sent as ``office.signals.approval_decided`` in this
    transaction. Returns the request as it now stands."""
    if decision not in Decision.values:
        raise DomainError(_("Choose approve, reject or return for changes."), field="decision")
    if via not in DecisionVia.values:
        raise DomainError(_("Unknown channel “%(via)s”.") % {"via": via}, field="via")
    comment = (comment or "").strip()
    if decision != Decision.APPROVE and not comment:
        raise DomainError(_("Say why in a comment: the requester reads it."), field="comment")
    if actor is None:
        raise NotAnApprover()
    request = lock_request(request)
    if not request.is_pending:
        raise AlreadyDecided(_("This request was already decided: %(status)s.") % {
            "status": request.get_status_display()})
    if actor.pk == request.requester_id:
        raise NotAnApprover(_("You asked for this approval: someone else must decide it."))
    seats = open_seats(actor, request, step=step)
    if not seats:
        refuse_decision(actor, request)
    chosen: Seat = seats[0]
    seat, on_behalf_of = chosen.seat, chosen.on_behalf_of
    before = audit.snapshot([seat])
    touched = ApprovalStepApprover.objects.filter(pk=seat.pk, decided=False).update(decided=True)
    if touched != 1:  # the request's lock makes this unreachable; the backstop if a caller forgot it
        raise AlreadyDecided(_("You have already decided this request."))
    seat.decided = True
    audit.record_updated([seat], before, ["decided"], actor=actor)
    ApprovalDecision.objects.create(request=request, step=seat.step, seat=seat, decision=decision, comment=comment,
                                    decided_by=actor, on_behalf_of=on_behalf_of, via=via)
    now = timezone.now()
    current = seat.step
    if decision == Decision.APPROVE:
        approvals = ApprovalDecision.objects.filter(step=current, decision=Decision.APPROVE).count()
        if approvals < current.required:
            return request
        close_step(current, DECISION_STEP_STATUS[decision], now)
        if ApprovalStep.objects.filter(request=request, status=StepStatus.OPEN).exists():
            return request
        if open_next_steps(request, now=now):
            return request
    else:
        close_step(current, DECISION_STEP_STATUS[decision], now)
    finish(request, DECISION_OUTCOME[decision], actor=actor, comment=comment, now=now)
    return request


def close_step(step: ApprovalStep, status: str, now: datetime.datetime) -> None:
    step.status, step.decided_at = status, now
    step.save(update_fields=["status", "decided_at"])


def finish(request: ApprovalRequest, outcome: str, *, actor: User | None, comment: str, now: datetime.datetime,
           announce: bool = True) -> None:
    """The request reaches its final ``outcome``: the steps still open or waiting are not needed any more;
    the document's department is told (the hook) and so is the requester."""
    for step in ApprovalStep.objects.filter(request=request, status__in=OPEN_STEP_STATUSES).order_by("pk"):
        close_step(step, StepStatus.CANCELLED, now)
    request.status, request.decided_at, request.outcome_comment = outcome, now, comment
    request.save(update_fields=["status", "decided_at", "outcome_comment"])
    if announce:
        approval_decided.send(sender=request.document_type.model_class(), request=request, outcome=outcome,
                              actor=actor)
    approval_notices.requester_told(request, outcome)


# Cancel ---------------------------------------------------------------------------------------


@atomic_with_retry
def approval_cancel(*, document: Model, type_key: str, actor: User | None, reason: str) -> ApprovalRequest | None:
    """Withdraw the pending request of ``type_key`` about ``document`` (it was voided, or no longer needs
    the approval) with ``reason``; None when nothing was pending. The hook is not sent: the department
    itself is the one cancelling."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for cancelling the approval request."), field="reason")
    found = (ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING, type_key=type_key, **document_key(document))
             .values_list("pk", flat=True).first())
    if found is None:
        return None
    request = lock_request(ApprovalRequest(pk=found))
    if not request.is_pending:
        return None
    request.cancelled_by, request.cancel_reason = actor, reason[:500]
    request.save(update_fields=["cancelled_by", "cancel_reason"])
    finish(request, ApprovalStatus.CANCELLED, actor=actor, comment="", now=timezone.now(), announce=False)
    return request


# Deadlines ----------------------------------------------------------------------------------------


def approval_deadlines(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The beat's pass (every 5 minutes): remind the undecided approvers of each open step past its
    reminder time, and escalate each open step past its deadline to its escalation target (added as
    approvers, in the trail). Each step once: run it twice, nothing more happens."""
    now = now or timezone.now()
    reminded = escalated = 0
    for pk in list(ApprovalStep.objects.filter(status=StepStatus.OPEN, reminded_at__isnull=True,
                                               remind_at__lte=now).order_by("pk").values_list("pk", flat=True)):
        reminded += step_remind(step_id=pk, now=now)
    for pk in list(ApprovalStep.objects.filter(status=StepStatus.OPEN, escalated_at__isnull=True,
                                               due_at__lte=now).order_by("pk").values_list("pk", flat=True)):
        escalated += step_escalate(step_id=pk, now=now)
    return {"reminded": reminded, "escalated": escalated}


def lock_open_step(step_id: int, stamp: str) -> ApprovalStep | None:
    """The step under its request's lock (as decisions take it), if it is still open and not yet
    ``stamp``ed (reminded_at, escalated_at)."""
    request_id = ApprovalStep.objects.filter(pk=step_id).values_list("request_id", flat=True).first()
    if request_id is None:
        return None
    lock_request(ApprovalRequest(pk=request_id))
    return (ApprovalStep.objects.select_related("request", "request__requester", "request__company",
                                                "escalate_user", "escalate_role")
            .filter(pk=step_id, status=StepStatus.OPEN, **{f"{stamp}__isnull": True}).first())


@atomic_with_retry
def step_remind(*, step_id: int, now: datetime.datetime) -> int:
    step = lock_open_step(step_id, "reminded_at")
    if step is None:
        return 0
    step.reminded_at = now
    step.save(update_fields=["reminded_at"])
    approval_notices.approver_reminded(step, undecided_approvers(step))
    return 1


@atomic_with_retry
def step_escalate(*, step_id: int, now: datetime.datetime) -> int:
    step = lock_open_step(step_id, "escalated_at")
    if step is None:
        return 0
    request = step.request
    seated = set(step.approvers.values_list("user_id", flat=True))
    added = [user for user in escalation_targets(company=request.company, step=step, requester=request.requester)
             if user.pk not in seated]
    seats = ApprovalStepApprover.objects.bulk_create(
        [ApprovalStepApprover(step=step, user=user, escalated=True) for user in added])
    audit.record_created(seats)
    step.escalated_at = now
    step.save(update_fields=["escalated_at"])
    if added:
        approval_notices.approvers_asked(step, added, escalated=True)
    return 1


# Rules ----------------------------------------------------------------------------------------


class ConditionInput(TypedDict):
    field: str
    operator: str
    value: str


class StepInput(TypedDict, total=False):
    sequence: int
    kind: str
    role: Group | None
    user: User | None
    required: int
    deadline_hours: int | None
    reminder_hours: int | None
    escalate_user: User | None
    escalate_role: Group | None


def exists_in(company: Company) -> Any:
    def exists(kind: str, code: str) -> bool:
        if kind == "user":
            return get_user_model().objects.filter(company=company, username__iexact=code).exists()
        return Department.objects.filter(company=company, code__iexact=code).exists()

    return exists


def checked_step(company: Company, number: int, raw: StepInput) -> dict[str, Any]:
    """A step of a rule as it will be saved, or a DomainError on ``steps`` naming the step."""
    def refuse(message: str) -> DomainError:
        return DomainError(_("Step %(n)s: %(problem)s") % {"n": number, "problem": message}, field="steps")

    step: dict[str, Any] = {name: raw.get(name) for name in STEP_FIELDS}
    kind = step["kind"] or StepKind.ROLE
    if kind not in StepKind.values:
        raise refuse(_("choose who approves."))
    step["kind"] = kind
    step["sequence"] = step["sequence"] or 1
    step["required"] = step["required"] or 1
    if step["sequence"] < 1 or step["required"] < 1:
        raise refuse(_("the sequence and the approvals needed start at 1."))
    if kind in (StepKind.ROLE, StepKind.ANY_N):
        if step["role"] is None:
            raise refuse(_("choose the role."))
        step["user"] = None
    elif kind == StepKind.USER:
        if step["user"] is None:
            raise refuse(_("choose the user."))
        step["role"] = None
    else:
        step["role"] = step["user"] = None
    if kind != StepKind.ANY_N:
        step["required"] = 1
    elif step["required"] < 2:
        raise refuse(_("“any N” needs at least 2 approvals (use the role for one)."))
    for name in ("user", "escalate_user"):
        if step[name] is not None and step[name].company_id != company.pk:
            raise refuse(_("that user works for another company."))
    if step["escalate_user"] is not None and step["escalate_role"] is not None:
        raise refuse(_("escalate to a user or to a role, not both."))
    for name in ("deadline_hours", "reminder_hours"):
        if step[name] is not None and step[name] < 1:
            raise refuse(_("hours start at 1."))
    if (step["escalate_user"] or step["escalate_role"]) and not step["deadline_hours"]:
        raise refuse(_("an escalation needs a deadline."))
    return step


@atomic_with_retry
def approval_rule_save(*, company: Company, actor: User | None, type_key: str, name: str,
                       conditions: Sequence[ConditionInput], steps: Sequence[StepInput], priority: int = 100,
                       is_active: bool = True, rule: ApprovalRule | None = None) -> ApprovalRule:
    """Create or change a rule with its conditions and steps (both replaced as a whole)."""
    kind = approval_type(type_key)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the rule a name."), field="name")
    if priority is None or priority < 0:
        raise DomainError(_("The order is a number from 0 up."), field="priority")
    exists = exists_in(company)
    checked_conditions = []
    for condition in conditions:
        value = str(condition.get("value", "")).strip()
        check_condition(kind, condition["field"], condition["operator"], value, exists=exists)
        checked_conditions.append({"field": condition["field"], "operator": condition["operator"], "value": value})
    if not steps:
        raise DomainError(_("A rule needs at least one step."), field="steps")
    checked_steps = [checked_step(company, number, step) for number, step in enumerate(steps, start=1)]
    if rule is None:
        rule = ApprovalRule(company=company)
    else:
        rule = ApprovalRule.objects.select_for_update().get(pk=rule.pk)
        if rule.company_id != company.pk:
            raise DomainError(_("That rule belongs to another company."))
    rule.type_key, rule.name, rule.priority, rule.is_active = type_key, name[:200], priority, is_active
    rule.save()
    for old_condition in rule.conditions.all():
        old_condition.delete()
    for old_step in rule.steps.all():
        old_step.delete()
    for condition_data in checked_conditions:
        ApprovalCondition.objects.create(rule=rule, **condition_data)
    for step_data in checked_steps:
        ApprovalRuleStep.objects.create(rule=rule, **step_data)
    return rule


@atomic_with_retry
def approval_rule_deactivate(*, rule: ApprovalRule, actor: User | None) -> ApprovalRule:
    """No new request falls under ``rule``; those made under it carry on."""
    rule = ApprovalRule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active:
        rule.is_active = False
        rule.save(update_fields=["is_active"])
    return rule


@atomic_with_retry
def approval_rule_delete(*, instance: ApprovalRule, actor: User | None = None, deactivatable: bool = True) -> None:
    """Delete a rule no request was made under; refuse one that has requests (deactivate it)."""
    if ApprovalRequest.objects.filter(rule=instance.pk).exists():
        raise RuleInUse(_("Requests were made under %(rule)s: deactivate it instead of deleting it.") % {
            "rule": instance.name})
    rule = ApprovalRule.objects.select_for_update().get(pk=instance.pk)
    for condition in rule.conditions.all():
        condition.delete()
    for step in rule.steps.all():
        step.delete()
    rule.delete()


def approval_rule_seed(*, company: Company, type_key: str, name: str, role: str) -> int:
    """The default rule of a type for a company with none: one step, anyone with ``role``. Returns 1 when
    it was made (a company seed: idempotent), 0 when the company has a rule of the type or the role
    does not exist (yet)."""
    group = Group.objects.filter(name=role).first()
    if group is None or ApprovalRule.objects.filter(company=company, type_key=type_key).exists():
        return 0
    approval_rule_save(company=company, actor=None, type_key=type_key, name=name, conditions=[],
                       steps=[{"sequence": 1, "kind": StepKind.ROLE, "role": group}])
    return 1


# Delegation -------------------------------------------------------------------------------------


@atomic_with_retry
def delegation_save(*, company: Company, actor: User | None, user: User, delegate: User, starts_on: datetime.date,
                    ends_on: datetime.date, reason: str = "",
                    delegation: ApprovalDelegation | None = None) -> ApprovalDelegation:
    """``delegate`` decides ``user``'s approvals from ``starts_on`` to ``ends_on`` (both included). Only
    one delegate at a time: periods of the same user may not overlap."""
    if user.company_id != company.pk:
        raise DomainError(_("That user works for another company."), field="user")
    if delegate.company_id != company.pk or not delegate.is_active:
        raise DomainError(_("Choose an active colleague of the same company."), field="delegate")
    if delegate.pk == user.pk:
        raise DomainError(_("Choose someone else as the delegate."), field="delegate")
    if ends_on < starts_on:
        raise DomainError(_("The last day comes on or after the first."), field="ends_on")
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one change of a user's periods at a time
    overlapping = ApprovalDelegation.objects.filter(user=user, starts_on__lte=ends_on, ends_on__gte=starts_on)
    if delegation is not None:
        overlapping = overlapping.exclude(pk=delegation.pk)
    if overlapping.exists():
        raise DomainError(_("%(user)s already has a delegate for some of these days.") % {"user": user},
                          field="starts_on")
    if delegation is None:
        delegation = ApprovalDelegation(company=company, created_by=actor)
    delegation.user, delegation.delegate, delegation.starts_on, delegation.ends_on = user, delegate, starts_on, ends_on
    delegation.reason = (reason or "").strip()[:200]
    delegation.save()
    return delegation


@atomic_with_retry
def delegation_delete(*, delegation: ApprovalDelegation, actor: User | None) -> None:
    """End a delegation: from now on the delegate no longer decides for the user (what they decided stays)."""
    delegation.delete()


__all__ = [
    "ConditionInput", "PlannedStep", "RulePreview", "StepInput", "approval_cancel", "approval_decide",
    "approval_deadlines", "approval_rule_deactivate", "approval_rule_delete", "approval_rule_preview",
    "approval_rule_save", "approval_rule_seed", "approval_submit", "delegation_delete", "delegation_save",
    "step_label",
]
