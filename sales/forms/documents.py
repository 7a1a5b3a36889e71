"""Forms of the sales document screens: list filters, quotation and order headers, the line formset
(item chosen through the htmx lookup) and the credit approval note.

The forms check what can be told beside a field (an inactive item, a quantity of zero, a unit the
item lacks, a negative price, a requested date in the past); every rule is enforced again by
sales.services, whose refusals the views show beside the field they name.

Choices of the lines (items, units, tax codes) are loaded once per formset (``LineContext``),
not once per row: a 20-line order validates with a fixed number of queries.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from erp.document_screens import LineFormSet as DocumentLineFormSet
from erp.money import LINE_QTY, PRICE, RATE, DecimalSpec, format_number
from inventory.models import Item, ItemUnit, UnitOfMeasure, Warehouse
from sales.models import Customer
from sales.scoping import may_manage_terms
from sales.selectors import (
    customers_for_user,
    payment_terms_for_user,
    sales_reps,
    tax_codes_for_user,
)

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MAX_LINES = 500
CUSTOMER_SELECT_LIMIT = 200  # more customers than this: a search box instead of a select


def style(form):
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control form-control-sm")


# List filters --------------------------------------------------------------------------------


class DocumentFilterForm(forms.Form):
    """Filters of the quotation and order lists; the values are the selectors' keyword arguments."""

    OPEN = "open"

    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Number, customer or reference")}))
    customer = forms.CharField(label=_("Customer code"), required=False, max_length=60)
    rep = forms.ModelChoiceField(label=_("Sales rep"), queryset=None, required=False, empty_label=_("All reps"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)
    late = forms.BooleanField(label=_("Late"), required=False)
    ship_today = forms.BooleanField(label=_("To ship today"), required=False)

    def __init__(self, *args, user, statuses, orders=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["rep"].queryset = sales_reps(user)
        choices = [("", _("All statuses"))]
        if orders:
            choices.append((self.OPEN, _("Open (to ship)")))
        self.fields["status"].choices = [*choices, *statuses]
        if not orders:
            del self.fields["late"], self.fields["ship_today"]
        style(self)

    def clean_customer(self):
        code = self.cleaned_data["customer"].strip()
        if not code:
            return None
        customer = customers_for_user(self.user).filter(code__iexact=code).first()
        if customer is None:
            raise forms.ValidationError(_("None of your customers has the code %(code)s."), params={"code": code})
        return customer

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def values(self):
        """The valid filters (a wrong one is shown with its error and ignored)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}


# Document headers ----------------------------------------------------------------------------


class CustomerField(forms.ModelChoiceField):
    """Offers the user's customers, accepts any customer of the company: the service then says
    why a customer cannot be used (inactive, another rep's) beside the field."""

    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class HeaderForm(forms.Form):
    """The header fields of a quotation or order, named as the service's keyword arguments."""

    customer = CustomerField(label=_("Customer"), queryset=Customer.objects.none())
    sales_rep = forms.ModelChoiceField(label=_("Sales rep"), queryset=None, required=False,
                                       empty_label=_("The customer's rep"))
    document_date = forms.DateField(label=_("Date"), initial=timezone.localdate, **DATE)
    customer_reference = forms.CharField(label=_("Customer reference"), max_length=100, required=False)
    payment_term = forms.ModelChoiceField(label=_("Payment term"), queryset=None, required=False,
                                          empty_label=_("The customer's terms"))
    ship_to = forms.CharField(label=_("Ship to"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Empty: the customer's shipping address."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, company, **kwargs):
        super().__init__(*args, **kwargs)
        customer = self.fields["customer"]
        customer.queryset = Customer.objects.filter(company=company)
        offered = list(customers_for_user(user).filter(is_active=True).order_by("code")
                       .only("pk", "code", "name")[:CUSTOMER_SELECT_LIMIT + 1])
        self.customer_lookup = len(offered) > CUSTOMER_SELECT_LIMIT
        if self.customer_lookup:
            # Too many to list (a sales manager's whole customer base): a search box (htmx) fills the field.
            customer.widget = forms.HiddenInput()
        else:
            customer.widget.choices = [("", "---------"), *((c.pk, f"{c.code} {c.name}") for c in offered)]
        if may_manage_terms(user):
            self.fields["sales_rep"].queryset = sales_reps(user)
            self.fields["payment_term"].queryset = payment_terms_for_user(user).filter(is_active=True)
        else:
            # A rep's documents are theirs or their customers' rep's, on the customer's terms (the
            # sales manager's to change; the service refuses too).
            del self.fields["sales_rep"], self.fields["payment_term"]
        style(self)

    def header(self):
        return dict(self.cleaned_data)

    def customer_label(self):
        """The chosen customer as text, for the search box of the lookup."""
        value = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        value = getattr(value, "pk", value)
        if not str(value or "").isdigit():
            return ""
        chosen = self.fields["customer"].queryset.filter(pk=int(value)).only("code", "name").first()
        return f"{chosen.code} {chosen.name}" if chosen else ""


class QuotationForm(HeaderForm):
    valid_until = forms.DateField(label=_("Valid until"), required=False, **DATE)

    field_order = ["customer", "sales_rep", "document_date", "valid_until", "customer_reference", "payment_term",
                   "ship_to", "notes"]


class OrderForm(HeaderForm):
    requested_date = forms.DateField(label=_("Requested date"), required=False, **DATE,
                                     help_text=_("For lines without a date of their own."))
    warehouse = forms.ModelChoiceField(label=_("Ship from warehouse"), queryset=None, required=False,
                                       empty_label=_("Default warehouse"))

    field_order = ["customer", "sales_rep", "document_date", "requested_date", "warehouse", "customer_reference",
                   "payment_term", "ship_to", "notes"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(company=company, is_active=True).order_by("code")


# Lines ---------------------------------------------------------------------------------------


@dataclass
class LineContext:
    """What the line forms choose from, loaded once: the items named by the rows (with their
    units), the company's units and tax codes, and whether the user may change prices."""

    items: dict = field(default_factory=dict)  # pk -> Item (base_unit loaded)
    item_units: dict = field(default_factory=dict)  # item pk -> [(unit, factor)]
    units: dict = field(default_factory=dict)  # pk -> UnitOfMeasure
    tax_codes: dict = field(default_factory=dict)  # pk -> TaxCode
    can_override: bool = False

    def units_of(self, item):
        return [(item.base_unit, None), *self.item_units.get(item.pk, [])]


def line_context(user, company, item_ids=()):
    ids = {int(pk) for pk in item_ids if str(pk).isdigit()}
    items = {}
    item_units = {}
    if ids and company is not None:
        items = {item.pk: item for item in Item.objects.filter(company=company, pk__in=ids).select_related("base_unit")}
        for row in ItemUnit.objects.filter(item_id__in=list(items)).select_related("unit").order_by("unit__code"):
            item_units.setdefault(row.item_id, []).append((row.unit, row.factor))
    units = {u.pk: u for u in UnitOfMeasure.objects.filter(company=company)} if company is not None else {}
    taxes = {t.pk: t for t in tax_codes_for_user(user).filter(is_active=True)} if company is not None else {}
    return LineContext(items=items, item_units=item_units, units=units, tax_codes=taxes,
                       can_override=user.has_perm("sales.override_price"))


def item_ids_in(data, prefix="lines"):
    """The item ids named by posted rows, to load them in one query."""
    if data is None:
        return []
    return [value for name, value in data.items() if name.startswith(f"{prefix}-") and name.endswith("-item")]


class ObjectChoiceField(forms.Field):
    """A choice among objects loaded once per formset (no query per row)."""

    widget = forms.Select
    default_error_messages = {"invalid_choice": _("Select a valid choice. That choice is not one of the available "
                                                  "choices.")}

    def __init__(self, *, empty_label="---------", **kwargs):
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.objects = {}

    def set_objects(self, objects, offered=None, label=str):
        self.objects = objects
        offered = objects.values() if offered is None else offered
        self.widget.choices = [("", self.empty_label), *((obj.pk, label(obj)) for obj in offered)]

    def prepare_value(self, value):
        return getattr(value, "pk", value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if hasattr(value, "pk"):
            return value
        try:
            obj = self.objects.get(int(value))
        except (TypeError, ValueError):
            obj = None
        if obj is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return obj

    def has_changed(self, initial, data):
        return str(self.prepare_value(initial) or "") != str(self.prepare_value(data) or "")


class ItemField(ObjectChoiceField):
    widget = forms.HiddenInput
    default_error_messages = {"invalid_choice": _("Choose an item from the list."),
                              "required": _("Choose an item from the list.")}


def decimal(label: str | Promise, spec: DecimalSpec, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, **spec, **kwargs)


class LineForm(forms.Form):
    item = ItemField(label=_("Item"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), widget=forms.NumberInput(attrs={"step": "any"}), **LINE_QTY)
    unit = ObjectChoiceField(label=_("Unit"), required=False)
    list_price = decimal(_("List price"), PRICE, widget=forms.HiddenInput)
    unit_price = decimal(_("Unit price"), PRICE, widget=forms.NumberInput(attrs={"step": "any"}))
    discount_percent = decimal(_("Discount (%)"), RATE, widget=forms.NumberInput(attrs={"step": "any"}))
    tax_code = ObjectChoiceField(label=_("Tax"), required=False, empty_label=_("default"))
    requested_date = forms.DateField(label=_("Requested date"), required=False, **DATE)

    def __init__(self, *args, context, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context
        self.fields["item"].set_objects(context.items)
        self.fields["tax_code"].set_objects(context.tax_codes, label=lambda t: t.code)
        self.amount = None
        item = self.current_item()
        self.item_label = f"{item.code} {item.name}" if item else (self.data.get(self.add_prefix("item_search"), "")
                                                                    if self.is_bound else "")
        units = self.fields["unit"]
        units.objects = context.units  # validation accepts any unit: the check below names the item's units
        if item is None:
            units.widget.choices = [("", "—")]
        else:  # any of the item's units, the base unit first
            base = item.base_unit.code
            units.widget.choices = [
                (unit.pk, unit.code if factor is None else f"{unit.code} (= {format_number(factor)} {base})")
                for unit, factor in context.units_of(item)]
        style(self)
        if item is not None:
            self.wire_htmx()
        if not context.can_override and not (item and self.list_price_missing()):
            # Prices come from the price list; sales.services refuses a changed price anyway.
            for name in ("unit_price", "discount_percent"):
                self.fields[name].widget.attrs["readonly"] = True
                self.fields[name].widget.attrs["tabindex"] = "-1"

    def wire_htmx(self):
        """Changing the quantity or the unit re-prices the line (quantity breaks, unit conversion)."""
        row = f"#row-{self.prefix}"
        for name in ("quantity", "unit"):
            self.fields[name].widget.attrs.update({
                "hx-get": reverse("sales:line_price"), "hx-trigger": "change", "hx-target": row,
                "hx-swap": "outerHTML", "hx-include": f"{row}, #id_customer, #id_document_date",
                "hx-vals": json.dumps({"prefix": self.prefix}),
            })

    def current_item(self):
        value = self.data.get(self.add_prefix("item")) if self.is_bound else self.initial.get("item")
        value = getattr(value, "pk", value)
        try:
            return self.context.items.get(int(value))
        except (TypeError, ValueError):
            return None

    def list_price_missing(self):
        value = self.data.get(self.add_prefix("list_price")) if self.is_bound else self.initial.get("list_price")
        return value in (None, "")

    def clean_item(self):
        item = self.cleaned_data["item"]
        if item is not None and not item.is_active:
            raise forms.ValidationError(_t("%(item)s is inactive and cannot be sold.") % {"item": item.code})
        return item

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity is not None and quantity <= 0:
            raise forms.ValidationError(capfirst(_t("the quantity must be greater than zero.")))
        return quantity

    def clean_unit_price(self):
        price = self.cleaned_data["unit_price"]
        if price is not None and price < 0:
            raise forms.ValidationError(capfirst(_t("the unit price must not be negative.")))
        return price

    def clean_discount_percent(self):
        discount = self.cleaned_data["discount_percent"]
        if discount is not None and not 0 <= discount <= 100:
            raise forms.ValidationError(capfirst(_t("the discount must be between 0 and 100 %.")))
        return discount

    def clean_requested_date(self):
        requested = self.cleaned_data["requested_date"]
        if requested is not None and requested < timezone.localdate():
            raise forms.ValidationError(_t("The requested date is in the past."))
        return requested

    def clean(self):
        data = super().clean()
        item, unit = data.get("item"), data.get("unit")
        if item is not None and unit is not None and unit.pk != item.base_unit_id and unit.pk not in {
                u.pk for u, _f in self.context.item_units.get(item.pk, [])}:
            self.add_error("unit", _t("%(item)s is not sold in %(unit)s: choose one of its units.")
                           % {"item": item.code, "unit": unit.code})
        return data

    def line(self):
        """The cleaned line as the dict sales.services takes. A price left as the list showed it is
        passed as None, so the service takes the list price valid for the document's customer and date."""
        data = self.cleaned_data
        return {
            "item": data["item"], "description": data.get("description") or "", "quantity": data["quantity"],
            "unit": data.get("unit") or data["item"].base_unit,
            "unit_price": entered_price(data.get("unit_price"), data.get("list_price")),
            "discount_percent": data.get("discount_percent") or 0, "tax_code": data.get("tax_code"),
            "requested_date": data.get("requested_date"),
        }


def entered_price(unit_price, list_price):
    """The price the user set, or None when it is the list price shown (or empty)."""
    if unit_price is None or (list_price is not None and unit_price == list_price):
        return None
    return unit_price


class LineFormSet(DocumentLineFormSet):
    """Lines of a draft: at least one. A row left empty (or ticked for removal) is not part of the document."""

    require_lines = True


LineFormSetClass = forms.formset_factory(LineForm, formset=LineFormSet, extra=1, can_delete=True,
                                         max_num=MAX_LINES, absolute_max=MAX_LINES)


def line_kwargs(request: HttpRequest, data: QueryDict | None, initial: list[dict[str, Any]] | None,
                shared: dict[str, Any]) -> dict[str, Any]:
    """Each line form's keyword arguments: what the rows choose from, loaded once for the formset."""
    ids = item_ids_in(data) if data is not None else [row["item"].pk for row in initial or ()]
    return {"context": line_context(shared["user"], shared["company"], ids)}


def single_line_form(user, company, prefix, initial):
    """One row, re-rendered after an item, unit or quantity change (htmx)."""
    item = initial.get("item")
    context = line_context(user, company, [item.pk] if item else [])
    return LineForm(prefix=prefix, initial=initial, context=context)


class CreditApprovalForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))
