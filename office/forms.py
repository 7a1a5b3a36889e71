from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from erp.models import Department
from erp.roles import role_label
from office.models import Task
from office.status import TaskStatus


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return role_label(obj.name)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    assignee_user = forms.ModelChoiceField(label=_("Assign to a colleague"), queryset=None, required=False)
    assignee_role = RoleChoiceField(label=_("…or to a role"), queryset=Group.objects.order_by("name"), required=False)
    assignee_department = forms.ModelChoiceField(label=_("…or to a department"), queryset=None, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Task._meta.get_field("priority").choices,
                                 initial="normal")
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_user"].queryset = get_user_model().objects.filter(
            company=company, is_active=True
        ).order_by("username")
        self.fields["assignee_department"].queryset = Department.objects.filter(
            company=company, is_active=True
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        chosen = [f for f in ("assignee_user", "assignee_role", "assignee_department") if data.get(f)]
        if len(chosen) != 1:
            message = _("Choose exactly one: a colleague, a role or a department.")
            for field in ("assignee_user", "assignee_role", "assignee_department"):
                self.add_error(field, message)
        return data


class TaskFilterForm(forms.Form):
    STATUS_CHOICES = [*TaskStatus.choices, ("all", _("All"))]
    status = forms.ChoiceField(
        label=_("Status"), choices=STATUS_CHOICES, required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    q = forms.CharField(label=_("Search"), required=False)

    def status_value(self):
        value = self.cleaned_data.get("status") or TaskStatus.OPEN
        return None if value == "all" else value


class TaskCloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    status = forms.ChoiceField(
        label=_("Outcome"), choices=[(TaskStatus.DONE, _("Done")), (TaskStatus.CANCELLED, _("Cancelled"))],
        initial=TaskStatus.DONE,
    )
