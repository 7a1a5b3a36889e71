from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from erp import messages
from erp.models import CompanyOwned, Department, OutboxEvent
from office.status import TaskPriority, TaskStatus


class Task(CompanyOwned):
    """A piece of work waiting for a user, a role or a department, usually about one document.

    ``close_on_status``: when the linked document reaches this status the task closes itself.
    ``kind``: what work this is, a short stable key the creating department chooses
    ("inventory.reorder", "finance.invoice_delivery"; blank for tasks made by hand).
    ``source_event``: the bus event whose handler asked for the task. The two unique constraints
    below are the idempotency keys ``office.services.task_assign_once`` gets or creates on.

    ``title_message`` / ``description_message``: a task a department's service makes keeps its title
    and description as a message key with parameters (erp.messages), shown in the reader's language
    (``display_title``, ``display_description``: read those, not ``title``); ``title`` and
    ``description`` then hold the text in the site's language (for searches). A task typed by a person,
    or made before messages were stored, has no message: its text is shown as it is.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    title_message = models.JSONField(_("title message"), null=True, blank=True, editable=False)
    description_message = models.JSONField(_("description message"), null=True, blank=True, editable=False)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
        verbose_name=_("assigned user"),
    )
    assignee_role = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("assigned role")
    )
    assignee_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
        verbose_name=_("assigned department"),
    )
    document_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("document type"),
    )
    document_id = models.PositiveBigIntegerField(_("document id"), null=True, blank=True)
    document = GenericForeignKey("document_type", "document_id")
    document_reference = models.CharField(_("document"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=60, blank=True, editable=False)
    # SET_NULL, not PROTECT: the outbox is the core's, which may archive delivered events without
    # knowing office exists (a lower app's table never held hostage by a higher one). A deleted event
    # takes its delivery rows with it, so it can never be handled again: the cleared key lets no
    # duplicate in. The FK's own index is left out: the unique constraint below starts with it.
    source_event = models.ForeignKey(
        OutboxEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        editable=False, verbose_name=_("asked for by event"),
    )
    close_on_status = models.CharField(_("closes when the document is"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    priority = models.CharField(_("priority"), max_length=10, choices=TaskPriority.choices,
                                default=TaskPriority.NORMAL)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.CharField(_("closing note"), max_length=500, blank=True)
    # The system's closing note as a message (erp.messages), shown in the reader's language; a
    # person's note is plain ``close_note`` text.
    close_note_message = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="task_exactly_one_assignee",
                condition=(
                    Q(assignee_user__isnull=False, assignee_role__isnull=True, assignee_department__isnull=True)
                    | Q(assignee_user__isnull=True, assignee_role__isnull=False, assignee_department__isnull=True)
                    | Q(assignee_user__isnull=True, assignee_role__isnull=True, assignee_department__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="task_closed_has_time",
                condition=(Q(status=TaskStatus.OPEN, closed_at__isnull=True)
                           | (~Q(status=TaskStatus.OPEN) & Q(closed_at__isnull=False))),
            ),
            # An event's handler asks for a kind of task about a document once, however often the
            # event is delivered (or by two workers at once).
            models.UniqueConstraint(
                fields=["source_event", "kind", "document_type", "document_id"], nulls_distinct=False,
                condition=Q(source_event__isnull=False), name="task_once_per_event",
            ),
            # Otherwise a kind of work about a document is open once (one open reorder task per item).
            models.UniqueConstraint(
                fields=["kind", "document_type", "document_id"],
                condition=(Q(status=TaskStatus.OPEN, source_event__isnull=True, document_type__isnull=False)
                           & ~Q(kind="")),
                name="task_open_once_per_kind_and_document",
            ),
        ]
        indexes = [
            models.Index(fields=["document_type", "document_id", "status"], name="task_by_document"),
            models.Index(fields=["company", "status", "-created_at"], name="task_open_by_company"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the active language (the reader's)."""
        return messages.render(self.title_message, self.title)

    @property
    def display_description(self) -> str:
        """The description in the active language (the reader's)."""
        return messages.render(self.description_message, self.description)

    @property
    def display_close_note(self) -> str:
        """The closing note in the active language (the reader's)."""
        return messages.render(self.close_note_message, self.close_note)

    @property
    def assignee(self) -> models.Model | None:
        return self.assignee_user or self.assignee_role or self.assignee_department

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN
