from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from erp import events
from erp.models import (
    AccessLog,
    Company,
    Department,
    EventDelivery,
    ExportJob,
    NumberingRule,
    NumberSequence,
    OutboxEvent,
    User,
)

if TYPE_CHECKING:  # django-stubs' admin classes are generic in their model; at run time they are plain classes
    CompanyAdminBase = admin.ModelAdmin[Company]
    DepartmentAdminBase = admin.ModelAdmin[Department]
    UserAdminBase = BaseUserAdmin[User]
    NumberingRuleAdminBase = admin.ModelAdmin[NumberingRule]
    AnyModelAdmin = admin.ModelAdmin[Any]
    DeliveryInlineBase = admin.TabularInline[EventDelivery, OutboxEvent]
else:
    CompanyAdminBase = DepartmentAdminBase = NumberingRuleAdminBase = AnyModelAdmin = admin.ModelAdmin
    UserAdminBase = BaseUserAdmin
    DeliveryInlineBase = admin.TabularInline


@admin.register(Company)
class CompanyAdmin(CompanyAdminBase):
    list_display = ["code", "name", "tax_id", "base_currency", "fiscal_year_start_month", "is_active"]
    list_filter = ["is_active", "base_currency"]
    search_fields = ["code", "name", "tax_id"]


@admin.register(Department)
class DepartmentAdmin(DepartmentAdminBase):
    list_display = ["code", "name", "company", "parent", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(UserAdminBase):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("company", "department", "language")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ("company", "department", "language", "groups")}),
    )
    list_display = ["username", "first_name", "last_name", "company", "department", "is_staff", "is_active"]
    list_filter = (*BaseUserAdmin.list_filter, "company", "department", "language")


@admin.register(NumberingRule)
class NumberingRuleAdmin(NumberingRuleAdminBase):
    list_display = ["doc_type", "prefix", "format", "yearly_reset", "company"]
    list_filter = ["company", "yearly_reset"]
    search_fields = ["doc_type", "prefix"]


class ReadOnlyAdmin(AnyModelAdmin):
    """Records the system writes; nobody, admins included, edits or deletes them here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ["doc_type", "year", "last_value", "company"]
    list_filter = ["company", "doc_type", "year"]
    search_fields = ["doc_type"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "ip_address", "path", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "path", "detail", "ip_address"]
    date_hierarchy = "at"


class DeliveryInline(DeliveryInlineBase):
    model = EventDelivery
    fields = readonly_fields = ("subscriber", "status", "attempts", "next_attempt_at", "delivered_at", "last_error")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: OutboxEvent | None = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "company", "source_type", "source_id", "created_at"]
    list_filter = ["name"]
    search_fields = ["name", "source_id"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(EventDelivery)
class EventDeliveryAdmin(ReadOnlyAdmin):
    """Failed deliveries with their error; select them and "Retry" to queue them again."""

    list_display = ["id", "event", "subscriber", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "subscriber", "event__name"]
    search_fields = ["subscriber", "event__name", "last_error"]
    readonly_fields = ["event", "subscriber", "status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change permission lets the retry action run; fields stay read-only.
        return request.user.has_perm("erp.change_eventdelivery")

    @admin.action(description=_("Retry the selected deliveries"))
    def retry(self, request: HttpRequest, queryset: QuerySet[EventDelivery]) -> None:
        count = events.retry_deliveries(queryset)
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "filename", "fmt", "status", "rows_done", "rows_total"]
    list_filter = ["status", "fmt"]
    search_fields = ["filename", "user__username"]

# Sign-in throttling and API tokens: superuser-only pages, kept apart (erp.admin_security).
from erp import admin_security  # noqa: E402,F401
