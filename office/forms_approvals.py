"""Forms of the approval screens: the lists' filters, the decision, the rule editor (a rule with its
conditions and steps as two formsets), the preview, the delegation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from erp.models import Company
from office.approval_types import ApprovalType, type_choices
from office.forms import RoleChoiceField
from office.models import ApprovalRule
from office.services.approvals import ConditionInput, StepInput
from office.status import ApprovalStatus, ConditionOperator, Decision, StepKind

WAITING, MINE, ALL = "waiting", "mine", "all"
SELECT = {"class": "form-select form-select-sm"}


def company_users(company: Company | None) -> Any:
    return get_user_model().objects.filter(company=company, is_active=True).order_by("username")


class ApprovalFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("Show"), required=False, widget=forms.Select(attrs=SELECT), choices=[
        (WAITING, _("Waiting for my approval")), (MINE, _("Asked for by me")), (ALL, _("All I take part in"))])
    status = forms.ChoiceField(label=_("Status"), required=False, widget=forms.Select(attrs=SELECT),
                               choices=[("", _("Any status")), *ApprovalStatus.choices])
    type_key = forms.ChoiceField(label=_("Document type"), required=False, widget=forms.Select(attrs=SELECT))
    q = forms.CharField(label=_("Document"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type_key"].choices = [("", _("Any type")), *type_choices()]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        show = data.get("show") or WAITING
        return {"waiting": show == WAITING, "mine": show == MINE, "status": data.get("status", ""),
                "type_key": data.get("type_key", ""), "search": data.get("q", "")}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              help_text=_("Required to reject or to return for changes: the requester reads it."),
                              widget=forms.Textarea(attrs={"rows": 3}))


# The rule editor --------------------------------------------------------------------------------


class RuleForm(forms.Form):
    type_key = forms.ChoiceField(label=_("Document type"))
    name = forms.CharField(label=_("Name"), max_length=200)
    priority = forms.IntegerField(label=_("Order"), min_value=0, initial=100,
                                  help_text=_("Rules are tried from the lowest number up; the first whose conditions "
                                              "all hold is taken."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type_key"].choices = type_choices()


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), required=False)
    operator = forms.ChoiceField(label=_("Operator"), choices=ConditionOperator.choices, required=False)
    value = forms.CharField(label=_("Value"), required=False, max_length=500)

    def __init__(self, *args: Any, approval_type: ApprovalType | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = approval_type.fields if approval_type is not None else ()
        self.fields["field"].choices = [("", "—"), *((each.name, each.label) for each in fields)]

    def condition(self) -> ConditionInput | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not data.get("field"):
            return None
        return {"field": data["field"], "operator": data.get("operator") or ConditionOperator.EQ,
                "value": data.get("value", "")}


class StepForm(forms.Form):
    sequence = forms.IntegerField(label=_("Sequence"), min_value=1, required=False)
    kind = forms.ChoiceField(label=_("Approver"), choices=[("", "—"), *StepKind.choices], required=False)
    role = RoleChoiceField(label=_("Role"), queryset=Group.objects.order_by("name"), required=False)
    user = forms.ModelChoiceField(label=_("User"), queryset=None, required=False)
    required = forms.IntegerField(label=_("Approvals needed"), min_value=1, required=False)
    deadline_hours = forms.IntegerField(label=_("Deadline (hours)"), min_value=1, required=False)
    reminder_hours = forms.IntegerField(label=_("Reminder after (hours)"), min_value=1, required=False)
    escalate_user = forms.ModelChoiceField(label=_("Escalate to user"), queryset=None, required=False)
    escalate_role = RoleChoiceField(label=_("…or to role"), queryset=Group.objects.order_by("name"), required=False)

    def __init__(self, *args: Any, company: Company | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = self.fields["escalate_user"].queryset = company_users(company)

    def step(self) -> StepInput | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not data.get("kind"):
            return None
        return {"sequence": data.get("sequence") or 1, "kind": data["kind"], "role": data.get("role"),
                "user": data.get("user"), "required": data.get("required") or 1,
                "deadline_hours": data.get("deadline_hours"), "reminder_hours": data.get("reminder_hours"),
                "escalate_user": data.get("escalate_user"), "escalate_role": data.get("escalate_role")}


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, can_delete=True, max_num=50, validate_max=True,
                                         absolute_max=50)
StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True, max_num=50, validate_max=True,
                                    absolute_max=50)


def rule_forms(data: Any, *, company: Company | None, approval_type: ApprovalType,
               rule: ApprovalRule | None) -> tuple[RuleForm, Any, Any]:
    """The rule's form and its conditions' and steps' formsets, filled from ``rule`` when editing."""
    initial: dict[str, Any] = {"type_key": approval_type.key}
    conditions: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    if rule is not None:
        initial.update(name=rule.name, priority=rule.priority, is_active=rule.is_active)
        conditions = [{"field": c.field, "operator": c.operator, "value": c.value} for c in rule.conditions.all()]
        steps = [{name: getattr(step, name) for name in ("sequence", "kind", "role", "user", "required",
                                                         "deadline_hours", "reminder_hours", "escalate_user",
                                                         "escalate_role")} for step in rule.steps.all()]
    elif data is None:
        steps = [{"sequence": 1, "kind": StepKind.ROLE}]
    form = RuleForm(data, initial=initial)
    condition_set = ConditionFormSet(data, prefix="conditions", initial=conditions,
                                     form_kwargs={"approval_type": approval_type})
    step_set = StepFormSet(data, prefix="steps", initial=steps, form_kwargs={"company": company})
    return form, condition_set, step_set


class RuleFilterForm(forms.Form):
    type_key = forms.ChoiceField(label=_("Document type"), required=False, widget=forms.Select(attrs=SELECT))
    active = forms.ChoiceField(label=_("Active"), required=False, widget=forms.Select(attrs=SELECT), choices=[
        ("", _("Active and inactive")), ("yes", _("Active")), ("no", _("Inactive"))])
    q = forms.CharField(label=_("Name"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type_key"].choices = [("", _("Any type")), *type_choices()]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        active = {"yes": True, "no": False}.get(data.get("active", ""))
        return {"type_key": data.get("type_key", ""), "active": active, "search": data.get("q", "")}


# The preview -------------------------------------------------------------------------------------


class PreviewForm(forms.Form):
    """A type, then either a document's reference or a value for each of the type's condition fields
    (``value_<field>``), and the requester whose manager a "requester's manager" step would take."""

    type_key = forms.ChoiceField(label=_("Document type"))
    reference = forms.CharField(label=_("Document"), required=False, max_length=60,
                                help_text=_("A document's number: which steps would it take?"))
    requester = forms.ModelChoiceField(label=_("Requester"), queryset=None, required=False)

    def __init__(self, *args: Any, company: Company | None, approval_type: ApprovalType | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type_key"].choices = type_choices()
        self.fields["requester"].queryset = company_users(company)
        self.approval_type = approval_type
        for each in approval_type.fields if approval_type is not None else ():
            if each.choices:
                field: forms.Field = forms.ChoiceField(label=each.label, required=False,
                                                       choices=[("", "—"), *each.choices])
            else:
                field = forms.CharField(label=each.label, required=False, max_length=200)
            self.fields[f"value_{each.name}"] = field

    def typed_values(self) -> dict[str, Any]:
        fields = self.approval_type.fields if self.approval_type is not None else ()
        return {each.name: self.cleaned_data.get(f"value_{each.name}", "") for each in fields}

    def value_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("value_")]


# Delegation ------------------------------------------------------------------------------------


class DelegationForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Away"), queryset=None)
    delegate = forms.ModelChoiceField(label=_("Delegate"), queryset=None,
                                      help_text=_("Decides your approvals on your behalf while you are away."))
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args: Any, company: Company | None, user: Any, for_anyone: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = company_users(company)
        self.fields["delegate"].queryset = users.exclude(pk=user.pk) if not for_anyone else users
        if for_anyone:
            self.fields["user"].queryset = users
            self.fields["user"].initial = user.pk
        else:
            del self.fields["user"]
