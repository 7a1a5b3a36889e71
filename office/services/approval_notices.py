"""Who the approval engine tells what: the single place where notifications (in-app, e-mail) and WeCom
approval cards are wired onto the engine.

For now these functions create nothing: the approvers find their requests under "Waiting for my
approval" (with its count in the page header) and the requester on the document's page. The
notification service and the WeCom cards are to be connected **here and nowhere else**:

- ``approvers_asked(step, approvers, escalated=False)``: a step opened (or an overdue step was escalated
  to more people, ``escalated=True``): each of ``approvers`` is to be asked to decide (an in-app
  notification, a WeCom template card with approve / reject buttons keyed by the step and the user).
- ``approver_reminded(step, approvers)``: the step's reminder time passed and ``approvers`` have not
  decided yet: remind them.
- ``requester_told(request, outcome)``: the request reached its final ``outcome`` (approved, rejected,
  returned for changes or cancelled — office.status.ApprovalStatus): tell the requester, and close
  the cards still open on the phones of the other approvers.

They are called inside the engine's transaction (a rollback takes back whatever they record); anything
sent to the outside world must wait for the commit (``transaction.on_commit``). They must not fail:
a notice that cannot be made must not refuse a decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from erp.models import User
from office.models import ApprovalRequest, ApprovalStep
from office.services import wecom_cards


def approvers_asked(step: ApprovalStep, approvers: Sequence[User], *, escalated: bool = False) -> None:
    """``step`` opened (or was escalated): ask each of ``approvers`` to decide it. The WeCom cards of
    the seats the steps before it settled are closed."""
    wecom_cards.cards_settle(step.request)


def approver_reminded(step: ApprovalStep, approvers: Sequence[User]) -> None:
    """``step`` is still open at its reminder time: remind ``approvers`` (its undecided seats). Creates
    nothing yet."""


def requester_told(request: ApprovalRequest, outcome: str) -> None:
    """``request`` was finally approved, rejected, returned or cancelled (``outcome``): tell its
    requester; every WeCom card still open on the approvers' phones says how it ended."""
    wecom_cards.cards_settle(request)
