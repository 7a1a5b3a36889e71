from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


# Approvals (office.models.approvals) ------------------------------------------------------------


class ApprovalStatus(models.TextChoices):
    """Where an approval request stands. Every status but PENDING is final: a returned request is
    corrected and submitted again as a new request."""

    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")
    CANCELLED = "cancelled", _("Cancelled")


class StepKind(models.TextChoices):
    """Who approves a step."""

    ROLE = "role", _("Anyone with the role")
    MANAGER = "manager", _("The requester's manager")
    USER = "user", _("A named user")
    ANY_N = "any_n", _("Any N people with the role")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier step")
    OPEN = "open", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")
    CANCELLED = "cancelled", _("Not needed")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for changes")


class DecisionVia(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    WECOM = "wecom", _("WeCom")


class ConditionOperator(models.TextChoices):
    EQ = "eq", "="
    NE = "ne", "≠"
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"
    IN = "in", _("is one of")
    CONTAINS = "contains", _("contains")


# A decision's outcome for the request and the step it was taken on.
DECISION_OUTCOME: dict[str, str] = {
    Decision.APPROVE: ApprovalStatus.APPROVED,
    Decision.REJECT: ApprovalStatus.REJECTED,
    Decision.RETURN: ApprovalStatus.RETURNED,
}
DECISION_STEP_STATUS: dict[str, str] = {
    Decision.APPROVE: StepStatus.APPROVED,
    Decision.REJECT: StepStatus.REJECTED,
    Decision.RETURN: StepStatus.RETURNED,
}
OPEN_STEP_STATUSES = (StepStatus.WAITING, StepStatus.OPEN)
class RobotMessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class RobotMsgType(models.TextChoices):
    TEXT = "text", _("Text")
    MARKDOWN = "markdown", _("Markdown")
    NEWS = "news", _("News")
