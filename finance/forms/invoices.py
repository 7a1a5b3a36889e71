"""Forms of the customer invoice screens: the list filter, a draft's header (date, due date, the buyer's
tax id, notes), a uniform invoice range to enter, the finance settings, the party (customers or
suppliers) and day of the aging report, and the dates and customer of the customer statement. Every
rule is the service's (finance.services.invoices, .invoice_edit, .settings), whose refusals the views
put beside the field they name."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.codes import normalise_code
from finance import status as st
from finance.forms import DATE, styled
from finance.forms.entries import check_date_range, check_years
from finance.selectors import CUSTOMER, SUPPLIER
from sales.models import Customer
from sales.selectors import customers_for_user


class CustomerCodeField(forms.ModelChoiceField):
    """A customer typed as its code, as inventory's ItemCodeField and purchasing's SupplierCodeField (a
    company has thousands of customers); the form sets ``queryset`` to the reader's customers."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Customer code"))
        kwargs.setdefault("required", False)
        super().__init__(queryset=Customer.objects.none(), to_field_name="code", **kwargs)
        self.error_messages["invalid_choice"] = _("None of your customers has the code %(value)s.")

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, Customer) else value

    def to_python(self, value: Any) -> Any:
        return super().to_python(normalise_code(value) if value else value)


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.SearchInput(
        attrs={"placeholder": _("Number, uniform invoice number or customer")}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *st.CustomerInvoiceStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Invoices and credit notes")), *st.InvoiceKind.choices])
    customer = CustomerCodeField()
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_for_user(user)
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_years(self, "date_from", "date_to")
        return data


class InvoiceHeaderForm(forms.Form):
    """What may change on a draft invoice (``invoice_update_header``'s arguments)."""

    document_date = forms.DateField(label=_("Invoice date"), **DATE)
    due_date = forms.DateField(label=_("Due date"), required=False, **DATE)
    buyer_tax_id = forms.CharField(label=_("Buyer's tax id"), max_length=20, required=False,
                                   help_text=_("統一編號 of a business buyer (B2B); empty for a consumer."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_years(self, "document_date", "due_date")
        return data


def two_month_choices() -> list[tuple[int, str]]:
    return [(m, f"{m:02d}–{m + 1:02d}") for m in (1, 3, 5, 7, 9, 11)]


class UniformRangeForm(forms.Form):
    """A range of uniform invoice numbers as the tax office allotted it (``uniform_range_save``)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999,
                              help_text=_("The calendar year (民國 year + 1911)."))
    start_month = forms.TypedChoiceField(label=_("Months"), choices=two_month_choices, coerce=int)
    track = forms.CharField(label=_("Track letters"), max_length=2, min_length=2,
                            help_text=_("字軌: two upper-case letters, e.g. AB."))
    first_number = forms.IntegerField(label=_("First number"), min_value=0, max_value=99_999_999,
                                      help_text=_("The eight digits after the letters."))
    last_number = forms.IntegerField(label=_("Last number"), min_value=0, max_value=99_999_999)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial:
            today = timezone.localdate()
            self.initial = {"year": today.year, "start_month": today.month if today.month % 2 else today.month - 1}
        styled(self)

    def clean_track(self) -> str:
        return str(self.cleaned_data["track"]).strip().upper()


class SettingsForm(forms.Form):
    invoice_grouping = forms.ChoiceField(label=_("Customer invoices"), choices=st.InvoiceGrouping.choices,
                                         widget=forms.RadioSelect)
    uniform_invoices = forms.BooleanField(
        label=_("Uniform invoice numbers"), required=False,
        help_text=_("Take a Taiwan uniform invoice number (統一發票) from the open range when a customer invoice "
                    "is posted."))


class AgingForm(forms.Form):
    """Whose aging (customers' or suppliers', ``?party=``) and as of which day. ``default_party``: the
    one shown when none is asked for, or a wrong one (the error is shown)."""

    party = forms.ChoiceField(label=_("Partner"), required=False,
                              choices=[(CUSTOMER, _("Customers")), (SUPPLIER, _("Suppliers"))])
    as_of = forms.DateField(label=_("As of"), required=False, **DATE)

    def __init__(self, *args: Any, default_party: str = CUSTOMER, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_party = default_party
        self.fields["party"].initial = default_party
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_years(self, "as_of")
        return data

    def chosen_party(self) -> str:
        """CUSTOMER or SUPPLIER: the one asked for, else the default."""
        if self.is_bound and "party" not in self.errors and self.cleaned_data.get("party"):
            party: str = self.cleaned_data["party"]
            return party
        return self.default_party

    def day(self) -> datetime.date:
        """The day asked for (today when none, or when it is wrong: the error is shown)."""
        if self.is_bound and "as_of" not in self.errors and self.cleaned_data.get("as_of"):
            day: datetime.date = self.cleaned_data["as_of"]
            return day
        return timezone.localdate()


class StatementForm(forms.Form):
    customer = CustomerCodeField(required=True)
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_for_user(user)
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_date_range(self, data)
        return data
