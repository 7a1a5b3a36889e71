"""Django admin of work orders: read-only (written on their screens and through the API, by
production.services.workorders). Imported by production/admin.py."""

from django.contrib import admin

from erp.admin import ReadOnlyAdmin
from production.models import WorkOrder, WorkOrderComponent, WorkOrderOperation


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "item", "quantity", "completed_quantity", "warehouse", "start_date", "due_date",
                    "source"]
    list_filter = ["status", "source", "company"]
    search_fields = ["number", "item__code", "item__name"]
    date_hierarchy = "due_date"


@admin.register(WorkOrderComponent)
class WorkOrderComponentAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "component", "quantity_required", "issued_quantity", "issued_value", "backflush"]
    list_filter = ["company"]
    search_fields = ["work_order__number", "component__code"]


@admin.register(WorkOrderOperation)
class WorkOrderOperationAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "sequence", "name", "work_center", "planned_hours", "cost_rate"]
    list_filter = ["company"]
    search_fields = ["work_order__number", "work_center__code"]
