"""What the approval engine contributes to other pages (registered in OfficeConfig.ready): on any
document's page, its approval trail (every request about it, with steps, approvers and decisions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from office.approval_types import type_label
from office.selectors.approvals import requests_about, requests_visible_to, trail


def document_approvals(user: Any, document: Model) -> dict[str, Any] | None:
    """The approval requests about ``document`` with their trails, newest first; None if there is none.
    One query for a document without requests; five with (the requests, their steps, approvers and
    decisions, which of them the user may open)."""
    requests = requests_about(document)
    if not requests:
        return None
    openable = set(requests_visible_to(user).filter(pk__in=[r.pk for r in requests]).values_list("pk", flat=True))
    for request in requests:
        request.openable = request.pk in openable
        request.trail = trail(request)
        request.type_label = type_label(request.type_key)
    return {"approval_requests": list(reversed(requests)), "pending_approval": any(r.is_pending for r in requests)}
