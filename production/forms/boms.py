"""Forms of the BOM screens: the list's filters, the version's header, its lines (components found
with inventory's item lookup, a unit per line), the explosion's quantity and the where-used search.

The forms only validate input; production.services.boms checks the rules (units, cycles, the default
version) and the views show its refusals beside the field or above the lines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erp.document_screens import LineFormSet
from erp.money import LINE_QTY, QTY
from erp.permissions import user_company
from inventory import status as inventory_status
from inventory.forms.documents import ItemChoiceField, LineForm, UnitChoiceField, item_field
from inventory.models import Item, UnitOfMeasure
from production import status as st
from production.models import Routing, RoutingOperation

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MAX_LINES = 300
YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


def styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
            continue
        css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
        field.widget.attrs.setdefault("class", css)


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class BomFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.SearchInput(
        attrs={"placeholder": _("Item code or name, description")}))
    version = forms.CharField(label=_("Version"), required=False, max_length=20)
    default = forms.ChoiceField(label=pgettext_lazy("BOM version", "Default"), required=False, choices=YES_NO)
    active = forms.ChoiceField(label=_("Active"), required=False, choices=YES_NO)
    valid_on = forms.DateField(label=_("Valid on"), required=False, **DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {"search": (data.get("q") or "").strip(), "version": (data.get("version") or "").strip(),
                "default": yes_no(data.get("default") or ""), "active": yes_no(data.get("active") or ""),
                "valid_date": data.get("valid_on")}


def bom_items(company: Any) -> Any:
    """The items a BOM may make: the company's, not services (the lookup offers them by code)."""
    return (Item.objects.filter(company=company).exclude(item_type=inventory_status.ItemType.SERVICE)
            .select_related("base_unit"))


class BomForm(forms.Form):
    """The header of a version, named as ``bom_save``'s keyword arguments. The item is found with the
    item lookup (a hidden field, production/boms/form.html)."""

    item = ItemChoiceField(label=_("Item"), queryset=None, widget=forms.HiddenInput(attrs={"id": "id_-item"}),
                           error_messages={"required": _("Choose an item from the list."),
                                           "invalid_choice": _("Choose an item from the list.")})
    version = forms.CharField(label=_("Version"), max_length=20)
    name = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("Makes quantity"), initial=1, min_value=0, **QTY,
                                  help_text=_("In the item's base unit; the lines are per this quantity."))
    routing = forms.ModelChoiceField(label=_("Routing"), queryset=None, required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, **DATE)
    valid_to = forms.DateField(label=_("Valid to"), required=False, **DATE)
    is_default = forms.BooleanField(label=pgettext_lazy("BOM version", "Default"), required=False, initial=True,
                                    help_text=_("One default version per item and date."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, company: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = bom_items(company)
        self.fields["routing"].queryset = (Routing.objects.restrict(user).filter(company=company)
                                           .select_related("item").order_by("code"))
        styled(self)

    @property
    def item_label(self) -> str:
        """What the item search field shows: the chosen item's code and name, else what was typed."""
        value = self.data.get("item") if self.is_bound else self.initial.get("item")
        if hasattr(value, "code"):
            return f"{value.code} {value.name}"
        if value and str(value).isdigit():
            item = self.fields["item"].queryset.filter(pk=int(value)).first()
            if item is not None:
                return f"{item.code} {item.name}"
        return str(self.data.get("item_search", "")) if self.is_bound else ""


class OperationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: RoutingOperation) -> str:
        return f"{obj.routing.code} {obj.sequence} {obj.name}"


class BomLineForm(LineForm):
    """One line: the component (the lookup's hidden ``item`` field), kind, quantity per in a unit of
    the component, scrap %, the operation it is used at, notes."""

    QUERYSETS = {"item": "items", "unit": "units", "operation": "operations"}
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    item = item_field()
    kind = forms.ChoiceField(label=_("Kind"), choices=st.BomLineKind.choices, initial=st.BomLineKind.COMPONENT)
    quantity = forms.DecimalField(label=_("Quantity per"), **LINE_QTY)
    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("base unit"))
    scrap_percent = forms.DecimalField(label=_("Scrap %"), max_digits=6, decimal_places=2, required=False)
    operation = OperationChoiceField(label=_("Operation"), queryset=None, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def has_changed(self) -> bool:
        # A row whose only value is the preset kind is an empty row.
        return any(name != "kind" and name in self.changed_data for name in self.fields)

    def line(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        data["component"] = data.pop("item")
        return data


class BomLineFormSetBase(LineFormSet):
    require_lines = True


BomLineFormSet = forms.formset_factory(BomLineForm, formset=BomLineFormSetBase, extra=3, can_delete=True,
                                       max_num=MAX_LINES, validate_max=True)


def form_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user, "company": user_company(request.user)}


def line_kwargs(request: HttpRequest, data: QueryDict | None, initial: Any, shared: dict[str, Any]) -> dict[str, Any]:
    """The rows' choices, read once for the formset."""
    company = shared["company"]
    return {"querysets": {
        "items": Item.objects.filter(company=company, is_active=True).order_by("code"),
        "units": UnitOfMeasure.objects.filter(company=company).order_by("code"),
        "operations": RoutingOperation.objects.filter(routing__company=company, routing__is_active=True)
        .select_related("routing").order_by("routing__code", "sequence"),
    }, "choices": {}}


class ExplosionForm(forms.Form):
    quantity = forms.DecimalField(label=_("Quantity"), **QTY, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)

    def clean_quantity(self) -> Any:
        quantity = self.cleaned_data.get("quantity")
        if quantity is not None and quantity <= 0:
            raise forms.ValidationError(_("The quantity must be greater than zero."))
        return quantity


COST_BASIS_CHOICES = [("standard", _("Standard cost")), ("average", _("Moving-average cost"))]


class CostForm(forms.Form):
    cost_basis = forms.ChoiceField(label=_("Cost basis"), choices=COST_BASIS_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


class WhereUsedForm(forms.Form):
    item = forms.CharField(label=_("Item code"), max_length=60, required=False)
    levels = forms.ChoiceField(label=_("Levels"), required=False,
                               choices=[("all", _("All levels")), ("one", _("One level"))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)
