"""The admin pages of sign-in throttling and API tokens: SUPERUSER-ONLY (not company-scoped).

Failed sign-in counts (django-axes) and tokens belong to people of every company, so only a
superuser sees them; company admins see neither. Imported by erp.admin."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from erp.admin_scoping import SuperuserOnlyAdmin
from erp.models import ApiToken


class RevokeOnlyAdmin(SuperuserOnlyAdmin):
    """Superusers see the rows and delete them (revoking a token, unlocking a sign-in); nobody adds
    or edits one here."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(RevokeOnlyAdmin):
    """Tokens by prefix and dates; the key is never stored, so never shown. Deleting one revokes it."""

    list_display = ["prefix", "user", "created", "last_used", "expires_at"]
    list_select_related = ["user"]
    list_filter = ["created", "expires_at"]
    search_fields = ["prefix", "user__username"]
    fields = readonly_fields = ("prefix", "user", "created", "last_used", "expires_at")


@admin.register(AccessAttempt)
class SignInAttemptAdmin(RevokeOnlyAdmin, AccessAttemptAdmin):  # type: ignore[misc]  # axes is untyped
    """Failed sign-ins counted by django-axes. Unlocking a username or address deletes its attempts
    (the action below, or delete); `manage.py axes_reset_username <name>` does the same."""

    actions = ["unlock"]

    @admin.action(description=_("Unlock (forget these failed sign-ins)"), permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count, _by_model = queryset.delete()
        self.message_user(request, ngettext("%(count)d record of failed sign-ins removed.",
                                            "%(count)d records of failed sign-ins removed.", count) % {"count": count},
                          messages.SUCCESS)
