"""Reads of the approval engine: which rule a document falls under and who approves its steps, the
requests a user takes part in (through ``ApprovalRequest.objects.restrict``, office.scoping), what
waits for a user's decision, a request's trail, the rules and delegations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from erp.models import Company, User
from office.approval_types import ApprovalType, approval_type, condition_holds
from office.models import (
    ApprovalDecision,
    ApprovalDelegation,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStep,
    ApprovalStepApprover,
)
from office.models.approvals import StepFields
from office.scoping import delegators_of
from office.status import ApprovalStatus, StepKind, StepStatus

# Rules ------------------------------------------------------------------------------------------


def active_rules(company: Company, type_key: str) -> list[ApprovalRule]:
    """The company's active rules of a type in the order they are tried, with conditions and steps."""
    return list(ApprovalRule.objects.filter(company=company, type_key=type_key, is_active=True)
                .prefetch_related("conditions", steps_prefetch()).order_by("priority", "pk"))


def steps_prefetch() -> Prefetch[Any]:
    from office.models import ApprovalRuleStep

    return Prefetch("steps", ApprovalRuleStep.objects.select_related("role", "user", "escalate_user",
                                                                     "escalate_role").order_by("sequence", "pk"))


def rule_matches(kind: ApprovalType, rule: ApprovalRule, values: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether every condition of ``rule`` holds for the snapshot ``values`` (a condition on a field
    the type no longer declares never holds)."""
    names = set(kind.field_names())
    for condition in rule.conditions.all():
        if condition.field not in names:
            return False
        actual = values.get(condition.field, {}).get("value")
        if not condition_holds(kind.condition_field(condition.field), condition.operator, condition.value, actual):
            return False
    return True


def matching_rule(company: Company, type_key: str, values: Mapping[str, Mapping[str, Any]]) -> ApprovalRule | None:
    """The first active rule (by priority) whose conditions all hold for ``values``."""
    kind = approval_type(type_key)
    return next((rule for rule in active_rules(company, type_key) if rule_matches(kind, rule, values)), None)


def rules_for_user(user: User, *, type_key: str = "", active: bool | None = None,
                   search: str = "") -> QuerySet[ApprovalRule]:
    rules = ApprovalRule.objects.restrict(user)
    if type_key:
        rules = rules.filter(type_key=type_key)
    if active is not None:
        rules = rules.filter(is_active=active)
    if search:
        rules = rules.filter(name__icontains=search)
    return rules.prefetch_related("conditions", steps_prefetch()).order_by("type_key", "priority", "pk")


# Approvers --------------------------------------------------------------------------------------


def manager_of(user: User) -> User | None:
    """The requester's manager: the head of their department; when they head it themselves, the head of
    the department above (and so on up while they head those too). None without a department or when
    the department has no (active) head."""
    department = user.department
    seen: set[int] = set()
    while department is not None and department.pk not in seen:
        seen.add(department.pk)
        head = department.head
        if head is None or not head.is_active:
            return None
        if head.pk != user.pk:
            return head
        department = department.parent
    return None


def role_members(company: Company, role_id: int | None) -> QuerySet[User]:
    return get_user_model().objects.filter(company=company, is_active=True, groups=role_id).order_by("username")


def may_approve(user: User | None, company: Company, requester: User | None) -> bool:
    return (user is not None and user.is_active and user.company_id == company.pk
            and (requester is None or user.pk != requester.pk))


def step_approvers(*, company: Company, step: StepFields, requester: User | None) -> list[User]:
    """Who may approve ``step`` for ``requester``: everyone with the role, the named user, or the
    requester's manager; never the requester themselves, nor an inactive user or one of another
    company. Without a requester (a preview of typed values) the manager is unknown: nobody."""
    if step.kind in (StepKind.ROLE, StepKind.ANY_N):
        members = role_members(company, step.role_id)
        return list(members if requester is None else members.exclude(pk=requester.pk))
    if step.kind == StepKind.USER:
        return [step.user] if step.user is not None and may_approve(step.user, company, requester) else []
    manager = manager_of(requester) if requester is not None else None
    return [manager] if manager is not None and may_approve(manager, company, requester) else []


def escalation_targets(*, company: Company, step: StepFields, requester: User) -> list[User]:
    """Who an overdue step escalates to: the user, or everyone with the role (never the requester)."""
    if step.escalate_user_id is not None:
        user = step.escalate_user
        return [user] if user is not None and may_approve(user, company, requester) else []
    if step.escalate_role_id is not None:
        return list(role_members(company, step.escalate_role_id).exclude(pk=requester.pk))
    return []


# Requests ---------------------------------------------------------------------------------------


def document_key(document: Model) -> dict[str, Any]:
    return {"document_type": ContentType.objects.get_for_model(document), "document_id": document.pk}


def pending_request(document: Model, type_key: str) -> ApprovalRequest | None:
    """The request of ``type_key`` about ``document`` still awaiting approval, if any."""
    return ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING, type_key=type_key,
                                          **document_key(document)).first()


def latest_request(document: Model, type_key: str) -> ApprovalRequest | None:
    """The newest request of ``type_key`` about ``document`` (pending or decided), if any."""
    return (ApprovalRequest.objects.filter(type_key=type_key, **document_key(document))
            .select_related("requester").order_by("-created_at", "-pk").first())


def requests_visible_to(user: User) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.restrict(user)


def waiting_condition(user: User, on: datetime.date | None = None) -> Q:
    """Requests with an open step on which the user (or someone they stand in for today) has a seat not
    decided yet; never the user's own requests."""
    seats = ApprovalStepApprover.objects.filter(
        Q(user=user.pk) | Q(user__in=delegators_of(user, on)),
        step__request=OuterRef("pk"), step__status=StepStatus.OPEN, decided=False)
    return Q(Exists(seats), status=ApprovalStatus.PENDING) & ~Q(requester=user.pk)


def waiting_for(user: User) -> QuerySet[ApprovalRequest]:
    """What waits for the user's decision, oldest first (they have waited longest)."""
    return (requests_visible_to(user).filter(waiting_condition(user)).select_related("requester", "rule")
            .order_by("created_at", "pk"))


def waiting_count(user: User) -> int:
    return waiting_for(user).count()


def request_list_for_user(user: User, *, status: str = "", type_key: str = "", waiting: bool = False,
                          requester: User | None = None, mine: bool = False, search: str = "",
                          ) -> QuerySet[ApprovalRequest]:
    """The requests the user takes part in, newest first; ``waiting``: only those waiting for their
    decision; ``mine``: only those they asked for."""
    rows = requests_visible_to(user)
    if waiting:
        rows = rows.filter(waiting_condition(user))
    if status:
        rows = rows.filter(status=status)
    if type_key:
        rows = rows.filter(type_key=type_key)
    if requester is not None:
        rows = rows.filter(requester=requester.pk)
    if mine:
        rows = rows.filter(requester=user.pk)
    if search:
        rows = rows.filter(reference__icontains=search)
    return rows.select_related("requester", "rule").order_by("-created_at", "-pk")


def with_steps(rows: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    """Requests with their steps (and each step's approvers) and decisions: four queries, however many."""
    seats: QuerySet[ApprovalStepApprover] = ApprovalStepApprover.objects.select_related("user")
    steps: QuerySet[ApprovalStep] = ApprovalStep.objects.select_related("role", "user", "escalate_user",
                                                                         "escalate_role")
    return rows.prefetch_related(
        Prefetch("steps", steps.prefetch_related(Prefetch("approvers", seats)).order_by("sequence", "pk")),
        Prefetch("decisions", ApprovalDecision.objects.select_related("decided_by", "on_behalf_of", "step")
                 .order_by("decided_at", "pk")),
    )


def request_get_for_user(user: User, pk: int) -> ApprovalRequest:
    return with_steps(requests_visible_to(user).select_related("requester", "rule", "cancelled_by",
                                                               "document_type")).get(pk=pk)


def requests_about(document: Model) -> list[ApprovalRequest]:
    """Every approval request about ``document``, oldest first, with steps and decisions (one query when
    there is none, four otherwise)."""
    return list(with_steps(ApprovalRequest.objects.filter(**document_key(document))
                           .select_related("requester", "cancelled_by").order_by("created_at", "pk")))


@dataclass
class Seat:
    """A seat the user may decide on now, as themselves or (``on_behalf_of``) as a delegate."""

    seat: ApprovalStepApprover
    on_behalf_of: User | None = None

    @property
    def step(self) -> ApprovalStep:
        return self.seat.step


def open_seats(user: User, request: ApprovalRequest, *, step: ApprovalStep | None = None,
               on: datetime.date | None = None) -> list[Seat]:
    """The undecided seats of ``request``'s open steps the user may decide now, by sequence: their own,
    or, when they have none, those of the users they stand in for today. None for the requester."""
    if user.pk == request.requester_id or not user.is_active:
        return []
    seats = (ApprovalStepApprover.objects.filter(step__request=request.pk, step__status=StepStatus.OPEN, decided=False)
             .select_related("step", "user").order_by("step__sequence", "step__pk", "pk"))
    if step is not None:
        seats = seats.filter(step=step.pk)
    candidates = list(seats)
    own = [Seat(seat) for seat in candidates if seat.user_id == user.pk]
    if own:
        return own
    standing_in = set(delegators_of(user, on).values_list("user", flat=True))
    return [Seat(seat, seat.user) for seat in candidates if seat.user_id in standing_in]


def can_decide(user: User, request: ApprovalRequest) -> bool:
    return request.is_pending and bool(open_seats(user, request))


# The trail ----------------------------------------------------------------------------------------


@dataclass
class TrailEntry:
    """A line of a request's trail: what happened when, by whom (on whose behalf), with what comment."""

    at: datetime.datetime
    what: str  # submitted, opened, reminded, escalated, approve, reject, return, cancelled
    who: User | None = None
    on_behalf_of: User | None = None
    step: ApprovalStep | None = None
    comment: str = ""
    via: str = ""
    people: list[User] = field(default_factory=list)
    label: str = ""


def trail(request: ApprovalRequest) -> list[TrailEntry]:
    """What happened to ``request``, in order: submitted, each step opened (with its approvers), reminders,
    escalations (with who was added), decisions, the cancellation. Reads what ``with_steps`` loaded."""
    entries = [TrailEntry(request.created_at, "submitted", who=request.requester)]
    for step in request.steps.all():
        seats = list(step.approvers.all())
        if step.opened_at:
            entries.append(TrailEntry(step.opened_at, "opened", step=step,
                                      people=[seat.user for seat in seats if not seat.escalated]))
        if step.reminded_at:
            entries.append(TrailEntry(step.reminded_at, "reminded", step=step))
        if step.escalated_at:
            entries.append(TrailEntry(step.escalated_at, "escalated", step=step,
                                      people=[seat.user for seat in seats if seat.escalated]))
    for decision in request.decisions.all():
        entries.append(TrailEntry(decision.decided_at, decision.decision, who=decision.decided_by,
                                  on_behalf_of=decision.on_behalf_of, step=decision.step, comment=decision.comment,
                                  via=decision.get_via_display(), label=decision.get_decision_display()))
    if request.status == ApprovalStatus.CANCELLED and request.decided_at:
        entries.append(TrailEntry(request.decided_at, "cancelled", who=request.cancelled_by,
                                  comment=request.cancel_reason))
    return sorted(entries, key=lambda entry: entry.at)


def last_decision(request: ApprovalRequest) -> ApprovalDecision | None:
    """The decision that ended ``request`` (approved, rejected or returned), if any."""
    return request.decisions.select_related("decided_by", "on_behalf_of").order_by("-decided_at", "-pk").first()


# Delegation -------------------------------------------------------------------------------------


def delegations_for_user(user: User, *, who: User | None = None, current: bool = False) -> QuerySet[ApprovalDelegation]:
    rows = ApprovalDelegation.objects.restrict(user).select_related("user", "delegate", "created_by")
    if who is not None:
        rows = rows.filter(Q(user=who.pk) | Q(delegate=who.pk))
    if current:
        rows = rows.filter(ends_on__gte=timezone.localdate())
    return rows.order_by("-starts_on", "-pk")


def standing_in_for(user: User, on: datetime.date | None = None) -> list[User]:
    """The users whose approvals ``user`` decides today as their delegate."""
    return list(get_user_model().objects.filter(pk__in=delegators_of(user, on)).order_by("username"))


def users_of(company: Company, usernames: Iterable[str]) -> dict[str, User]:
    return {user.username.casefold(): user for user in get_user_model().objects.filter(
        company=company, username__in=list(usernames))}
