"""Which office rows a user may see (registered in OfficeConfig.ready; see erp.scoping): the tasks
addressed to them, to one of their roles or to their department, and those they created; the approval
requests they take part in; the rules of their company (the permission decides who edits); their own
notifications and notification preferences; the announcements for them (every one of the company's
for those who manage announcements)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from erp.scoping import VIEW, Through, register_scope


def addressed_to(user: Any) -> Q:
    """Tasks assigned to ``user``, one of the user's roles or the user's department."""
    addressed = Q(assignee_user=user.pk) | Q(assignee_role__in=user.groups.all())
    if user.department_id:
        addressed |= Q(assignee_department_id=user.department_id)
    return addressed


def tasks_of_user(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return queryset.filter(addressed_to(user) | Q(created_by=user.pk))


def own_rows(field: str) -> Any:
    """A rule: the rows whose ``field`` is the user (their notifications, their preferences)."""

    def rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        return queryset.filter(**{field: user.pk})

    rule.__name__ = rule.__qualname__ = f"own_rows_{field}"
    return rule


OWN_NOTIFICATIONS = own_rows("recipient")
OWN_PREFERENCES = own_rows("user")


def announcements_of_user(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """Managers of announcements (office.change_announcement) see and change all of the company's;
    everyone else reads the live ones meant for them and changes none."""
    from office.selectors.notifications import audience_of, live

    if user.has_perm("office.change_announcement"):
        return queryset
    if action != VIEW:
        return queryset.none()
    return queryset.filter(live(), audience_of(user))


def nobody(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """The WeCom client's working state (access tokens, sends per member): no screen reads it."""
    return queryset.none()


def register() -> None:
    register_scope("office.task", tasks_of_user)
    register_scope("office.wecomaccesstoken", nobody)
    register_scope("office.wecomusersends", nobody)
    register_approvals()


# Approvals --------------------------------------------------------------------------------------

SEE_ALL_APPROVALS = "office.see_all_approvals"
DELEGATE_FOR_ANYONE = "office.delegate_for_anyone"


def delegators_of(user: Any, on: datetime.date | None = None) -> QuerySet[Any]:
    """The ids of the users whose approvals ``user`` decides on ``on`` (today) as their delegate."""
    from office.models import ApprovalDelegation

    day = on or timezone.localdate()
    return ApprovalDelegation.objects.filter(delegate=user.pk, starts_on__lte=day, ends_on__gte=day).values("user")


def approval_requests_of_user(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """The requests a user takes part in: theirs, those with a seat of theirs or of someone they stand in
    for today, those they decided; every request of the company for holders of ``see_all_approvals``.
    The same for changing: whether they may decide is the engine's rule (a clear 403 when not)."""
    from office.models import ApprovalDecision, ApprovalStepApprover

    if user.is_superuser or user.has_perm(SEE_ALL_APPROVALS):
        return queryset
    seats = ApprovalStepApprover.objects.filter(
        Q(user=user.pk) | Q(user__in=delegators_of(user)), step__request=OuterRef("pk"))
    decided = ApprovalDecision.objects.filter(decided_by=user.pk, request=OuterRef("pk"))
    return queryset.filter(Q(requester=user.pk) | Exists(seats) | Exists(decided))


def delegations_of_user(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """A user's own delegations, and (reading) those that make them a delegate; every one of the company
    for holders of ``delegate_for_anyone``."""
    if user.is_superuser or user.has_perm(DELEGATE_FOR_ANYONE):
        return queryset
    if action == VIEW:
        return queryset.filter(Q(user=user.pk) | Q(delegate=user.pk))
    return queryset.filter(user=user.pk)


def register_approvals() -> None:
    register_scope("office.approvalrequest", approval_requests_of_user)
    register_scope("office.approvalstep", Through("request", "office.approvalrequest"))
    register_scope("office.approvalstepapprover", Through("step__request", "office.approvalrequest"))
    register_scope("office.approvaldecision", Through("request", "office.approvalrequest"))
    register_scope("office.approvalcondition", Through("rule", "office.approvalrule"))
    register_scope("office.approvalrulestep", Through("rule", "office.approvalrule"))
    register_scope("office.approvaldelegation", delegations_of_user)
    register_scope("office.notification", OWN_NOTIFICATIONS)
    register_scope("office.notificationpreference", OWN_PREFERENCES)
    register_scope("office.announcement", announcements_of_user)
