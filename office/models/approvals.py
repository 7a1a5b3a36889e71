"""Office: the approval engine's tables (簽核 / 审批).

Rules are data, per company and approvable document type (office.approval_types): an
``ApprovalRule`` with its ``ApprovalCondition``s (all must hold; the first active rule by ``priority``
whose conditions hold is taken) and its ``ApprovalRuleStep``s (steps with the same ``sequence`` run
in parallel; sequences one after another).

A submitted document gets an ``ApprovalRequest``, which copies what it needs at submission: the
condition values (``values``), the rule's steps as ``ApprovalStep``s with the approvers resolved then
(``ApprovalStepApprover``, a "seat" each; an escalation adds seats later). People decide with
``ApprovalDecision``s, one per seat, append-only. ``ApprovalDelegation``: while on leave, a user's
delegate decides on their behalf between two dates.

Every write goes through office.services.approvals; every table is in the audit trail.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from erp.models import CompanyOwned, Restricted
from office.status import ApprovalStatus, ConditionOperator, Decision, DecisionVia, StepKind, StepStatus

__all__ = [
    "ApprovalCondition", "ApprovalDecision", "ApprovalDelegation", "ApprovalRequest", "ApprovalRule",
    "ApprovalRuleStep", "ApprovalStep", "ApprovalStepApprover",
]

USER = settings.AUTH_USER_MODEL


class AppendOnly(Exception):
    """A decision was about to be changed or deleted: decisions are never edited."""


def step_target_constraints(prefix: str) -> list[models.BaseConstraint]:
    """A step names a role for ROLE and ANY_N, a user for USER, neither for MANAGER; it needs at least
    one approval, and ANY_N more than one; it escalates to a user or a role, not both."""
    return [
        models.CheckConstraint(
            name=f"{prefix}_target_of_kind",
            condition=(Q(kind__in=[StepKind.ROLE, StepKind.ANY_N], role__isnull=False, user__isnull=True)
                       | Q(kind=StepKind.USER, role__isnull=True, user__isnull=False)
                       | Q(kind=StepKind.MANAGER, role__isnull=True, user__isnull=True)),
        ),
        models.CheckConstraint(
            name=f"{prefix}_required_approvals",
            condition=Q(required__gte=1) & (Q(kind=StepKind.ANY_N) | Q(required=1)),
        ),
        models.CheckConstraint(
            name=f"{prefix}_one_escalation_target",
            condition=Q(escalate_user__isnull=True) | Q(escalate_role__isnull=True),
        ),
        models.CheckConstraint(name=f"{prefix}_sequence_from_one", condition=Q(sequence__gte=1)),
    ]


class StepFields(models.Model):
    """What a rule's step says and a request's step copies."""

    sequence = models.PositiveSmallIntegerField(
        _("sequence"), default=1,
        help_text=_("Steps with the same number run at the same time; the next number starts when they are all "
                    "approved."))
    kind = models.CharField(_("approver"), max_length=10, choices=StepKind.choices, default=StepKind.ROLE)
    role = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("role"))
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    required = models.PositiveSmallIntegerField(_("approvals needed"), default=1)
    deadline_hours = models.PositiveIntegerField(_("deadline (hours)"), null=True, blank=True)
    reminder_hours = models.PositiveIntegerField(_("reminder after (hours)"), null=True, blank=True)
    escalate_user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("escalate to user"))
    escalate_role = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("escalate to role"))

    class Meta:
        abstract = True

    @property
    def escalation_target(self) -> Any:
        return self.escalate_user or self.escalate_role


# Rules ------------------------------------------------------------------------------------------


class ApprovalRule(CompanyOwned):
    """Who approves a type of document, when its conditions hold. Among a type's active rules the one
    with the lowest ``priority`` (then the oldest) whose conditions all hold is taken."""

    type_key = models.CharField(_("document type"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveIntegerField(_("order"), default=100,
                                           help_text=_("Rules are tried from the lowest number up."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        ordering = ["type_key", "priority", "id"]
        indexes = [models.Index(fields=["company", "type_key", "is_active", "priority"], name="approval_rule_lookup")]

    def __str__(self) -> str:
        return self.name


class ApprovalCondition(Restricted):
    """"``field`` ``operator`` ``value``": a condition of a rule (the field is one the type declares)."""

    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="conditions",
                             verbose_name=_("rule"))
    field = models.CharField(_("field"), max_length=60)
    operator = models.CharField(_("operator"), max_length=10, choices=ConditionOperator.choices,
                                default=ConditionOperator.EQ)
    value = models.CharField(_("value"), max_length=500)

    class Meta:
        verbose_name = _("approval condition")
        verbose_name_plural = _("approval conditions")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.field} {self.get_operator_display()} {self.value}"


class ApprovalRuleStep(StepFields, Restricted):
    """A step of a rule: who approves, in which sequence, by when, and to whom it escalates."""

    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="steps", verbose_name=_("rule"))

    class Meta:
        verbose_name = _("approval rule step")
        verbose_name_plural = _("approval rule steps")
        ordering = ["sequence", "pk"]
        constraints = step_target_constraints("approval_rule_step")

    def __str__(self) -> str:
        return f"{self.sequence}. {self.get_kind_display()}"


# Requests ----------------------------------------------------------------------------------------


class ApprovalRequest(CompanyOwned):
    """A document waiting for (or done with) approval under a rule.

    ``values``: the condition values when it was submitted, ``{field: {"value": …, "text": …}}``.
    One pending request per document and type (``approval_request_pending_once``): submitting again
    returns it."""

    type_key = models.CharField(_("document type"), max_length=60)
    document_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("document type"))
    document_id = models.PositiveBigIntegerField(_("document id"))
    document = GenericForeignKey("document_type", "document_id")
    reference = models.CharField(_("document"), max_length=60)
    requester = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    rule = models.ForeignKey(ApprovalRule, on_delete=models.PROTECT, related_name="requests", verbose_name=_("rule"))
    values = models.JSONField(_("values"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ApprovalStatus.choices,
                              default=ApprovalStatus.PENDING)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome_comment = models.TextField(_("comment"), blank=True)
    cancelled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("cancelled by"))
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at", "-id"]
        permissions = [("see_all_approvals", _("Can see every approval request of the company"))]
        constraints = [
            models.UniqueConstraint(fields=["document_type", "document_id", "type_key"],
                                    condition=Q(status=ApprovalStatus.PENDING),
                                    name="approval_request_pending_once"),
            models.CheckConstraint(name="approval_request_decided_has_time",
                                   condition=Q(status=ApprovalStatus.PENDING) | Q(decided_at__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["document_type", "document_id"], name="approval_request_document"),
            models.Index(fields=["company", "status", "-created_at"], name="approval_request_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING


class ApprovalStep(StepFields, Restricted):
    """A step of a request, copied from its rule when submitted; steps of the lowest sequence not yet
    approved are open. ``due_at``/``remind_at`` follow from the rule's hours when the step opens."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps",
                                verbose_name=_("request"))
    status = models.CharField(_("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["sequence", "pk"]
        constraints = step_target_constraints("approval_step")
        indexes = [
            models.Index(fields=["status", "remind_at"], name="approval_step_reminders",
                         condition=Q(status=StepStatus.OPEN, reminded_at__isnull=True, remind_at__isnull=False)),
            models.Index(fields=["status", "due_at"], name="approval_step_overdue",
                         condition=Q(status=StepStatus.OPEN, escalated_at__isnull=True, due_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.sequence}. {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == StepStatus.OPEN


class ApprovalStepApprover(Restricted):
    """A seat on a step: a user who may decide it (resolved at submission, or added by an escalation).
    ``decided``: the seat's decision was taken (by the user or their delegate)."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="approvers",
                             verbose_name=_("step"))
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="approval_seats",
                             verbose_name=_("approver"))
    escalated = models.BooleanField(_("added by escalation"), default=False)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    decided = models.BooleanField(_("decided"), default=False)

    class Meta:
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["step", "user"], name="approval_seat_once_per_step")]
        indexes = [models.Index(fields=["user", "decided"], name="approval_seat_by_user")]

    def __str__(self) -> str:
        return str(self.user)


class ApprovalDecision(Restricted):
    """A decision on a step, taken on a seat (once: the seat is unique), by its user or, on their
    behalf, by their delegate (``on_behalf_of``). Append-only: never changed or deleted."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="decisions",
                                verbose_name=_("request"))
    step = models.ForeignKey(ApprovalStep, on_delete=models.PROTECT, related_name="decisions",
                             verbose_name=_("step"))
    seat = models.OneToOneField(ApprovalStepApprover, on_delete=models.PROTECT, related_name="decision",
                                verbose_name=_("approver"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by"))
    on_behalf_of = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("on behalf of"))
    via = models.CharField(_("via"), max_length=10, choices=DecisionVia.choices, default=DecisionVia.WEB)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(name="approval_decision_comment_when_not_approving",
                                   condition=Q(decision=Decision.APPROVE) | ~Q(comment="")),
            models.CheckConstraint(name="approval_decision_on_behalf_of_another",
                                   condition=Q(on_behalf_of__isnull=True) | ~Q(on_behalf_of=F("decided_by"))),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.decided_by}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("approval decisions are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("approval decisions are never deleted")


# Delegation --------------------------------------------------------------------------------------


class ApprovalDelegation(CompanyOwned):
    """While ``user`` is away (``starts_on`` to ``ends_on``, both included), ``delegate`` decides their
    approvals on their behalf."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="approval_delegations",
                             verbose_name=_("away"))
    delegate = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="approval_delegated",
                                 verbose_name=_("delegate"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval delegation")
        verbose_name_plural = _("approval delegations")
        ordering = ["-starts_on", "-id"]
        permissions = [("delegate_for_anyone", _("Can set any user's approval delegation"))]
        constraints = [
            models.CheckConstraint(name="approval_delegation_dates_in_order", condition=Q(ends_on__gte=F("starts_on"))),
            models.CheckConstraint(name="approval_delegation_to_another", condition=~Q(delegate=F("user"))),
        ]
        indexes = [models.Index(fields=["delegate", "starts_on", "ends_on"], name="approval_delegation_active")]

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate}"
