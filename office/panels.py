"""What the task inbox contributes to other pages (registered in OfficeConfig.ready): the home page's
inbox box, and on every document's page the tasks about it (and about the documents that belong with
it, erp.registry.related_documents: a sales order's delivery notes and returns)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from erp.registry import related_documents
from office.selectors import inbox_for_user, task_links, tasks_about, tasks_visible_to
from office.status import TaskStatus

HOME_INBOX_ROWS = 10


def home_inbox(request: HttpRequest) -> dict[str, Any]:
    """The home page's inbox box: the newest tasks waiting for the user."""
    tasks = list(inbox_for_user(request.user).select_related("created_by")[:HOME_INBOX_ROWS])
    with_links(request.user, tasks)
    return {"tasks": tasks}


def with_links(user: Any, tasks: list[Any]) -> None:
    """Each task's ``link``: the URL of its document (or the screen its kind works on), if the user
    may open it (office.selectors.task_links)."""
    links = task_links(user, tasks)
    for task in tasks:
        task.link = links.get(task.pk)


def document_tasks(user: Any, document: Model) -> dict[str, Any] | None:
    """The tasks about ``document`` and its related documents, with how many are open; None if none."""
    tasks = list(tasks_about(document, related_documents(document)))
    if not tasks:
        return None
    # Another department's task on this document is listed, but linked only if the user may open it.
    openable = set(tasks_visible_to(user).filter(pk__in=[task.pk for task in tasks]).values_list("pk", flat=True))
    for task in tasks:
        task.openable = task.pk in openable
    return {"tasks": tasks, "open_tasks": sum(1 for task in tasks if task.status == TaskStatus.OPEN)}
