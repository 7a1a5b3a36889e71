"""Forms of the sales master-data screens: customers and their contacts, tax codes, payment terms, price
lists and their prices, and the list filters. Forms validate input; the views hand the cleaned values to
``sales.services.masterdata`` (never ``.save()``)."""


from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from erp.codes import CODE_MAX_LENGTH, normalise_code
from erp.imports import fmt_decimal
from erp.money import LINE_QTY, PRICE
from inventory.forms.masterdata import ACTIVE_CHOICES, CodeUniqueMixin, FilterForm, no_form_tag, yes_no
from inventory.models import Item, ItemUnit, UnitOfMeasure
from sales import selectors
from sales.models import Customer, CustomerContact, PaymentTerm, PriceList, TaxCode
from sales.scoping import may_manage_terms

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

# Filters ---------------------------------------------------------------------------------------


class CustomerFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code, name or tax id"), "type": "search"}))
    owner = forms.ModelChoiceField(label=_("Sales rep"), queryset=None, required=False, empty_label=_("All reps"))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if selectors.sees_all_customers(user):
            self.fields["owner"].queryset = selectors.sales_reps(user)
        else:
            del self.fields["owner"]  # a rep sees only their own customers anyway

    def selector_kwargs(self):
        data = self.filter_values()
        return {"search": (data.get("q") or "").strip(), "owner": data.get("owner"),
                "active": yes_no(data.get("active"))}


class SearchFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def apply(self, rows):
        data = self.filter_values()
        if search := (data.get("q") or "").strip():
            rows = rows.filter(Q(code__icontains=search) | Q(name__icontains=search))
        if (active := yes_no(data.get("active"))) is not None:
            rows = rows.filter(is_active=active)
        return rows


class PriceFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Item code or name"), "type": "search"}))

    def apply(self, rows):
        if search := (self.filter_values().get("q") or "").strip():
            rows = rows.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
        return rows


# Customers -------------------------------------------------------------------------------------


class RepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def currency_choices(company, current=None):
    codes = [company.base_currency or "TWD"]
    if current and current not in codes:
        codes.append(current)
    return [(code, code) for code in codes]


def active_or_current(model, company, current_id):
    """The company's active records of ``model``, plus the one already chosen (even if inactive)."""
    return model.objects.filter(Q(is_active=True) | Q(pk=current_id), company=company).order_by("code")


CUSTOMER_FIELDS = [
    "code", "name", "short_name", "tax_id", "billing_address", "shipping_address", "phone", "email",
    "payment_term", "currency", "credit_limit", "price_list", "tax_code", "owner", "is_active", "notes",
]


class CustomerForm(CodeUniqueMixin, forms.ModelForm):
    """The customer's fields. Only a user who may manage the commercial terms (a sales manager) picks
    the rep and changes the credit limit, price list and payment term; a rep's new customer is their
    own (the service decides)."""

    code_model = Customer

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {
            "billing_address": forms.Textarea(attrs={"rows": 2}),
            "shipping_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"owner": RepChoiceField}

    def __init__(self, *args, company, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        instance = self.instance
        self.fields["payment_term"].queryset = active_or_current(PaymentTerm, company, instance.payment_term_id)
        self.fields["price_list"].queryset = active_or_current(PriceList, company, instance.price_list_id)
        self.fields["tax_code"].queryset = active_or_current(TaxCode, company, instance.tax_code_id)
        self.fields["currency"] = forms.ChoiceField(
            label=_("Currency"), choices=currency_choices(company, instance.currency if instance.pk else None),
            initial=company.base_currency or "TWD")
        if may_manage_terms(user):
            reps = get_user_model().objects.filter(Q(pk__in=selectors.sales_reps(user).values("pk"))
                                             | Q(pk=instance.owner_id))
            self.fields["owner"].queryset = reps.order_by("username")
            self.fields["owner"].empty_label = _("(no sales rep)")
            self.fields["owner"].label = _("Sales rep")
        else:
            del self.fields["owner"]
        if instance.pk is None:
            del self.fields["is_active"]  # a new customer starts active
        if not may_manage_terms(user):
            # Shown as they are, not taken from the post: the sales manager's (the service refuses too).
            for name in ("payment_term", "price_list", "tax_code", "credit_limit"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only a sales manager may change this.")
        self.fields["credit_limit"].widget.attrs.update({"step": "any", "min": 0})
        no_form_tag(self)

    def clean_credit_limit(self):
        value = self.cleaned_data.get("credit_limit")
        if value is not None and value < 0:
            raise ValidationError(_("The credit limit must not be negative."), code="min_value")
        return value

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in CUSTOMER_FIELDS if name in self.fields}


class ContactForm(forms.ModelForm):
    class Meta:
        model = CustomerContact
        fields = ["name", "title", "phone", "email", "is_primary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "is_primary":
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        no_form_tag(self)


# Tax codes and payment terms ---------------------------------------------------------------------


class TaxCodeForm(CodeUniqueMixin, forms.ModelForm):
    code_model = TaxCode

    class Meta:
        model = TaxCode
        fields = ["code", "name", "rate", "is_default", "is_active"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        self.fields["rate"].widget.attrs.update({"step": "any", "min": 0, "max": 100})
        if self.instance_pk is None:
            del self.fields["is_active"]
        no_form_tag(self)


class PaymentTermForm(CodeUniqueMixin, forms.ModelForm):
    code_model = PaymentTerm

    class Meta:
        model = PaymentTerm
        fields = ["code", "name", "days", "end_of_month", "is_active"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        if self.instance_pk is None:
            del self.fields["is_active"]
        no_form_tag(self)


# Price lists -------------------------------------------------------------------------------------

PRICE_LIST_FIELDS = ["code", "name", "currency", "is_default", "valid_from", "valid_to", "notes", "is_active"]


class PriceListForm(CodeUniqueMixin, forms.ModelForm):
    code_model = PriceList

    class Meta:
        model = PriceList
        fields = PRICE_LIST_FIELDS
        widgets = {"valid_from": DATE["widget"], "valid_to": DATE["widget"],
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        self.fields["currency"] = forms.ChoiceField(
            label=_("Currency"), initial=company.base_currency or "TWD",
            choices=currency_choices(company, self.instance.currency if self.instance_pk else None))
        if self.instance_pk is None:
            del self.fields["is_active"]
        no_form_tag(self)

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in PRICE_LIST_FIELDS if name in self.fields}


class PriceForm(forms.Form):
    """One price: the item typed by its code, the unit one of the item's units (checked by the formset,
    which reads every item and unit of the page at once)."""

    item = forms.CharField(label=_("Item code"), max_length=CODE_MAX_LENGTH)
    unit = forms.ChoiceField(label=_("Unit"))
    min_quantity = forms.DecimalField(label=_("From quantity"), required=False, min_value=0, **LINE_QTY)
    price = forms.DecimalField(label=_("Unit price"), min_value=0, **PRICE)
    valid_from = forms.DateField(label=_("Valid from"), required=False, **DATE)
    valid_to = forms.DateField(label=_("Valid to"), required=False, **DATE)

    def __init__(self, *args, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = unit_choices
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-control form-control-sm" + (
                    " num" if name in ("min_quantity", "price") else ""))
            if name in ("min_quantity", "price"):
                widget.attrs.setdefault("step", "any")

    def clean_item(self):
        return normalise_code(self.cleaned_data.get("item", ""))

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data


class BasePriceFormSet(forms.BaseFormSet):
    """The prices of one price list. Rows already saved are kept unless ticked for removal; new rows
    left empty are ignored. Items and their units are read in two queries for the whole page."""

    def __init__(self, *args, company, **kwargs):
        self.company = company
        units = list(UnitOfMeasure.objects.filter(company=company).order_by("code"))
        self.units_by_code = {unit.code: unit for unit in units}
        choices = [("", "---------")] + [(unit.code, unit.code) for unit in units]
        kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "unit_choices": choices}
        super().__init__(*args, **kwargs)
        self.kept = []

    def kept_forms(self):
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form)
        return kept

    def clean(self):
        forms_ = self.kept_forms()
        self.kept = forms_
        checked = [form for form in forms_ if not form.errors]  # the others show their own errors already
        codes = {form.cleaned_data["item"] for form in checked}
        items = {item.code: item for item in Item.objects.filter(company=self.company, code__in=codes)}
        units_of = {item.pk: {item.base_unit_id} for item in items.values()}
        for item_id, unit_id in ItemUnit.objects.filter(item__in=list(items.values())).values_list("item_id",
                                                                                                 "unit_id"):
            units_of[item_id].add(unit_id)
        seen = {}
        initial_forms = set(self.forms[:self.initial_form_count()])
        for form in checked:
            data = form.cleaned_data
            item = items.get(data["item"])
            unit = self.units_by_code.get(data["unit"])
            if item is None:
                form.add_error("item", _("No item has this code."))
                continue
            # An inactive item keeps the prices it has; it gets no new ones.
            if not item.is_active and (form not in initial_forms or "item" in form.changed_data):
                form.add_error("item", _("Item %(code)s is inactive.") % {"code": item.code})
                continue
            if unit is None or unit.pk not in units_of[item.pk]:
                form.add_error("unit", _("%(item)s has no unit %(unit)s.") % {"item": item.code,
                                                                               "unit": data["unit"]})
                continue
            key = (item.pk, unit.pk, data.get("min_quantity") or 0, data.get("valid_from"))
            if key in seen:
                form.add_error("min_quantity", _("The same item, unit, quantity break and start date appear "
                                                 "twice."))
                continue
            seen[key] = form
            data["item_obj"], data["unit_obj"] = item, unit

    def prices(self):
        """[{item, unit, price, min_quantity, valid_from, valid_to}] as price_list_save takes them."""
        return [{"item": f.cleaned_data["item_obj"], "unit": f.cleaned_data["unit_obj"],
                 "price": f.cleaned_data["price"], "min_quantity": f.cleaned_data.get("min_quantity") or 0,
                 "valid_from": f.cleaned_data.get("valid_from"), "valid_to": f.cleaned_data.get("valid_to")}
                for f in self.kept]

    def add_non_form_error(self, message):
        self._non_form_errors.append(str(message))


PriceFormSet = forms.formset_factory(PriceForm, formset=BasePriceFormSet, extra=5, can_delete=True,
                                     max_num=5000, validate_max=True, absolute_max=5000)


def price_formset(data=None, *, price_list):
    initial = [
        {"item": p.item.code, "unit": p.unit.code, "min_quantity": fmt_decimal(p.min_quantity),
         "price": fmt_decimal(p.price), "valid_from": p.valid_from, "valid_to": p.valid_to}
        for p in price_list.prices.select_related("item", "unit").order_by("item__code", "unit__code",
                                                                            "min_quantity", "valid_from")
    ]
    return PriceFormSet(data, prefix="prices", initial=initial, company=price_list.company)
