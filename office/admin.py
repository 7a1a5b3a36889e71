from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from erp.admin import ReadOnlyAdmin
from erp.admin_scoping import ScopedAdmin, SuperuserOnlyAdmin
from office.models import (
    Announcement,
    AnnouncementRead,
    Broadcast,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    Task,
    WeComAccessToken,
    WeComApprovalCard,
    WeComCallback,
    WeComIdentity,
    WeComRobot,
    WeComRobotMessage,
    WeComSettings,
    WeComUserSends,
)
from office.services.notifications import deliveries_retry
from office.services.wecom_identities import identities_concerned, mapping_problems


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


class WeComIdentityAdminForm(forms.ModelForm):
    """The mapping rules of ``office.services.wecom_identities`` (the user is the company's, only a
    superuser maps a superuser, one id per user and company in any case), shown beside the field."""

    actor = None  # the admin's user, set by WeComIdentityAdmin.get_form

    class Meta:
        model = WeComIdentity
        fields = ["company", "user", "wecom_userid"]

    def clean(self):
        data = super().clean()
        company = data.get("company") or getattr(self.instance, "company", None)
        user = data.get("user") or (self.instance.user if self.instance.user_id else None)
        wecom_userid = data.get("wecom_userid")
        if company is None or user is None or not wecom_userid:
            return data
        current = [identity for identity in identities_concerned(company, {user: wecom_userid})
                   if identity.pk != self.instance.pk]
        for problem in mapping_problems(company=company, mapping={user: wecom_userid}, actor=self.actor,
                                        current=current):
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        return data


@admin.register(WeComIdentity)
class WeComIdentityAdmin(ScopedAdmin):
    form = WeComIdentityAdminForm
    list_display = ["wecom_userid", "user", "company", "created_at"]
    list_filter = ["company"]
    search_fields = ["wecom_userid", "user__username", "user__email", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_readonly_fields(self, request, obj=None):
        # A mapping keeps its user: map another user with a new mapping.
        return [*super().get_readonly_fields(request, obj), *(["company", "user"] if obj is not None else [])]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_touch(request, obj)

    @staticmethod
    def may_touch(request, obj):
        """Only a superuser changes or removes a superuser's mapping."""
        return obj is None or request.user.is_superuser or not obj.user.is_superuser
@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    """What each channel did with each notification and group message; select failed ones and
    "Retry" to send them again (one more attempt each)."""

    list_display = ["id", "created_at", "kind", "recipient", "channel", "status", "attempts", "next_attempt_at",
                    "sent_at", "detail"]
    list_filter = ["status", "channel", "notification__kind", "broadcast__kind"]
    search_fields = ["channel", "detail", "last_error", "notification__recipient__username", "notification__text",
                     "broadcast__text"]
    date_hierarchy = "created_at"
    readonly_fields = ["notification", "broadcast", "channel", "status", "attempts", "next_attempt_at", "sent_at",
                       "detail", "last_error", "created_at"]
    list_select_related = ["notification__recipient", "broadcast__department"]
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change permission lets the retry action run; fields stay read-only.
        return self.may_use(request) and request.user.has_perm("office.change_notificationdelivery")

    @admin.display(description=_("to"))
    def recipient(self, delivery: NotificationDelivery) -> str:
        if delivery.notification is not None:
            return str(delivery.notification.recipient)
        return str(delivery.broadcast.department or _("The whole company")) if delivery.broadcast else ""

    @admin.action(description=_("Retry the selected deliveries"))
    def retry(self, request: HttpRequest, queryset: QuerySet[NotificationDelivery]) -> None:
        count = deliveries_retry(deliveries=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Announcement)
class AnnouncementAdmin(ScopedAdmin):
    list_display = ["title", "audience", "publish_at", "expires_at", "author", "notified_at", "withdrawn_at"]
    list_filter = ["audience"]
    search_fields = ["title", "body"]
    date_hierarchy = "publish_at"
    raw_id_fields = ["author"]
    readonly_fields = ["notified_at", "withdrawn_at", "withdrawn_by", "created_at", "updated_at"]
from office import admin_approvals  # noqa: E402,F401  (the approval engine's tables, read-only)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Notifications as the system wrote them (a company admin, like every user, reads their own:
    office.scoping; a superuser reads all). Their deliveries are under Notification deliveries."""

    list_display = ["created_at", "recipient", "kind", "shown_text", "read_at"]
    list_filter = ["kind"]
    search_fields = ["text", "recipient__username", "kind"]
    date_hierarchy = "created_at"

    @admin.display(description=_("text"))
    def shown_text(self, notification: Notification) -> str:
        """The message in the reader's language."""
        return notification.display_text


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnlyAdmin):
    """Messages to departments' group channels; their deliveries are under Notification deliveries."""

    list_display = ["created_at", "department", "kind", "shown_text"]
    list_filter = ["kind", "department"]
    search_fields = ["text", "kind"]
    date_hierarchy = "created_at"

    @admin.display(description=_("text"))
    def shown_text(self, broadcast: Broadcast) -> str:
        return broadcast.display_text


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Users' choices (each user sets their own on their profile page)."""

    list_display = ["user", "kind", "channel", "enabled"]
    list_filter = ["kind", "channel", "enabled"]
    search_fields = ["user__username", "kind"]


@admin.register(AnnouncementRead)
class AnnouncementReadAdmin(ReadOnlyAdmin):
    list_display = ["announcement", "user", "read_at"]
    list_filter = ["announcement"]
    search_fields = ["user__username", "announcement__title"]
    date_hierarchy = "read_at"


# WeChat Work's app and robots: the secrets are erp.crypto.SecretFields (never shown, "••••" and the last four,
# blank keeps them); the screens are office/views_wecom.py.
@admin.register(WeComSettings)
class WeComSettingsAdmin(ScopedAdmin):
    list_display = ["company", "corp_id", "agent_id", "enabled", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["corp_id"]
    readonly_fields = ["updated_at"]


@admin.register(WeComRobot)
class WeComRobotAdmin(ScopedAdmin):
    list_display = ["name", "department", "is_active", "disabled_at"]
    list_filter = ["is_active", "department"]
    search_fields = ["name"]
    exclude = ["recent_posts", "backoff_count", "disabled_reason"]
    readonly_fields = ["disabled_at", "backoff_until", "created_at"]


@admin.register(WeComRobotMessage)
class WeComRobotMessageAdmin(ReadOnlyAdmin):
    """The robots' queues, to read (each robot's page shows its queue too)."""

    list_display = ["robot", "msgtype", "status", "attempts", "errcode", "created_at", "sent_at"]
    list_filter = ["status", "msgtype", "robot"]
    search_fields = ["errmsg"]
    date_hierarchy = "created_at"


class ClientStateAdmin(SuperuserOnlyAdmin):
    """The WeCom client's working state: no company, so superusers only; read-only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WeComAccessToken)
class WeComAccessTokenAdmin(ClientStateAdmin):
    list_display = ["corp_id", "agent_id", "fetched_at", "expires_at"]
    list_filter = ["agent_id"]
    search_fields = ["corp_id"]
    exclude = ["token"]


@admin.register(WeComUserSends)
class WeComUserSendsAdmin(ClientStateAdmin):
    list_display = ["corp_id", "agent_id", "wecom_userid", "updated_at"]
    list_filter = ["agent_id"]
    search_fields = ["wecom_userid", "corp_id"]


@admin.register(WeComApprovalCard)
class WeComApprovalCardAdmin(ReadOnlyAdmin):
    """The approval cards sent to approvers' phones and whether their button was updated (the update is
    retried by the beat while due)."""

    list_display = ["task_id", "seat", "wecom_userid", "sent_at", "replace_name", "update_due", "updated_at",
                    "update_error"]
    list_filter = ["update_due"]
    search_fields = ["task_id", "wecom_userid"]


@admin.register(WeComCallback)
class WeComCallbackAdmin(ReadOnlyAdmin):
    """What WeCom posted to the callback URL and what became of it (applied, refused with the reason,
    ignored); WeCom's retries of one event are one row."""

    list_display = ["received_at", "event", "from_user", "task_id", "event_key", "status", "shown_result"]
    list_filter = ["status", "event"]
    search_fields = ["from_user", "task_id"]
    date_hierarchy = "received_at"

    @admin.display(description=_("result"))
    def shown_result(self, obj):
        return obj.display_result
