"""Forms of the requisition screens: the list's filters, the header and lines of a draft, and the
filters of the lines to order. They only validate input; purchasing.services.requisitions checks
the rules (units of the item, active suppliers) and its errors are shown beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms.documents import DATE, LineForm, UnitChoiceField, item_field, line_formset, quantity_field
from purchasing import status as st


class SupplierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


def small_widgets(form):
    for field in form.fields.values():
        select = isinstance(field.widget, forms.Select)
        field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"


class RequisitionFilterForm(forms.Form):
    q = forms.CharField(label=_("Number"), required=False, widget=forms.SearchInput)
    status = forms.ChoiceField(label=_("Status"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None, required=False,
                                       empty_label=_("All warehouses"))
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *st.RequisitionStatus.choices]
        self.fields["source"].choices = [("", _("All sources")), *st.RequisitionSource.choices]
        self.fields["warehouse"].queryset = warehouses
        small_widgets(self)


class RequisitionForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Deliver to warehouse"), queryset=None)
    document_date = forms.DateField(label=_("Date"), required=False, **DATE)

    def __init__(self, *args, querysets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = querysets["warehouses"]
        self.fields["notes"] = forms.CharField(label=_("Notes"), required=False,
                                               widget=forms.Textarea(attrs={"rows": 2}))


class RequisitionLineForm(LineForm):
    QUERYSETS = {"item": "items", "unit": "units", "supplier": "suppliers"}
    item = item_field()
    quantity = quantity_field(_("Quantity"))
    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("base unit"))
    required_date = forms.DateField(label=_("Required date"), required=False, **DATE)
    supplier = SupplierChoiceField(label=_("Suggested supplier"), queryset=None, required=False,
                                   empty_label=_("preferred supplier"))
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)


RequisitionLineFormSet = line_formset(RequisitionLineForm)


class OpenLinesFilterForm(forms.Form):
    """The filters of the lines to order."""

    item = forms.CharField(label=_("Item code"), required=False, widget=forms.SearchInput)
    supplier = SupplierChoiceField(label=_("Supplier"), queryset=None, required=False, empty_label=_("All suppliers"))
    source = forms.ChoiceField(label=_("Source"), required=False)
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None, required=False,
                                       empty_label=_("All warehouses"))
    required_before = forms.DateField(label=_("Required by"), required=False, **DATE)

    def __init__(self, *args, suppliers, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers
        self.fields["warehouse"].queryset = warehouses
        self.fields["source"].choices = [("", _("All sources")), *st.RequisitionSource.choices]
        small_widgets(self)


class ConsolidateForm(forms.Form):
    """What "Create purchase orders" posts: the ticked lines, an order date and optionally one supplier."""

    lines = forms.TypedMultipleChoiceField(label=_("Lines"), coerce=int, error_messages={
        "required": _("Tick at least one line.")})
    order_date = forms.DateField(label=_("Order date"), required=False, **DATE)
    supplier = SupplierChoiceField(label=_("Order every ticked line from"), queryset=None, required=False,
                                   empty_label=_("each line's supplier"))

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers
        self.fields["lines"].choices = [(v, v) for v in self.data.getlist("lines") if str(v).isdigit()] \
            if hasattr(self.data, "getlist") else []
