"""Writes of the task inbox. Any department's service may call ``task_assign``."""

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError, IllegalTransition
from office.models import Task
from office.selectors import user_can_close
from office.status import TaskPriority, TaskStatus


@atomic_with_retry
def task_assign(
    *,
    company,
    title,
    user=None,
    role=None,
    department=None,
    document=None,
    close_on_status="",
    description="",
    priority=TaskPriority.NORMAL,
    due_date=None,
    actor=None,
):
    """Put a task in an inbox. ``role`` is a Group or its name; ``document`` any model instance.

    With ``close_on_status`` the task closes itself when the document reaches that status.
    """
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
    task = Task(
        company=company,
        title=title,
        description=description,
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
        task.document_id = str(document.pk)
        task.document_reference = str(getattr(document, "reference", document))[:60]
    task.full_clean()
    task.save()
    return task


@atomic_with_retry
def task_close(*, task, actor, note="", status=TaskStatus.DONE):
    """Close an open task by hand (done or cancelled); only someone it concerns may close it."""
    if actor is not None and not user_can_close(actor, task):
        raise PermissionDenied
    touched = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=status, closed_by=actor, closed_at=timezone.now(), close_note=note[:500]
    )
    if touched != 1:
        raise IllegalTransition(_("This task is already closed."))
    task.refresh_from_db()
    return task


def tasks_follow_document(*, document, status, actor=None):
    """A document changed status (same transaction): its tasks show its new reference (a draft
    gets its number), and the open tasks that waited for ``status`` close."""
    reference = str(document.reference)[:60]
    # One statement for the usual case: the tasks take the new reference, and those that waited for
    # ``status`` come back (locked by the UPDATE) to be closed one by one, each change audited.
    table = Task._meta.db_table
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET document_reference = %(reference)s WHERE document_type_id = %(type)s "
            "AND document_id = %(id)s AND (document_reference <> %(reference)s "
            "OR (status = %(open)s AND close_on_status = %(status)s)) "
            "RETURNING id, status = %(open)s AND close_on_status = %(status)s",
            {"reference": reference, "type": ContentType.objects.get_for_model(document).pk,
             "id": str(document.pk), "open": TaskStatus.OPEN, "status": status},
        )
        awaiting = sorted(pk for pk, waits in cursor.fetchall() if waits)
    tasks = Task.objects.filter(pk__in=awaiting).order_by("pk") if awaiting else []
    closed = 0
    now = timezone.now()
    for task in tasks:
        task.document_reference = reference
        task.status = TaskStatus.DONE
        task.closed_by = actor
        task.closed_at = now
        task.close_note = _("Closed automatically: %(document)s reached the awaited status.") % {
            "document": reference
        }
        task.save(update_fields=["status", "closed_by", "closed_at", "close_note"])  # audited
        closed += 1
    return closed


def tasks_close_for_document(*, documents=None, document=None, actor=None, note="", status=TaskStatus.CANCELLED):
    """Close the open tasks about ``document`` (or each of ``documents``) — the document they were
    about was cancelled or settled elsewhere. Returns how many were closed (each change audited)."""
    from django.db.models import Q

    documents = list(documents or []) + ([document] if document is not None else [])
    if not documents:
        return 0
    condition = Q(pk__in=[])
    for doc in documents:
        condition |= Q(document_type=ContentType.objects.get_for_model(doc), document_id=str(doc.pk))
    now = timezone.now()
    closed = 0
    for task in Task.objects.select_for_update().filter(condition, status=TaskStatus.OPEN).order_by("pk"):
        task.status = status
        task.closed_by = actor
        task.closed_at = now
        task.close_note = str(note)[:500]
        task.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
        closed += 1
    return closed


def task_assign_for_event(*, event, document, **fields):
    """``task_assign`` for a department's handler of a bus event: the task is made once per event and
    document even if the handler runs again. The event id ends the description (tasks have no
    column for it), which is also where a reader sees what announced the work."""
    marker = f"[event {event.pk}]"
    existing = Task.objects.filter(
        company_id=event.company_id, document_type=ContentType.objects.get_for_model(document),
        document_id=str(document.pk), description__endswith=marker,
    ).first()
    if existing is not None:
        return existing
    description = fields.pop("description", "")
    return task_assign(company=document.company, document=document, description=f"{description}\n{marker}".strip(),
                       **fields)
