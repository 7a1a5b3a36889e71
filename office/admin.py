from django.contrib import admin

from erp.admin_scoping import ScopedAdmin
from office.models import Task


@admin.register(Task)
class TaskAdmin(ScopedAdmin):
    list_display = ["title", "assignee", "document_reference", "status", "priority", "created_at", "closed_at"]
    list_filter = ["status", "priority", "kind", "company", "assignee_role", "assignee_department"]
    search_fields = ["title", "document_reference", "assignee_user__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["assignee_user", "created_by", "closed_by"]
    readonly_fields = ["kind", "source_event", "created_at", "closed_at", "closed_by"]
