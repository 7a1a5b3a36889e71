"""Forms of the customer return screens: the list filter and the return sheet.

The return sheet shows every shipped line of the delivery note with the quantity to return (0 = not
returned) and the location the goods go back to. The quantity is checked here against what can
still be returned (shipped less what posted returns already took back) so the message stands beside
the line; sales.services.returns checks it again under a lock when the return is saved and posted.
"""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.money import format_quantity
from inventory.forms.deliveries import ObjectChoiceField
from inventory.forms.documents import DATE, quantity_field
from sales import status as st

ZERO = Decimal("0")


def styled(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select form-select-sm"
        elif not isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-control form-control-sm")


class ReturnFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.SearchInput(
        attrs={"placeholder": _("Number or customer")}))
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, required=False,
                                      empty_label=_("All customers"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *st.ReturnStatus.choices])
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        styled(self)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class ReturnHeaderForm(forms.Form):
    document_date = forms.DateField(label=_("Date"), initial=timezone.localdate, **DATE)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        styled(self)


def location_label(location):
    return f"{location.warehouse.code}/{location.code} {location.name}"


class ReturnLineForm(forms.Form):
    """One shipped line of the delivery: how much comes back (in the line's unit) and where to."""

    quantity = quantity_field(_("Quantity to return"), min_value=0, required=False, widget=forms.NumberInput(
        attrs={"step": "any", "class": "form-control form-control-sm num"}))
    location = ObjectChoiceField(label=_("Return to location"), required=False)

    def __init__(self, *args, line, locations, returnable, initial_quantity=None, initial_location=None, **kwargs):
        self.line = line
        self.returnable = returnable
        initial = {"quantity": initial_quantity.normalize() if initial_quantity else 0,
                   "location": getattr(initial_location or line.location, "pk", "")}
        super().__init__(*args, prefix=f"line-{line.pk}", initial=initial, **kwargs)
        self.fields["location"].set_objects(locations, location_label)
        styled(self)

    def clean(self):
        data = super().clean()
        quantity = data.get("quantity") or ZERO
        if quantity > 0:
            if quantity > self.returnable:
                self.add_error("quantity", _("At most %(left)s %(unit)s can still be returned.") % {
                    "left": format_quantity(self.returnable, self.line.unit), "unit": self.line.unit.code})
            if data.get("location") is None and "location" not in self.errors:
                self.add_error("location", _("Choose the location the goods go back to."))
        return data

    def service_line(self):
        return {"delivery_line": self.line, "quantity": self.cleaned_data["quantity"], "unit": self.line.unit,
                "location": self.cleaned_data["location"]}


class ReturnSheet:
    """The return page: the header and one row per shipped line of the delivery."""

    def __init__(self, data=None, *, lines, locations, returnable, existing=None, header_initial=None):
        existing = existing or {}
        self.header = ReturnHeaderForm(data, initial=header_initial or {})
        self.forms = [
            ReturnLineForm(data, line=line, locations=locations, returnable=returnable[line.pk],
                           initial_quantity=existing.get(line.pk, (None, None))[0],
                           initial_location=existing.get(line.pk, (None, None))[1])
            for line in lines
        ]

    def is_valid(self):
        return all([self.header.is_valid()] + [form.is_valid() for form in self.forms])

    def service_lines(self):
        """The lines with a quantity to return (0 or empty = the line is not returned)."""
        return [form.service_line() for form in self.forms if form.cleaned_data.get("quantity")]
