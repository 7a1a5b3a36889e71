from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from erp.admin_scoping import ScopedAdmin
from office.models import Task, WeComIdentity
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
