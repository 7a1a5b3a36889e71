"""Reads of the task inbox (through ``Task.objects.restrict(user)``, office.scoping), and of the tasks
about a document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse

from erp.document_screens.kinds import visible_documents
from erp.models import User
from erp.registry import task_screen
from erp.scoping import AnyOfQuery
from office.models import Task
from office.scoping import addressed_to
from office.status import TaskStatus


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Tasks addressed to the user, one of the user's roles or the user's department, or created by
    them (office.scoping, through ``Task.objects.restrict``)."""
    return Task.objects.restrict(user)


def inbox_for_user(user: User) -> QuerySet[Task]:
    """The user's open tasks (their own, their roles', their department's), newest first."""
    return (
        Task.objects.restrict(user).filter(addressed_to(user), status=TaskStatus.OPEN)
        .select_related("assignee_user", "assignee_role", "assignee_department", "created_by")
        .order_by("-created_at", "-id")
    )


def inbox_count(user: User) -> int:
    return inbox_for_user(user).count()


def task_list_for_user(user: User, *, status: str | None = None, search: str = "") -> QuerySet[Task]:
    tasks = tasks_visible_to(user).select_related(
        "assignee_user", "assignee_role", "assignee_department", "created_by"
    )
    if status:
        tasks = tasks.filter(status=status)
    if search:
        # A department's task keeps its title in the site's language and as a message: its English
        # key and parameters are searched too, so "Invoice" finds invoice tasks in any language.
        tasks = tasks.filter(Q(title__icontains=search) | Q(title_message__icontains=search)
                             | Q(document_reference__icontains=search))
    return tasks.order_by("-created_at", "-id")


def task_get_for_user(user: User, pk: int) -> Task:
    return tasks_visible_to(user).select_related(
        "assignee_user", "assignee_role", "assignee_department", "created_by", "closed_by", "source_event"
    ).get(pk=pk)


def user_can_close(user: User, task: Task) -> bool:
    if user.is_superuser or task.created_by_id == user.pk or task.assignee_user_id == user.pk:
        return True
    if task.assignee_role_id and user.groups.filter(pk=task.assignee_role_id).exists():
        return True
    return bool(task.assignee_department_id and task.assignee_department_id == user.department_id)


def open_task_documents(*, kind: str, model: type[models.Model]) -> set[int]:
    """The ids of the ``model`` documents with an open task of ``kind`` (no event asked for)."""
    rows = Task.objects.filter(kind=kind, document_type=ContentType.objects.get_for_model(model),
                               status=TaskStatus.OPEN, source_event__isnull=True)
    return {pk for pk in rows.values_list("document_id", flat=True) if pk is not None}


def document_condition(document: models.Model, related: Iterable[QuerySet[Any]] = ()) -> Q:
    """Tasks about ``document`` or about one of the documents of ``related`` (querysets, used as
    subqueries: no query of their own)."""
    condition = Q(document_type=ContentType.objects.get_for_model(document), document_id=document.pk)
    for rows in related:
        # = ANY(ARRAY(subquery)), not IN (subquery): the index on (document type, id) serves each branch
        condition |= Q(AnyOfQuery("document_id", rows.order_by().values("pk")),
                       document_type=ContentType.objects.get_for_model(rows.model))
    return condition


def tasks_about(document: models.Model, related: Iterable[QuerySet[Any]] = ()) -> QuerySet[Task]:
    """The tasks about ``document`` and the documents that belong with it, oldest first: one query."""
    return (Task.objects.filter(document_condition(document, related))
            .select_related("assignee_user", "assignee_role", "assignee_department", "closed_by").order_by("pk"))


def has_open_task(document: models.Model, *, role: str) -> bool:
    """Whether an open task about ``document`` waits for the role named ``role``."""
    return bool(Task.objects.filter(document_condition(document), status=TaskStatus.OPEN,
                                    assignee_role__name=role).exists())


def task_links(user: User, tasks: Iterable[Task]) -> dict[int, str]:
    """{task id: the URL it opens} for the tasks whose document the user may open: the screen its
    kind registered (``erp.registry.register_task_screen``: a pick task opens the pick sheet), else
    the document's page. A task whose document the user may not see gets no link (shown as text).
    One query per kind of document among ``tasks``, however many tasks."""
    refs = [(task, task.document_type_id, task.document_id) for task in tasks]
    about = [(task, type_id, doc_id) for task, type_id, doc_id in refs if type_id is not None and doc_id is not None]
    ids_by_type: dict[int, set[int]] = {}
    for _task, type_id, doc_id in about:
        ids_by_type.setdefault(type_id, set()).add(doc_id)
    visible: dict[int, set[int]] = {}
    pages: dict[int, str] = {}
    for type_id, ids in ids_by_type.items():
        found = visible_documents(user, ContentType.objects.get_for_id(type_id).model_class(), ids)
        if found is not None:
            kind, visible[type_id] = found
            pages[type_id] = kind.url("detail")
    links = {}
    for task, type_id, doc_id in about:
        if doc_id not in visible.get(type_id, ()):
            continue
        screen = task_screen(task.kind)
        url_name = screen.url_name if screen is not None and user.has_perm(screen.permission) else pages[type_id]
        links[task.pk] = reverse(url_name, args=[doc_id])
    return links
