"""Office's reads, one module per area: the task inbox (tasks), the approval engine (approvals),
notifications and announcements (notifications). Other departments import the task inbox's
selectors from here."""

from office.selectors.tasks import (
    document_condition,
    has_open_task,
    inbox_count,
    inbox_for_user,
    open_task_documents,
    task_get_for_user,
    task_links,
    task_list_for_user,
    tasks_about,
    tasks_visible_to,
    user_can_close,
)

__all__ = [
    "document_condition", "has_open_task", "inbox_count", "inbox_for_user", "open_task_documents",
    "task_get_for_user", "task_links", "task_list_for_user", "tasks_about", "tasks_visible_to", "user_can_close",
]
