"""Office's writes, one module per area: the task inbox (tasks), the approval engine (approvals),
notifications and announcements (notifications), WeChat Work (wecom; its client is office.wecom).
Other departments import the task inbox's services and ``robot_enqueue`` from here."""

from office.services.tasks import (
    KEY_CONSTRAINTS,
    KIND_PATTERN,
    same_task,
    set_close_note,
    task_assign,
    task_assign_for_event,
    task_assign_once,
    task_close,
    tasks_close_for_document,
    tasks_follow_document,
    tasks_restate,
    tasks_restate_or_close,
    violated_constraint,
)
from office.services.wecom import robot_enqueue

__all__ = [
    "KEY_CONSTRAINTS", "KIND_PATTERN", "same_task", "set_close_note", "task_assign", "task_assign_for_event",
    "task_assign_once", "task_close", "tasks_close_for_document", "tasks_follow_document", "tasks_restate",
    "tasks_restate_or_close", "violated_constraint", "robot_enqueue",
]
