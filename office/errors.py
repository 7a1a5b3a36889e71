"""The approval engine's refusals (DomainErrors: a message in the UI, 400/403/409 in the API)."""

from django.utils.translation import gettext_lazy as _

from erp.errors import DomainError, IllegalTransition


class NoApprovalRule(DomainError):
    """No active rule of the document's type matches it: nobody would approve it."""

    default_message = _("No approval rule matches this document: ask an administrator to add one.")


class NoApprover(DomainError):
    """A step of the matching rule finds nobody who may approve it (no head, an empty role…)."""


class NotAnApprover(DomainError):
    """The user may not decide this request (not an approver, the requester, a step not open yet)."""

    http_status = 403
    default_message = _("You are not an approver of this request.")


class AlreadyDecided(IllegalTransition):
    """The request, the step or the user's seat on it was decided already (two phones at once)."""

    default_message = _("This request was already decided.")


class RuleInUse(DomainError):
    """A rule that requests were made under cannot be deleted (deactivate it)."""

    http_status = 409
