"""Forms of the inventory document screens: list filters, document headers, line formsets, count sheet.

The forms only validate input; the rules of the item master (units, lots, locations of the right
warehouse) are checked by inventory.services.documents, whose errors the views show beside the fields.
Querysets are given by the views (scoped to the user's company and warehouses).
"""

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from erp.document_screens import LineFormSet
from erp.forms import CodedSelect
from erp.money import COST, LINE_QTY, QTY

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class LotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.item.code} · {obj.number}"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.code


def quantity_field(label: str | Promise, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, **LINE_QTY, **kwargs)


# List filters --------------------------------------------------------------------------------


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Number"), required=False, widget=forms.SearchInput)
    status = forms.ChoiceField(label=_("Status"), required=False)
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None, required=False,
                                       empty_label=_("All warehouses"))
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args, statuses, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *statuses]
        self.fields["warehouse"].queryset = warehouses
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


# Document headers ----------------------------------------------------------------------------


def only_choice(queryset):
    """The pk of the only row of ``queryset``, else None."""
    rows = list(queryset.values_list("pk", flat=True)[:2])
    return rows[0] if len(rows) == 1 else None


class HeaderForm(forms.Form):
    """The fields of a document header, named as the service's keyword arguments. The lines offer
    the chosen warehouse's locations: choosing another one shows them again (refresh_lines,
    inventory/documents/form.html); a user with one warehouse has it chosen."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    document_date = forms.DateField(label=_("Date"), initial=timezone.localdate, **DATE)

    def __init__(self, *args, querysets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = querysets["warehouses"]
        if not self.is_bound and not self.initial.get("warehouse"):
            self.initial["warehouse"] = only_choice(querysets["warehouses"])
        self.fields["notes"] = forms.CharField(label=_("Notes"), required=False,
                                               widget=forms.Textarea(attrs={"rows": 2}))


class ReceiptForm(HeaderForm):
    supplier_reference = forms.CharField(label=_("Supplier / reference"), max_length=200, required=False)


class IssueForm(HeaderForm):
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)


class TransferForm(HeaderForm):
    to_warehouse = forms.ModelChoiceField(label=_("To warehouse"), queryset=None,
                                          help_text=_("The same warehouse moves the goods between its locations "
                                                      "at once; another warehouse ships them first."))

    def __init__(self, *args, querysets, **kwargs):
        super().__init__(*args, querysets=querysets, **kwargs)
        self.fields["warehouse"].label = _("From warehouse")
        self.fields["to_warehouse"].queryset = querysets["all_warehouses"]


class AdjustmentForm(HeaderForm):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=None)

    def __init__(self, *args, querysets, **kwargs):
        super().__init__(*args, querysets=querysets, **kwargs)
        self.fields["reason"].queryset = querysets["reasons"]


class CountCreateForm(HeaderForm):
    location = forms.ModelChoiceField(label=_("Location"), queryset=None, required=False,
                                      empty_label=_("The whole warehouse"))

    def __init__(self, *args, querysets, **kwargs):
        super().__init__(*args, querysets=querysets, **kwargs)
        self.fields["location"].queryset = querysets["locations"]


# Document lines ------------------------------------------------------------------------------


def location_code(location):
    return location.code


def lot_number(lot):
    return lot.number


def item_field():
    """The line's item, found with the item lookup (inventory/partials/item_lookup.html): a hidden field
    the lookup fills, next to the search field the template draws."""
    return ItemChoiceField(label=_("Item"), queryset=None, widget=forms.HiddenInput,
                           error_messages={"required": _("Choose an item from the list."),
                                           "invalid_choice": _("Choose an item from the list.")})


def location_field(label=None):
    return forms.ModelChoiceField(label=label or _("Location"), queryset=None,
                                  widget=CodedSelect(code_of=location_code))


def lot_field():
    return LotChoiceField(label=_("Lot"), queryset=None, required=False, widget=CodedSelect(code_of=lot_number))


class LineForm(forms.Form):
    """One document line. Choice lists are evaluated once per formset (``choices`` cache), not per row;
    the items are not listed (there may be thousands): the item lookup finds them."""

    QUERYSETS = {}  # field name -> key of the ``querysets`` dict given by the view

    def __init__(self, *args, querysets, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shared = {} if choices is None else choices
        for name, key in self.QUERYSETS.items():
            field = self.fields[name]
            field.queryset = querysets[key]
            if choices is not None and name != "item":
                if name not in choices:
                    choices[name] = list(field.choices)
                field.choices = choices[name]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
        if "unit" in self.fields:
            # Choosing the item narrows the unit select to the item's units (htmx; the service checks anyway).
            self.fields["item"].widget.attrs.update({
                "hx-get": reverse_lazy("inventory:document_unit_options"), "hx-trigger": "change",
                "hx-target": "next select", "hx-swap": "innerHTML",
            })

    @property
    def item_label(self):
        """What the line's item search field shows: the chosen item's code and name, else what was typed."""
        value = self.data.get(self.add_prefix("item"), "") if self.is_bound else self.initial.get("item")
        if hasattr(value, "code"):
            return f"{value.code} {value.name}"
        if "item_labels" not in self.shared:  # once per formset: the items the posted rows name
            ids = {int(v) for k, v in self.data.items() if k.endswith("-item") and str(v).isdigit()}
            self.shared["item_labels"] = {
                pk: f"{code} {name}" for pk, code, name in
                self.fields["item"].queryset.filter(pk__in=ids).values_list("pk", "code", "name")} if ids else {}
        label = self.shared["item_labels"].get(int(value)) if str(value).isdigit() else None
        return label or (self.data.get(self.add_prefix("item_search"), "") if self.is_bound else "")

    def line(self):
        """The cleaned line as the dict the service takes."""
        return {name: value for name, value in self.cleaned_data.items() if name != "DELETE"}


class ReceiptLineForm(LineForm):
    QUERYSETS = {"item": "items", "unit": "units", "location": "locations"}
    item = item_field()
    quantity = quantity_field(_("Quantity"))
    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("base unit"))
    location = location_field()
    lot_number = forms.CharField(label=_("Lot number"), max_length=60, required=False)
    manufactured_on = forms.DateField(label=_("Manufactured on"), required=False, **DATE)
    expires_on = forms.DateField(label=_("Expires on"), required=False, **DATE)
    unit_cost = forms.DecimalField(label=_("Unit cost"), required=False, min_value=0, **COST)
    # The source document's line this line receives (a purchase order's), kept through an edit.
    source_line_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class IssueLineForm(LineForm):
    QUERYSETS = {"item": "items", "unit": "units", "location": "locations", "lot": "lots"}
    item = item_field()
    quantity = quantity_field(_("Quantity"))
    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("base unit"))
    location = location_field()
    lot = lot_field()


class TransferLineForm(LineForm):
    QUERYSETS = {"item": "items", "unit": "units", "from_location": "locations", "to_location": "all_locations",
                 "lot": "lots"}
    item = item_field()
    quantity = quantity_field(_("Quantity"))
    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("base unit"))
    from_location = location_field(_("From location"))
    to_location = location_field(_("To location"))
    lot = lot_field()


class AdjustmentLineForm(LineForm):
    QUERYSETS = {"item": "items", "unit": "units", "location": "locations", "lot": "lots"}
    item = item_field()
    quantity_change = quantity_field(_("Quantity change"), help_text=_("Positive adds stock, negative removes it."))
    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("base unit"))
    location = location_field()
    lot = lot_field()
    unit_cost = forms.DecimalField(label=_("Unit cost"), required=False, min_value=0,
                                   help_text=_("For additions; empty = current average cost"), **COST)


def line_formset(form_class: type[LineForm]) -> type[LineFormSet]:
    return forms.formset_factory(form_class, formset=LineFormSet, extra=1, can_delete=True)


ReceiptLineFormSet = line_formset(ReceiptLineForm)
IssueLineFormSet = line_formset(IssueLineForm)
TransferLineFormSet = line_formset(TransferLineForm)
AdjustmentLineFormSet = line_formset(AdjustmentLineForm)


# Stock counts --------------------------------------------------------------------------------


def count_field_name(line):
    return f"line_{line.pk}"


class CountSheetForm(forms.Form):
    """One counted-quantity field (base unit) per line of the sheet shown."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            initial = line.counted_quantity.normalize() if line.counted_quantity is not None else None
            self.fields[count_field_name(line)] = forms.DecimalField(
                label=line.item.code, required=False, min_value=0, max_digits=QTY["max_digits"],
                decimal_places=QTY["decimal_places"], initial=initial,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm num", "step": "any",
                                                "inputmode": "decimal", "data-scan-quantity": ""}),
            )

    def rows(self):
        return [(line, self[count_field_name(line)]) for line in self.lines]

    def counted(self):
        """{line id: quantity} of the fields filled in with a new value, for the service. An empty field
        leaves the line as it is, so two people counting different aisles do not wipe each other's counts."""
        counted = {}
        for line in self.lines:
            value = self.cleaned_data.get(count_field_name(line))
            if value is not None and value != line.counted_quantity:
                counted[line.pk] = value
        return counted


class CountAddLineForm(forms.Form):
    item = ItemChoiceField(label=_("Item"), queryset=None)
    location = location_field()
    lot = lot_field()
    counted_quantity = forms.DecimalField(label=_("Counted quantity (base unit)"), min_value=0, **QTY)

    def __init__(self, *args, querysets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = querysets["items"]
        self.fields["location"].queryset = querysets["locations"]
        self.fields["lot"].queryset = querysets["lots"]
