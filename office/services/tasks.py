"""Writes of the task inbox. Any department's service may call ``task_assign``.

A task made by a department's service names its ``kind`` (a short stable key the department
chooses, "inventory.reorder") and, when a bus event asked for it, its ``source_event``. Those are
the task's idempotency keys, held by unique constraints (``office.models.Task``):

- one task per event, kind and document (``task_assign_for_event``: a handler run twice, or by two
  workers at once, makes one task);
- one open task per kind and document for tasks no event asked for (``task_assign_once``: the
  reorder scan keeps one open task per item).

A department's service gives the title and description as messages (``erp.messages.message``: a
msgid marked with ``gettext_noop`` and its parameters), so each reader sees them in their language;
a person's text (the task form, the API) is given and kept as it is.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import audit, messages
from erp.db import atomic_with_retry
from erp.errors import DomainError, IllegalTransition
from erp.models import Company, CompanyOwned, Department, Document, OutboxEvent, User
from office import sql
from office.models import Task
from office.selectors import user_can_close
from office.selectors.notifications import users_of_department, users_of_role
from office.services.notifications import notify
from office.status import TaskPriority, TaskStatus

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")  # "<app>.<what>", like a subscriber key
KEY_CONSTRAINTS = frozenset({"task_once_per_event", "task_open_once_per_kind_and_document"})
TASK_ASSIGNED = "office.task_assigned"  # the notification kind


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint (or unique index) PostgreSQL reported, if any."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def same_task(*, kind: str, source_event: OutboxEvent | None, document_type: ContentType | None,
              document_id: int | None) -> models.QuerySet[Task]:
    """The tasks the unique constraint of these keys would call the same task."""
    if source_event is not None:
        return Task.objects.filter(source_event=source_event, kind=kind, document_type=document_type,
                                   document_id=document_id)
    return Task.objects.filter(kind=kind, document_type=document_type, document_id=document_id,
                               status=TaskStatus.OPEN, source_event__isnull=True)


@atomic_with_retry
def task_assign_once(
    *,
    company: Company,
    title: str | messages.Stored,
    kind: str = "",
    source_event: OutboxEvent | None = None,
    user: User | None = None,
    role: Group | str | None = None,
    department: Department | None = None,
    document: models.Model | None = None,
    close_on_status: str = "",
    description: str | messages.Stored = "",
    priority: str = TaskPriority.NORMAL,
    due_date: datetime.date | None = None,
    actor: User | None = None,
) -> tuple[Task, bool]:
    """Put a task in an inbox unless its keys name one that exists: returns (task, created).

    The keys are ``kind`` with ``source_event`` (one task per event, kind and document) or, with no
    event, ``kind`` with ``document`` (one open task per kind and document). A task with neither key
    is always made. Under concurrency the unique constraints decide: the second writer waits for the
    first to commit and then returns its task. ``title`` and ``description``: a message
    (erp.messages) or a person's text."""
    if kind and not KIND_PATTERN.match(kind):
        raise ValueError(f"a task kind is '<app>.<what>' in lower case, not {kind!r}")
    if source_event is not None and not kind:
        raise ValueError("a task asked for by an event needs a kind")
    if isinstance(role, str):
        role = Group.objects.get(name=role)
    if sum(x is not None for x in (user, role, department)) != 1:
        raise DomainError(_("Assign the task to exactly one user, role or department."), field="assignee")
    if user is not None and user.company_id not in (None, company.pk):
        raise DomainError(_("That user works for another company."), field="assignee_user")
    if department is not None and department.company_id != company.pk:
        raise DomainError(_("That department belongs to another company."), field="assignee_department")
    if close_on_status and document is None:
        raise DomainError(_("A task can only close on a status when it is about a document."), field="close_on_status")
    title_text, title_message = messages.text_and_message(title)
    description_text, description_message = messages.text_and_message(description)
    task = Task(
        company=company,
        title=title_text[:200],
        title_message=title_message,
        description=description_text,
        description_message=description_message,
        kind=kind,
        source_event=source_event,
        assignee_user=user,
        assignee_role=role,
        assignee_department=department,
        close_on_status=close_on_status,
        priority=priority,
        due_date=due_date,
        created_by=actor,
    )
    if document is not None:
        task.document_type = ContentType.objects.get_for_model(document)
        task.document_id = document.pk
        task.document_reference = str(getattr(document, "reference", document))[:60]
    keyed = bool(kind) and (source_event is not None or document is not None)
    if not keyed:
        task.full_clean()
        task.save()
        notify_assigned(task, actor=actor)
        return task, True
    existing = same_task(kind=kind, source_event=source_event, document_type=task.document_type,
                         document_id=task.document_id)
    found = existing.first()
    if found is not None:
        return found, False
    # The keys are this service's get-or-create, not a validation error: full_clean leaves the
    # unique constraints (both name ``kind``) to the database.
    task.full_clean(exclude=["kind"])
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            task.save()
    except IntegrityError as error:
        if violated_constraint(error) not in KEY_CONSTRAINTS:
            raise
        # Another transaction made it and has committed (the insert waited for it): take that one.
        return existing.get(), False
    notify_assigned(task, actor=actor)
    return task, True


def notify_assigned(task: Task, *, actor: User | None = None) -> None:
    """Tell the people a new task waits for (the user, or every active member of the role or the
    department in the task's company; not the one who assigned it): kind "office.task_assigned", in
    the caller's transaction, a fixed number of statements however many members."""
    recipients: list[User] | models.QuerySet[User]
    if task.assignee_user is not None:
        recipients = [task.assignee_user]
    elif task.assignee_role is not None:
        recipients = users_of_role(task.company, task.assignee_role)
    elif task.assignee_department is not None:
        recipients = users_of_department(task.company, task.assignee_department)
    else:
        return
    if actor is not None:
        recipients = ([user for user in recipients if user.pk != actor.pk] if isinstance(recipients, list)
                      else recipients.exclude(pk=actor.pk))
    title = task.title_message if isinstance(task.title_message, dict) else task.title
    notify(company=task.company, recipients=recipients, kind=TASK_ASSIGNED,
           message=messages.message(gettext_noop("New task: %(title)s"), title=title),
           link=reverse("office:task_detail", args=[task.pk]), document=task, actor=actor)


def task_assign(
    *,
    company: Company,
    title: str | messages.Stored,
    kind: str = "",
    user: User | None = None,
    role: Group | str | None = None,
    department: Department | None = None,
    document: models.Model | None = None,
    close_on_status: str = "",
    description: str | messages.Stored = "",
    priority: str = TaskPriority.NORMAL,
    due_date: datetime.date | None = None,
    actor: User | None = None,
) -> Task:
    """Put a task in an inbox. ``role`` is a Group or its name; ``document`` any model instance.

    With ``close_on_status`` the task closes itself when the document reaches that status. With a
    ``kind`` and a ``document``, a task of that kind already open about the document is returned
    instead of a second one (``task_assign_once``), brought forward to ``due_date`` if that is earlier
    (more of the document's work is due sooner)."""
    task, created = task_assign_once(
        company=company, title=title, kind=kind, user=user, role=role, department=department, document=document,
        close_on_status=close_on_status, description=description, priority=priority, due_date=due_date,
        actor=actor,
    )
    if not created and task.is_open and due_date is not None and (task.due_date is None or due_date < task.due_date):
        task.due_date = due_date
        task.save(update_fields=["due_date"])
    return task


def task_assign_for_event(*, event: OutboxEvent, kind: str, document: CompanyOwned, **fields: Any) -> Task:
    """``task_assign`` for a department's handler of a bus event: the task of this ``kind`` about
    ``document`` is made once per event, however often (or however concurrently) the handler runs.
    The task keeps the event as its source."""
    task, _created = task_assign_once(company=document.company, source_event=event, kind=kind, document=document,
                                      **fields)
    return task


@atomic_with_retry
def task_close(*, task: Task, actor: User | None, note: str = "", status: str = TaskStatus.DONE) -> Task:
    """Close an open task by hand (done or cancelled); only someone it concerns may close it."""
    if actor is not None and not user_can_close(actor, task):
        raise PermissionDenied
    before = audit.snapshot([task])
    touched = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=status, closed_by=actor, closed_at=timezone.now(), close_note=note[:500]
    )
    if touched != 1:
        raise IllegalTransition(_("This task is already closed."))
    task.refresh_from_db()
    audit.record_updated([task], before, ["status", "closed_by", "closed_at", "close_note"], actor=actor)
    return task


def tasks_follow_document(*, document: Document, status: str, actor: User | None = None) -> int:
    """A document changed status (same transaction): its tasks show its new reference (a draft
    gets its number), and the open tasks that waited for ``status`` close."""
    reference = str(document.reference)[:60]
    # One statement for the usual case: the tasks take the new reference, and those that waited for
    # ``status`` come back (locked by the UPDATE) to be closed one by one, each change audited.
    rows = sql.tasks_follow_reference(document_type_id=ContentType.objects.get_for_model(document).pk,
                                      document_id=document.pk, reference=reference, open_status=TaskStatus.OPEN,
                                      status=status)
    ctx = audit.context(actor)
    audit.record([audit.row_entry(Task, pk, title, audit.UPDATE, {"document_reference": [old, reference]}, ctx)
                  for pk, old, title, _waits in rows if old != reference])
    awaiting = sorted(pk for pk, _old, _title, waits in rows if waits)
    tasks = Task.objects.filter(pk__in=awaiting).order_by("pk") if awaiting else []
    closed = 0
    now = timezone.now()
    for task in tasks:
        task.document_reference = reference
        task.status = TaskStatus.DONE
        task.closed_by = actor
        task.closed_at = now
        set_close_note(task, messages.message(
            gettext_noop("Closed automatically: %(document)s reached the awaited status."), document=reference))
        task.save(update_fields=["status", "closed_by", "closed_at", "close_note", "close_note_message"])  # audited
        closed += 1
    return closed


def tasks_restate(*, document: models.Model, kinds: Iterable[str], description: str | messages.Stored,
                  actor: User | None = None) -> int:
    """The open tasks of ``kinds`` about ``document`` say ``description`` from now on (what they ask
    changed: part of a shortage was covered). Returns how many changed (each change audited)."""
    text, message = messages.text_and_message(description)
    changed = 0
    for task in Task.objects.select_for_update().filter(
            document_type=ContentType.objects.get_for_model(document), document_id=document.pk,
            kind__in=list(kinds), status=TaskStatus.OPEN).order_by("pk"):
        if (task.description, task.description_message) == (text, message):
            continue
        task.description, task.description_message = text, message
        task.save(update_fields=["description", "description_message"])
        changed += 1
    return changed


def tasks_restate_or_close(*, document: models.Model, kinds: Iterable[str], description: messages.Stored | str,
                           note: messages.Stored | str, actor: User | None = None) -> int:
    """What was asked of the open tasks of ``kinds`` about ``document`` shrank: they say
    ``description`` from now on, or, when nothing is left (an empty description), they are done with
    ``note``. Returns how many tasks changed."""
    if description:
        return tasks_restate(document=document, kinds=kinds, description=description, actor=actor)
    return tasks_close_for_document(document=document, kinds=kinds, status=TaskStatus.DONE, note=note, actor=actor)


def set_close_note(task: Task, note: str | messages.Stored) -> None:
    """A closing note: the system's as a message (shown in the reader's language), a person's as text."""
    text, message = messages.text_and_message(note)
    task.close_note, task.close_note_message = text[:500], message


def tasks_close_for_document(*, documents: Iterable[models.Model] | None = None, document: models.Model | None = None,
                             actor: User | None = None, note: str | messages.Stored = "",
                             status: str = TaskStatus.CANCELLED, kinds: Iterable[str] | None = None) -> int:
    """Close the open tasks about ``document`` (or each of ``documents``), of ``kinds`` only when
    given — the document they were about was cancelled or settled elsewhere. Returns how many were
    closed (each change audited)."""
    about = list(documents or []) + ([document] if document is not None else [])
    if not about:
        return 0
    condition = Q(pk__in=[])
    for doc in about:
        condition |= Q(document_type=ContentType.objects.get_for_model(doc), document_id=doc.pk)
    if kinds is not None:
        condition &= Q(kind__in=list(kinds))
    now = timezone.now()
    closed = 0
    for task in Task.objects.select_for_update().filter(condition, status=TaskStatus.OPEN).order_by("pk"):
        task.status = status
        task.closed_by = actor
        task.closed_at = now
        set_close_note(task, note)
        task.save(update_fields=["status", "closed_by", "closed_at", "close_note", "close_note_message"])
        closed += 1
    return closed
