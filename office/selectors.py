"""Reads of the task inbox, through ``Task.objects.restrict(user)`` (office.scoping: the tasks
addressed to the user, their roles or their department, and those they created)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from office.models import Task
from office.scoping import addressed_to
from office.status import TaskStatus


def tasks_visible_to(user: Any) -> QuerySet[Task]:
    """Tasks addressed to the user, one of the user's roles or the user's department, or created by them."""
    return Task.objects.restrict(user)


def inbox_for_user(user: Any) -> QuerySet[Task]:
    """The user's open tasks (their own, their roles', their department's), newest first."""
    return (
        Task.objects.restrict(user).filter(addressed_to(user), status=TaskStatus.OPEN)
        .select_related("assignee_user", "assignee_role", "assignee_department", "created_by")
        .order_by("-created_at", "-id")
    )


def inbox_count(user: Any) -> int:
    return inbox_for_user(user).count()


def task_list_for_user(user: Any, *, status: str | None = None, search: str = "") -> QuerySet[Task]:
    tasks = tasks_visible_to(user).select_related(
        "assignee_user", "assignee_role", "assignee_department", "created_by"
    )
    if status:
        tasks = tasks.filter(status=status)
    if search:
        tasks = tasks.filter(Q(title__icontains=search) | Q(document_reference__icontains=search))
    return tasks.order_by("-created_at", "-id")


def task_get_for_user(user: Any, pk: int) -> Task:
    task: Task = tasks_visible_to(user).select_related(
        "assignee_user", "assignee_role", "assignee_department", "created_by", "closed_by"
    ).get(pk=pk)
    return task


def user_can_close(user: Any, task: Task) -> bool:
    if user.is_superuser or task.created_by_id == user.pk or task.assignee_user_id == user.pk:
        return True
    if task.assignee_role_id and user.groups.filter(pk=task.assignee_role_id).exists():
        return True
    return bool(task.assignee_department_id and task.assignee_department_id == user.department_id)
