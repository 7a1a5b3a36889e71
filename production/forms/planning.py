"""Forms of the planning screens: demand lines (entry and list filters), MRP runs (start, filters,
compare), planned orders and exceptions (filters). Forms validate input; the views hand the cleaned
values to ``production.services`` (never ``.save()``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.codes import normalise_code
from erp.money import QTY
from inventory import selectors as inventory_selectors
from inventory.forms.documents import ItemChoiceField
from inventory.forms.masterdata import ACTIVE_CHOICES, YES_NO, FilterForm, yes_no
from production import status as st
from production.services.runs import MAX_HORIZON_DAYS


def date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def item_code(data: dict[str, Any]) -> str:
    return normalise_code(data.get("item") or "") if (data.get("item") or "").strip() else ""


class DemandFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"placeholder": _("Item or reference"), "type": "search"}))
    date_from = date_field(_("From"), required=False)
    date_to = date_field(_("To"), required=False)
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.filter_values()
        return {"search": (data.get("q") or "").strip(), "date_from": data.get("date_from"),
                "date_to": data.get("date_to"), "active": yes_no(data.get("active"))}


class DemandForm(forms.Form):
    """A demand line; the item is found with inventory's item lookup (the hidden field it fills)."""

    prefix = "demand"
    item = ItemChoiceField(label=_("Item"), queryset=None, widget=forms.HiddenInput,
                           error_messages={"required": _("Choose an item from the list."),
                                           "invalid_choice": _("Choose an item from the list.")})
    date = date_field(_("Required date"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=QTY["max_digits"],
                                  decimal_places=QTY["decimal_places"], min_value=0,
                                  help_text=_("In the item's base unit."))
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False,
                                help_text=_("A forecast's name, a customer's expected order."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = inventory_selectors.document_form_choices(user)["items"]
        for name, bound in self.fields.items():
            if name != "item":
                bound.widget.attrs.setdefault("class", "form-control")

    def item_label(self) -> str:
        item = self.cleaned_data.get("item") if hasattr(self, "cleaned_data") else None
        if item is None and self.initial.get("item") is not None:
            item = self.initial["item"]
        return f"{item.code} {item.name}" if item is not None else (self.data.get("demand-item_search") or "")


class RunFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *st.MrpRunStatus.choices])
    date_from = date_field(_("As of from"), required=False)
    date_to = date_field(_("As of to"), required=False)

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.filter_values()
        return {"status": data.get("status") or "", "date_from": data.get("date_from"),
                "date_to": data.get("date_to")}


class RunStartForm(forms.Form):
    as_of = date_field(_("As of"), help_text=_("MRP plans from this date on; today unless you choose another."))
    horizon_days = forms.IntegerField(label=_("Horizon (days)"), min_value=1, max_value=MAX_HORIZON_DAYS, initial=90,
                                      help_text=_("How many days ahead MRP plans."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"as_of": timezone.localdate(), "horizon_days": 90})
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class PlannedOrderFilterForm(FilterForm):
    item = forms.CharField(label=_("Item code"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *st.PlannedOrderKind.choices])
    late = forms.ChoiceField(label=_("Late"), required=False, choices=YES_NO)
    firmed = forms.ChoiceField(label=_("Firmed"), required=False, choices=YES_NO)

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.filter_values()
        return {"item_code": item_code(data), "kind": data.get("kind") or "", "late": yes_no(data.get("late")),
                "firmed": yes_no(data.get("firmed"))}


class ExceptionFilterForm(FilterForm):
    item = forms.CharField(label=_("Item code"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *st.MrpExceptionKind.choices])

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.filter_values()
        return {"item_code": item_code(data), "kind": data.get("kind") or ""}
