"""Django admin: production planning. Demand lines are edited like on their screen; what an MRP run
computed (runs, planned orders) is read here, never changed: runs are started, and planned orders
firmed, through the screens and the API (production.services)."""

from django.contrib import admin

from erp.admin import ReadOnlyAdmin
from erp.admin_scoping import ScopedAdmin
from production import models as m


@admin.register(m.Demand)
class DemandAdmin(ScopedAdmin):
    list_display = ["item", "date", "quantity", "reference", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["item__code", "item__name", "reference"]
    date_hierarchy = "date"
    raw_id_fields = ["item"]


@admin.register(m.MrpRun)
class MrpRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "as_of", "horizon_days", "status", "progress", "created_by", "created_at", "finished_at"]
    list_filter = ["company", "status"]
    search_fields = ["pk", "step", "error"]


@admin.register(m.PlannedOrder)
class PlannedOrderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "run", "item", "kind", "quantity", "release_date", "due_date", "is_late", "firmed_at"]
    list_filter = ["kind", "is_late"]
    search_fields = ["item__code", "item__name"]
    raw_id_fields = ["run", "item", "bom", "work_order", "requisition_line", "firmed_by"]


# What a run computed, row by row: for support, read only.


@admin.register(m.MrpItemPlan)
class MrpItemPlanAdmin(ReadOnlyAdmin):
    list_display = ["run", "item", "low_level_code", "procurement", "on_hand", "safety_stock", "planned_orders"]
    list_filter = ["run__company", "procurement"]
    search_fields = ["item__code", "item__name"]
    raw_id_fields = ["run", "item"]


@admin.register(m.MrpRecord)
class MrpRecordAdmin(ReadOnlyAdmin):
    list_display = ["run", "item", "date", "gross", "scheduled", "projected", "net", "planned_receipt",
                    "planned_release"]
    list_filter = ["run__company"]
    search_fields = ["item__code", "item__name"]
    raw_id_fields = ["run", "item"]


@admin.register(m.PlannedOrderPeg)
class PlannedOrderPegAdmin(ReadOnlyAdmin):
    list_display = ["planned_order", "quantity", "need_date", "sales_order_line", "demand", "parent", "safety_stock"]
    list_filter = ["planned_order__run__company", "safety_stock"]
    search_fields = ["planned_order__item__code"]
    raw_id_fields = ["planned_order", "sales_order_line", "demand", "parent"]


@admin.register(m.MrpException)
class MrpExceptionAdmin(ReadOnlyAdmin):
    list_display = ["run", "item", "kind", "date", "new_date", "quantity", "reference"]
    list_filter = ["run__company", "kind"]
    search_fields = ["item__code", "reference"]
    raw_id_fields = ["run", "item", "planned_order"]
