"""Forms of the notifications and announcements screens."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from erp.models import Department
from erp.roles import ROLES, role_label
from office import notification_channels as registry
from office.status import Audience, DeliveryStatus

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def kind_choices():
    return [("", _("Every kind")), *[(spec.key, spec.label) for spec in registry.kinds()]]


class NotificationFilterForm(forms.Form):
    STATES = [("", _("All")), ("unread", _("Unread")), ("read", _("Read"))]
    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False, widget=_select())
    kind = forms.ChoiceField(label=_("Kind"), choices=(), required=False, widget=_select())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()

    def read_value(self):
        """True (read), False (unread) or None (all)."""
        state = self.cleaned_data.get("state") if self.is_valid() else ""
        return {"read": True, "unread": False}.get(state or "")

    def kind_value(self):
        return (self.cleaned_data.get("kind") or "") if self.is_valid() else ""


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=(), required=False, widget=_select())
    channel = forms.ChoiceField(label=_("Channel"), choices=(), required=False, widget=_select())
    kind = forms.ChoiceField(label=_("Kind"), choices=(), required=False, widget=_select())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Every status")), *DeliveryStatus.choices]
        names = [(c.name, c.label) for c in registry.optional_channels()]
        names += [(c.name, c.label) for c in registry.group_channels()]
        self.fields["channel"].choices = [("", _("Every channel")), *names]
        self.fields["kind"].choices = kind_choices()

    def values(self):
        if not self.is_valid():
            return {"status": "", "channel": "", "kind": ""}
        return {name: self.cleaned_data.get(name) or "" for name in ("status", "channel", "kind")}


class RoleMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return role_label(obj.name)


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Plain text; line breaks are kept."))
    audience = forms.ChoiceField(label=_("For"), choices=Audience.choices, initial=Audience.ALL,
                                 widget=forms.RadioSelect)
    departments = forms.ModelMultipleChoiceField(label=_("Departments"), queryset=Department.objects.none(),
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    roles = RoleMultipleChoiceField(label=_("Roles"), queryset=Group.objects.filter(name__in=ROLES).order_by("name"),
                                    required=False, widget=forms.CheckboxSelectMultiple)
    publish_at = forms.DateTimeField(
        label=_("Publish from"), required=False, input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Empty: now. A later time schedules the announcement."))
    expires_at = forms.DateTimeField(
        label=_("Expires at"), required=False, input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(company=company, is_active=True)
        self.fields["departments"].queryset = departments.order_by("code")
        self.helper = FormHelper()
        self.helper.form_tag = False
