"""Reads of the task inbox, and of the tasks about a document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Cast

from erp.permissions import user_company
from office.models import Task
from office.status import TaskStatus


def tasks_visible_to(user):
    """Tasks addressed to the user, one of the user's roles or the user's department."""
    company = user_company(user)
    if company is None:
        return Task.objects.none()
    addressed = Q(assignee_user=user) | Q(assignee_role__in=user.groups.all()) | Q(created_by=user)
    if user.department_id:
        addressed |= Q(assignee_department_id=user.department_id)
    return Task.objects.filter(addressed, company=company)


def inbox_for_user(user):
    """The user's open tasks (their own, their roles', their department's), newest first."""
    company = user_company(user)
    if company is None:
        return Task.objects.none()
    addressed = Q(assignee_user=user) | Q(assignee_role__in=user.groups.all())
    if user.department_id:
        addressed |= Q(assignee_department_id=user.department_id)
    return (
        Task.objects.filter(addressed, company=company, status=TaskStatus.OPEN)
        .select_related("assignee_user", "assignee_role", "assignee_department", "created_by")
        .order_by("-created_at", "-id")
    )


def inbox_count(user):
    return inbox_for_user(user).count()


def task_list_for_user(user, *, status=None, search=""):
    tasks = tasks_visible_to(user).select_related(
        "assignee_user", "assignee_role", "assignee_department", "created_by"
    )
    if status:
        tasks = tasks.filter(status=status)
    if search:
        tasks = tasks.filter(Q(title__icontains=search) | Q(document_reference__icontains=search))
    return tasks.order_by("-created_at", "-id")


def task_get_for_user(user, pk):
    return tasks_visible_to(user).select_related(
        "assignee_user", "assignee_role", "assignee_department", "created_by", "closed_by"
    ).get(pk=pk)


def user_can_close(user, task):
    if user.is_superuser or task.created_by_id == user.pk or task.assignee_user_id == user.pk:
        return True
    if task.assignee_role_id and user.groups.filter(pk=task.assignee_role_id).exists():
        return True
    return bool(task.assignee_department_id and task.assignee_department_id == user.department_id)


def document_condition(document: Model, related: Iterable[QuerySet[Any]] = ()) -> Q:
    """Tasks about ``document`` or about one of the documents of ``related`` (querysets, used as
    subqueries: no query of their own)."""
    condition = Q(document_type=ContentType.objects.get_for_model(document), document_id=str(document.pk))
    id_field = Task._meta.get_field("document_id")
    for rows in related:
        ids = rows.order_by().annotate(task_key=Cast("pk", output_field=type(id_field)()))
        condition |= Q(document_type=ContentType.objects.get_for_model(rows.model),
                       document_id__in=ids.values("task_key"))
    return condition


def tasks_about(document: Model, related: Iterable[QuerySet[Any]] = ()) -> QuerySet[Task]:
    """The tasks about ``document`` and the documents that belong with it, oldest first: one query."""
    return (Task.objects.filter(document_condition(document, related))
            .select_related("assignee_user", "assignee_role", "assignee_department", "closed_by").order_by("pk"))


def has_open_task(document: Model, *, role: str) -> bool:
    """Whether an open task about ``document`` waits for the role named ``role``."""
    return bool(Task.objects.filter(document_condition(document), status=TaskStatus.OPEN,
                                    assignee_role__name=role).exists())
