"""What the task inbox contributes to other pages (registered in OfficeConfig.ready): the home page's
inbox box, and on every document's page the tasks about it (and about the documents that belong with
it, erp.registry.related_documents: a sales order's delivery notes and returns)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from erp.registry import related_documents
from office.selectors import inbox_for_user, tasks_about
from office.status import TaskStatus

HOME_INBOX_ROWS = 10


def home_inbox(request: HttpRequest) -> dict[str, Any]:
    """The home page's inbox box: the newest tasks waiting for the user."""
    return {"tasks": inbox_for_user(request.user).select_related("created_by")[:HOME_INBOX_ROWS]}


def document_tasks(user: Any, document: Model) -> dict[str, Any] | None:
    """The tasks about ``document`` and its related documents, with how many are open; None if none."""
    tasks = list(tasks_about(document, related_documents(document)))
    if not tasks:
        return None
    return {"tasks": tasks, "open_tasks": sum(1 for task in tasks if task.status == TaskStatus.OPEN)}
