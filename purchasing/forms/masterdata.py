"""Forms of the supplier master-data screens: suppliers and their contacts, supplier items with their
price breaks, the purchasing settings and the list filters. Forms validate input; the views hand the
cleaned values to ``purchasing.services`` (never ``.save()``)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from erp.imports import fmt_decimal
from erp.money import LINE_QTY, PRICE
from inventory import status as inventory_status
from inventory.forms.masterdata import ACTIVE_CHOICES, CodeUniqueMixin, FilterForm, no_form_tag, yes_no
from inventory.models import Item, UnitOfMeasure
from purchasing.models import PurchasingSettings, Supplier, SupplierContact, SupplierItem
from purchasing.selectors import suppliers as selectors
from sales.models import PaymentTerm, TaxCode

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
YES_NO_CHOICES = [("", _("All")), ("1", _("Yes")), ("0", _("No"))]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


# Filters ---------------------------------------------------------------------------------------


class SupplierFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code, name or tax id"), "type": "search"}))
    buyer = UserChoiceField(label=_("Buyer"), queryset=None, required=False, empty_label=_("All buyers"))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if selectors.sees_all_suppliers(user):
            self.fields["buyer"].queryset = selectors.buyers(user)
        else:
            del self.fields["buyer"]  # a buyer sees only their own suppliers anyway

    def selector_kwargs(self):
        data = self.filter_values()
        return {"search": (data.get("q") or "").strip(), "buyer": data.get("buyer"),
                "active": yes_no(data.get("active"))}


class SupplierItemFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"placeholder": _("Item, supplier or part number"), "type": "search"}))
    item = forms.CharField(label=_("Item code"), required=False)
    supplier = forms.CharField(label=_("Supplier code"), required=False)
    preferred = forms.ChoiceField(label=_("Preferred"), required=False, choices=YES_NO_CHOICES)
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def selector_kwargs(self):
        data = self.filter_values()
        return {"search": (data.get("q") or "").strip(), "item_code": (data.get("item") or "").strip(),
                "supplier_code": (data.get("supplier") or "").strip(),
                "preferred": yes_no(data.get("preferred")), "active": yes_no(data.get("active"))}


# Suppliers -------------------------------------------------------------------------------------


def active_or_current(model, company, current_id):
    return model.objects.filter(Q(is_active=True) | Q(pk=current_id), company=company).order_by("code")


SUPPLIER_FIELDS = [
    "code", "name", "short_name", "tax_id", "address", "remit_to_address", "phone", "email", "payment_term",
    "tax_code", "currency", "lead_time_days", "buyer", "is_active", "notes",
]


class SupplierForm(CodeUniqueMixin, forms.ModelForm):
    """The supplier's fields. Only a user who sees every supplier (the Purchasing manager) picks the
    buyer; a buyer's new supplier is their own (the service decides)."""

    code_model = Supplier

    class Meta:
        model = Supplier
        fields = SUPPLIER_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 2}), "remit_to_address": forms.Textarea(attrs={"rows": 2}),
                   "notes": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"buyer": UserChoiceField}

    def __init__(self, *args, company, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        instance = self.instance
        self.fields["payment_term"].queryset = active_or_current(PaymentTerm, company, instance.payment_term_id)
        self.fields["tax_code"].queryset = active_or_current(TaxCode, company, instance.tax_code_id)
        currencies = [company.base_currency or "TWD"]
        if instance.pk and instance.currency not in currencies:
            currencies.append(instance.currency)
        self.fields["currency"] = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in currencies],
                                                    initial=currencies[0])
        if selectors.sees_all_suppliers(user):
            buyers = get_user_model().objects.filter(Q(pk__in=selectors.buyers(user).values("pk"))
                                                     | Q(pk=instance.buyer_id))
            self.fields["buyer"].queryset = buyers.order_by("username")
            self.fields["buyer"].empty_label = _("(no buyer)")
        else:
            del self.fields["buyer"]
        if instance.pk is None:
            del self.fields["is_active"]
        no_form_tag(self)

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in SUPPLIER_FIELDS if name in self.fields}


class SupplierContactForm(forms.ModelForm):
    class Meta:
        model = SupplierContact
        fields = ["name", "title", "phone", "email", "is_primary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "is_primary":
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        no_form_tag(self)


# Supplier items --------------------------------------------------------------------------------

SUPPLIER_ITEM_FIELDS = ["supplier", "item", "unit", "supplier_part_number", "min_order_quantity", "order_multiple",
                        "lead_time_days", "is_preferred", "valid_from", "valid_to", "is_active"]


class CodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {getattr(obj, 'name', '')}".strip()


class SupplierItemForm(forms.ModelForm):
    class Meta:
        model = SupplierItem
        fields = SUPPLIER_ITEM_FIELDS
        widgets = {"valid_from": DATE["widget"], "valid_to": DATE["widget"]}
        field_classes = {"supplier": CodeChoiceField, "item": CodeChoiceField, "unit": CodeChoiceField}

    def __init__(self, *args, company, user, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["supplier"].queryset = selectors.suppliers_for_user(user).filter(
            Q(is_active=True) | Q(pk=instance.supplier_id)).order_by("code")
        buyable = Q(procurement=inventory_status.Procurement.BUY) | Q(item_type=inventory_status.ItemType.SERVICE)
        self.fields["item"].queryset = Item.objects.filter(
            (Q(is_active=True) & buyable) | Q(pk=instance.item_id), company=company).order_by("code")
        self.fields["unit"].queryset = UnitOfMeasure.objects.filter(company=company).order_by("code")
        self.fields["unit"].required = False
        self.fields["unit"].help_text = _("The item's base unit or one of its alternative units; empty: the base unit.")
        if instance.pk is not None:
            self.fields["supplier"].disabled = True
        else:
            del self.fields["is_active"]
        for name in ("min_order_quantity", "order_multiple"):
            self.fields[name].widget.attrs.update({"step": "any", "min": 0})
        no_form_tag(self)

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data

    def service_fields(self):
        fields = {name: self.cleaned_data[name] for name in SUPPLIER_ITEM_FIELDS
                  if name in self.fields and name != "supplier"}
        if fields.get("unit") is None:
            fields.pop("unit", None)
            if self.instance.pk is None and fields.get("item") is not None:
                fields["unit"] = fields["item"].base_unit
        return fields


class SupplierPriceForm(forms.Form):
    min_quantity = forms.DecimalField(label=_("From quantity"), required=False, **LINE_QTY)
    price = forms.DecimalField(label=_("Unit price"), **PRICE)
    valid_from = forms.DateField(label=_("Valid from"), required=False, **DATE)
    valid_to = forms.DateField(label=_("Valid to"), required=False, **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-control form-control-sm" + (
                " num" if name in ("min_quantity", "price") else ""))
            if name in ("min_quantity", "price"):
                field.widget.attrs.setdefault("step", "any")

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is not None and price < 0:
            raise forms.ValidationError(_("The price must not be negative."), code="min_value")
        return price

    def clean_min_quantity(self):
        value = self.cleaned_data.get("min_quantity")
        if value is not None and value < 0:
            raise forms.ValidationError(_("The quantity must not be negative."), code="min_value")
        return value

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data


class BaseSupplierPriceFormSet(forms.BaseFormSet):
    """The price breaks of one supplier item: kept rows unless ticked for removal; new empty rows ignored."""

    def kept_forms(self):
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form)
        return kept

    def prices(self):
        return [{"min_quantity": f.cleaned_data.get("min_quantity") or 0, "price": f.cleaned_data["price"],
                 "valid_from": f.cleaned_data.get("valid_from"), "valid_to": f.cleaned_data.get("valid_to")}
                for f in self.kept_forms()]

    def add_non_form_error(self, message):
        self._non_form_errors.append(str(message))


SupplierPriceFormSet = forms.formset_factory(SupplierPriceForm, formset=BaseSupplierPriceFormSet, extra=3,
                                             can_delete=True, max_num=500, validate_max=True, absolute_max=500)


def price_formset(data=None, *, supplier_item=None):
    initial = []
    if supplier_item is not None and supplier_item.pk is not None:
        initial = [{"min_quantity": fmt_decimal(p.min_quantity), "price": fmt_decimal(p.price),
                    "valid_from": p.valid_from, "valid_to": p.valid_to}
                   for p in supplier_item.prices.order_by("min_quantity", "valid_from", "pk")]
    return SupplierPriceFormSet(data, prefix="prices", initial=initial)


# Settings --------------------------------------------------------------------------------------

SETTINGS_FIELDS = ["over_receipt_percent", "invoice_tolerance_percent", "invoice_tolerance_amount",
                   "default_lead_time_days"]


class PurchasingSettingsForm(forms.ModelForm):
    class Meta:
        model = PurchasingSettings
        fields = SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SETTINGS_FIELDS[:3]:
            self.fields[name].widget.attrs.update({"step": "any", "min": 0})
        no_form_tag(self)
