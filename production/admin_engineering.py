"""Django admin: production engineering (work centers with their holidays, routings with their
operations). The screens and the API are the way to edit them (their services check the rules:
unique codes, operations only at active work centers); the admin shows them scoped to the company."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from erp.admin_scoping import ScopedAdmin, ScopedInline
from production import models as m


class WorkCenterHolidayInline(ScopedInline, admin.TabularInline):
    model = m.WorkCenterHoliday
    extra = 0


@admin.register(m.WorkCenter)
class WorkCenterAdmin(ScopedAdmin):
    list_display = ["code", "name", "capacity_hours", "working_weekdays", "efficiency_percent", "cost_rate",
                    "warehouse", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name"]
    inlines = [WorkCenterHolidayInline]


@admin.register(m.WorkCenterHoliday)
class WorkCenterHolidayAdmin(ScopedAdmin):
    list_display = ["work_center", "date", "name", "capacity_hours"]
    list_filter = ["work_center__company"]
    search_fields = ["work_center__code", "name"]
    date_hierarchy = "date"


class RoutingOperationInlineForm(forms.ModelForm):
    """An operation may not be put at an inactive work center (one already there may stay), as the
    routing service says it."""

    class Meta:
        model = m.RoutingOperation
        fields = ["sequence", "name", "work_center", "setup_minutes", "run_minutes", "instructions"]

    def clean_work_center(self):
        center = self.cleaned_data.get("work_center")
        unchanged = self.instance.pk is not None and self.instance.work_center_id == getattr(center, "pk", None)
        if center is not None and not center.is_active and not unchanged:
            raise forms.ValidationError(_("Work center %(code)s is inactive: choose an active work center.")
                                        % {"code": center.code})
        return center


class RoutingOperationInline(ScopedInline, admin.TabularInline):
    model = m.RoutingOperation
    form = RoutingOperationInlineForm
    extra = 0


@admin.register(m.Routing)
class RoutingAdmin(ScopedAdmin):
    list_display = ["code", "name", "item", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name", "item__code", "item__name"]
    raw_id_fields = ["item"]
    inlines = [RoutingOperationInline]


@admin.register(m.RoutingOperation)
class RoutingOperationAdmin(ScopedAdmin):
    form = RoutingOperationInlineForm
    list_display = ["routing", "sequence", "name", "work_center", "setup_minutes", "run_minutes"]
    list_filter = ["routing__company"]
    search_fields = ["routing__code", "name", "work_center__code"]
