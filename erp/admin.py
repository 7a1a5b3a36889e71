from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from erp import events
from erp.admin_scoping import ScopedAdmin, ScopedInline, grantable_groups
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
from erp.roles import role_label

if TYPE_CHECKING:  # django-stubs' admin classes are generic in their model; at run time they are plain classes
    UserAdminBase = BaseUserAdmin[User]
    DeliveryInlineBase = admin.TabularInline[EventDelivery, OutboxEvent]
else:
    UserAdminBase = BaseUserAdmin
    DeliveryInlineBase = admin.TabularInline

# What only a superuser changes on a user: a company admin sees these fields read-only.
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "user_permissions")


@admin.register(Company)
class CompanyAdmin(ScopedAdmin):
    """A company admin sees and edits their own company's record; companies are added and deleted by
    a superuser."""

    list_display = ["code", "name", "tax_id", "base_currency", "fiscal_year_start_month", "is_active"]
    list_filter = ["is_active", "base_currency"]
    search_fields = ["code", "name", "tax_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Company | None = None) -> bool:
        return bool(request.user.is_superuser) and super().has_delete_permission(request, obj)


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    list_display = ["code", "name", "company", "parent", "is_active"]
    list_filter = ["company", "is_active"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(ScopedAdmin, UserAdminBase):
    """A company admin manages their company's users: not the privilege fields (superuser, staff,
    direct permissions), only the roles as groups, and not another staff member or a superuser
    (their record and password are read-only to them)."""

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

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return (*fields, *PRIVILEGE_FIELDS)

    def _is_protected(self, request: HttpRequest, obj: User | None) -> bool:
        """Another staff member or a superuser, for a company admin."""
        return (obj is not None and not request.user.is_superuser and obj.pk != request.user.pk
                and (obj.is_staff or obj.is_superuser))

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # also guards the password page (UserAdmin.user_change_password asks this)
        return not self._is_protected(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and not request.user.is_superuser and obj.pk == request.user.pk:
            return False
        return not self._is_protected(request, obj) and super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The groups field offers a company admin the roles only: the user's other groups (made by a
        # superuser) stay as they were.
        kept = [] if request.user.is_superuser else list(
            form.instance.groups.exclude(pk__in=grantable_groups(request.user).values("pk")))
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)


@admin.register(NumberingRule)
class NumberingRuleAdmin(ScopedAdmin):
    list_display = ["doc_type", "prefix", "format", "yearly_reset", "company"]
    list_filter = ["company", "yearly_reset"]
    search_fields = ["doc_type", "prefix"]


class ReadOnlyAdmin(ScopedAdmin):
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
    company_path = "user__company"  # a failed login of an unknown name belongs to no company: superusers see it
    list_display = ["at", "kind", "username", "ip_address", "path", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "path", "detail", "ip_address"]
    date_hierarchy = "at"


class DeliveryInline(ScopedInline, DeliveryInlineBase):
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

    company_path = "event__company"
    list_display = ["id", "event", "subscriber", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "subscriber", "event__name"]
    search_fields = ["subscriber", "event__name", "last_error"]
    readonly_fields = ["event", "subscriber", "status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change permission lets the retry action run; fields stay read-only.
        return self.may_use(request) and request.user.has_perm("erp.change_eventdelivery")

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
    company_path = "user__company"
    list_display = ["created_at", "user", "filename", "fmt", "status", "rows_done", "rows_total"]
    list_filter = ["status", "fmt"]
    search_fields = ["filename", "user__username"]

# Sign-in throttling and API tokens: superuser-only pages, kept apart (erp.admin_security).
from erp import admin_security  # noqa: E402,F401


class RoleGroupAdmin(GroupAdmin):
    """The roles (auth groups) listed by the name the reader calls them (生產 for "Production"), the
    stored name beside it; superuser-only like Django's own (``lock_down``)."""

    list_display = ["role_name", "name"]

    @admin.display(description=_("role"), ordering="name")
    def role_name(self, obj: Group) -> str:
        return str(role_label(obj))


admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
