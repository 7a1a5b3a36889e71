"""Who the approval engine tells what: the single place where notifications (in-app, e-mail, WeCom) and
the WeCom approval cards are wired onto the engine.

- ``approvers_asked(step, approvers, escalated=False)``: a step opened (or an overdue step was escalated
  to more people, ``escalated=True``): each of ``approvers`` is notified ("office.approval_waiting"); on
  WeCom the notification is an approval card with approve / reject buttons (office.services.wecom_channels,
  office.services.wecom_cards). The cards of seats the steps before it settled are closed.
- ``approver_reminded(step, approvers)``: the step's reminder time passed and ``approvers`` have not
  decided yet: they are reminded ("office.approval_reminder").
- ``requester_told(request, outcome)``: the request reached its final ``outcome``: the requester is told
  ("office.approval_decided"; not when it was cancelled: the requester's side cancelled it), and every
  card still open on the approvers' phones says how it ended.

They are called inside the engine's transaction (a rollback takes back whatever they record); what is
sent to the outside world waits for the commit (the notification service sends after commit).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext_noop

from erp import messages
from erp.models import User
from office.models import ApprovalRequest, ApprovalStep
from office.services import wecom_cards
from office.services.notifications import notify
from office.status import ApprovalStatus


def request_link(request: ApprovalRequest) -> str:
    return reverse("office:approval_detail", args=[request.pk])


def requester_name(request: ApprovalRequest) -> str:
    return request.requester.get_full_name() or request.requester.get_username()


def approvers_asked(step: ApprovalStep, approvers: Sequence[User], *, escalated: bool = False) -> None:
    """``step`` opened (or was escalated): ask each of ``approvers`` to decide it."""
    request = step.request
    wecom_cards.cards_settle(request)
    if not approvers:
        return
    text = (gettext_noop("Overdue: %(requester)s's request %(document)s now waits for your approval too.")
            if escalated else gettext_noop("%(requester)s asks you to approve %(document)s."))
    notify(company=request.company, recipients=approvers, kind="office.approval_waiting",
           message=messages.message(text, requester=requester_name(request), document=request.reference),
           link=request_link(request), document=request)


def approver_reminded(step: ApprovalStep, approvers: Sequence[User]) -> None:
    """``step`` is still open at its reminder time: remind ``approvers`` (its undecided seats)."""
    request = step.request
    if not approvers:
        return
    notify(company=request.company, recipients=approvers, kind="office.approval_reminder",
           message=messages.message(gettext_noop("Reminder: %(document)s still waits for your approval."),
                                    document=request.reference),
           link=request_link(request), document=request)


OUTCOME_TEXT: dict[str, str] = {
    ApprovalStatus.APPROVED: gettext_noop("Your request %(document)s was approved."),
    ApprovalStatus.REJECTED: gettext_noop("Your request %(document)s was rejected: %(comment)s"),
    ApprovalStatus.RETURNED: gettext_noop("Your request %(document)s was returned for changes: %(comment)s"),
}


def requester_told(request: ApprovalRequest, outcome: str) -> None:
    """``request`` was finally approved, rejected, returned or cancelled (``outcome``): tell its
    requester; every WeCom card still open on the approvers' phones says how it ended."""
    wecom_cards.cards_settle(request)
    text = OUTCOME_TEXT.get(outcome)
    if text is None:
        return
    notify(company=request.company, recipients=[request.requester], kind="office.approval_decided",
           message=messages.message(text, document=request.reference, comment=request.outcome_comment or "-"),
           link=request_link(request), document=request)
