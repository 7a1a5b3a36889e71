"""Forms of the purchase order screens: the list's filters, the header and the lines of a draft."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erp.codes import normalise_code
from erp.document_screens import LineFormSet
from erp.permissions import user_company
from inventory.forms.documents import LineForm, UnitChoiceField, item_field
from inventory.models import Item, UnitOfMeasure, Warehouse
from purchasing import status as st
from purchasing.models import Supplier
from sales.models import PaymentTerm, TaxCode

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MAX_LINES = 200


def styled(form: forms.Form) -> None:
    for field in form.fields.values():
        select = isinstance(field.widget, forms.Select)
        css = "form-select form-select-sm" if select else "form-control form-control-sm"
        field.widget.attrs.setdefault("class", css)


class SupplierCodeField(forms.ModelChoiceField):
    """A supplier filter typed as its code, as inventory's ItemCodeField: a company has thousands of
    suppliers, and rendering them all as options cost a list page more than its query. The form sets
    ``queryset`` to the reader's suppliers."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Supplier code"))
        kwargs.setdefault("required", False)
        super().__init__(queryset=Supplier.objects.none(), to_field_name="code", **kwargs)
        self.error_messages["invalid_choice"] = _("None of your suppliers has the code %(value)s.")

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, Supplier) else value

    def to_python(self, value: Any) -> Any:
        return super().to_python(normalise_code(value) if value else value)


def company_users(company: Any) -> Any:
    return get_user_model().objects.filter(company=company, is_active=True).order_by("username")


class OrderFilterForm(forms.Form):
    OPEN = "open"
    q = forms.CharField(label=_("Search"), required=False, widget=forms.SearchInput)
    status = forms.ChoiceField(label=_("Status"), required=False)
    supplier = SupplierCodeField()
    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=None, required=False, empty_label=_("All buyers"))
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)
    expected_from = forms.DateField(label=_("Expected from"), required=False, **DATE)
    expected_to = forms.DateField(label=_("Expected to"), required=False, **DATE)
    late = forms.BooleanField(label=_("Late"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), (self.OPEN, pgettext_lazy("purchase orders", "Open")),
                                         *st.OrderStatus.choices]
        self.fields["supplier"].queryset = Supplier.objects.restrict(user)
        self.fields["buyer"].queryset = company_users(user_company(user))
        styled(self)
        self.fields["late"].widget.attrs["class"] = "form-check-input"


class OrderForm(forms.Form):
    """The header of a draft order, named as ``order_save``'s keyword arguments. Terms left empty are
    the supplier's."""

    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=None)
    warehouse = forms.ModelChoiceField(label=_("Deliver to warehouse"), queryset=None)
    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=None, required=False,
                                   help_text=_("Empty: the supplier's buyer."))
    document_date = forms.DateField(label=_("Date"), initial=timezone.localdate, **DATE)
    payment_term = forms.ModelChoiceField(label=_("Payment term"), queryset=None, required=False,
                                          help_text=_("Empty: the supplier's."))
    tax_code = forms.ModelChoiceField(label=_("Tax code"), queryset=None, required=False,
                                      help_text=_("Empty: the supplier's."))
    supplier_reference = forms.CharField(label=_("Supplier reference"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, company: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.restrict(user).filter(is_active=True).order_by("code")
        self.fields["warehouse"].queryset = Warehouse.objects.filter(company=company, is_active=True).order_by("code")
        self.fields["buyer"].queryset = company_users(company)
        self.fields["payment_term"].queryset = PaymentTerm.objects.filter(company=company).order_by("code")
        self.fields["tax_code"].queryset = TaxCode.objects.filter(company=company).order_by("code")


class OrderLineForm(LineForm):
    """One line of a draft. The item is found with inventory's item lookup (a hidden field the lookup
    fills, purchasing/orders/form.html): the items are never listed, there may be thousands."""

    QUERYSETS = {"item": "items", "unit": "units"}
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    item = item_field()
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=20, decimal_places=4)
    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("base unit"))
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=20, decimal_places=4, required=False,
                                    help_text=_("Empty: the supplier's price."))
    expected_date = forms.DateField(label=_("Expected date"), required=False, **DATE)

    def clean_unit_price(self) -> Any:
        price = self.cleaned_data.get("unit_price")
        if price is not None and price < 0:
            raise forms.ValidationError(_("The price must not be negative."))
        return price

    def line(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class OrderLineFormSetBase(LineFormSet):
    require_lines = True


OrderLineFormSet = forms.formset_factory(OrderLineForm, formset=OrderLineFormSetBase, extra=3, can_delete=True,
                                         max_num=MAX_LINES, validate_max=True)


def line_kwargs(request: Any, data: Any, initial: Any, shared: dict[str, Any]) -> dict[str, Any]:
    """The rows' choices, read once for the formset (the units' list is shared by the rows; the items
    only validate what the lookup chose)."""
    company = shared["company"]
    return {"querysets": {"items": Item.objects.filter(company=company, is_active=True).order_by("code"),
                          "units": UnitOfMeasure.objects.filter(company=company).order_by("code")},
            "choices": {}}


class ReviseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)


class RedateForm(forms.Form):
    """One expected-date field per open line of an approved order (``line_<id>``), each required and
    not before the order's date: a refused date is shown beside its line and nothing is saved."""

    def __init__(self, *args: Any, lines: list[Any], order_date: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.order_date = order_date
        for line in lines:
            self.fields[self.name_of(line)] = forms.DateField(
                label=_("Expected date"), initial=line.expected_date,
                widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"},
                                       format="%Y-%m-%d"))

    @staticmethod
    def name_of(line: Any) -> str:
        return f"line_{line.pk}"

    def rows(self) -> list[tuple[Any, Any]]:
        return [(line, self[self.name_of(line)]) for line in self.lines]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for line in self.lines:
            date = data.get(self.name_of(line))
            if date is not None and date < self.order_date:
                self.add_error(self.name_of(line), _("The expected date is before the order date."))
        return data

    def dates(self) -> dict[int, Any]:
        """{line id: date} of the lines whose date changed."""
        return {line.pk: self.cleaned_data[self.name_of(line)] for line in self.lines
                if self.cleaned_data[self.name_of(line)] != line.expected_date}
