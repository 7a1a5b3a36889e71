"""Forms of the WeCom screens: the company's app settings and its group robots. Secrets are
``erp.crypto.SecretField``s (never rendered, "••••" and the last four as placeholder, blank keeps the
stored value); the model's validation (the EncodingAESKey's shape, an enabled app complete) shows
beside the field."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from erp.models import Department
from office.models import WeComRobot, WeComSettings
from office.services.wecom import webhook_key_of
from office.status import RobotMessageStatus


def _no_form_tag(form):
    form.helper = FormHelper()
    form.helper.form_tag = False


class WeComSettingsForm(forms.ModelForm):
    class Meta:
        model = WeComSettings
        fields = ["corp_id", "agent_id", "app_secret", "callback_token", "encoding_aes_key", "enabled", "api_base"]

    def __init__(self, *args, may_change=True, may_set_api=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_set_api:  # the API address is the platform's (a superuser's), not a company's
            del self.fields["api_base"]
        self.fields["agent_id"].widget.attrs["min"] = 1
        if not may_change:
            for field in self.fields.values():
                field.disabled = True
        _no_form_tag(self)


class WeComRobotForm(forms.ModelForm):
    class Meta:
        model = WeComRobot
        fields = ["name", "department", "webhook_key"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(company=company, is_active=True)
        self.fields["department"].help_text = _("Leave empty for the company's general group.")
        _no_form_tag(self)

    def clean_webhook_key(self):
        return webhook_key_of(self.cleaned_data.get("webhook_key") or "")


class RobotFilterForm(forms.Form):
    STATES = [("", _("All")), ("active", _("Active")), ("disabled", _("Disabled"))]

    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False,
                                        widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    state = forms.ChoiceField(label=_("Status"), choices=STATES, required=False,
                              widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(company=company)

    def values(self):
        """(department, active, search) of a valid form; no filter otherwise."""
        if not self.is_valid():
            return None, None, ""
        state = self.cleaned_data["state"]
        active = {"active": True, "disabled": False}.get(state)
        return self.cleaned_data["department"], active, self.cleaned_data["q"].strip()


class RobotMessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *RobotMessageStatus.choices],
                               required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
