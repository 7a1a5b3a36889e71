from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from erp.admin_scoping import ScopedAdmin
from office.models import Task


@admin.register(Task)
class TaskAdmin(ScopedAdmin):
    list_display = ["shown_title", "assignee", "document_reference", "status", "priority", "created_at", "closed_at"]
    list_filter = ["status", "priority", "kind", "company", "assignee_role", "assignee_department"]
    search_fields = ["title", "document_reference", "assignee_user__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["assignee_user", "created_by", "closed_by"]
    readonly_fields = ["kind", "source_event", "created_at", "closed_at", "closed_by"]

    @admin.display(description=_("title"), ordering="title")
    def shown_title(self, task: Task) -> str:
        """The title in the reader's language (a department's task keeps it as a message)."""
        return task.display_title

    @admin.display(description=_("description"))
    def shown_description(self, task: Task) -> str:
        return task.display_description

    def get_readonly_fields(self, request, obj=None):
        """A department's task shows its title and description in the reader's language, read-only:
        the stored text beside the message is only the site language's copy."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and (obj.title_message or obj.description_message):
            fields += ["shown_title", "shown_description"]
        return fields

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if obj is not None and (obj.title_message or obj.description_message):
            excluded += ["title", "description"]
        return excluded

from office import admin_approvals  # noqa: E402,F401  (the approval engine's tables, read-only)
