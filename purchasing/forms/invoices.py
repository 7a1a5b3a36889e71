"""Forms of the supplier invoice screens: the list filter, the header (supplier, the supplier's
invoice number, dates, the supplier's tax figure) and the lines (which order line, quantity in its
unit, the supplier's price), and the reason a Purchasing manager accepts a mismatch."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.document_screens.forms import LineFormSet
from erp.money import LINE_QTY, MONEY, PRICE, RATE
from purchasing import status as st
from purchasing.forms.orders import SupplierCodeField

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def styled(form):
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select form-select-sm"
        elif not isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-control form-control-sm")


class SupplierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class OrderLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.order.reference}/{obj.line_no} {obj.item.code} {obj.item.name}"


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.SearchInput(
        attrs={"placeholder": _("Number, supplier's invoice number or supplier")}))
    supplier = SupplierCodeField()
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *st.InvoiceStatus.choices])
    match_status = forms.ChoiceField(label=_("Three-way match"), required=False,
                                     choices=[("", _("Any match")), *st.MatchStatus.choices])
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers
        styled(self)


class InvoiceHeaderForm(forms.Form):
    supplier = SupplierChoiceField(label=_("Supplier"), queryset=None)
    supplier_invoice_number = forms.CharField(label=_("Supplier's invoice number"), max_length=60)
    document_date = forms.DateField(label=_("Invoice date"), initial=timezone.localdate, **DATE)
    due_date = forms.DateField(label=_("Due date"), required=False,
                               help_text=_("Empty: from the supplier's payment term."), **DATE)
    tax_amount = forms.DecimalField(label=_("Tax"), required=False, min_value=0, **MONEY,
                                    help_text=_("The supplier's figure; empty: worked out from the lines."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, suppliers, order_lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers
        styled(self)


class InvoiceLineForm(forms.Form):
    order_line = OrderLineChoiceField(label=_("Order line"), queryset=None, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), required=False, **LINE_QTY,
                                  help_text=_("In the order line's unit."))
    unit_price = forms.DecimalField(label=_("Unit price"), required=False, **PRICE,
                                    help_text=_("Empty: the order's price."))
    tax_rate = forms.DecimalField(label=_("Tax rate (%)"), required=False, **RATE)

    def __init__(self, *args, order_lines, suppliers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_line"].queryset = order_lines
        styled(self)

    def line(self):
        return {name: self.cleaned_data.get(name) for name in ("order_line", "quantity", "unit_price", "tax_rate")}


InvoiceLineFormSet = forms.formset_factory(InvoiceLineForm, formset=LineFormSet, extra=1, can_delete=True,
                                           max_num=1000)
InvoiceLineFormSet.require_lines = True
