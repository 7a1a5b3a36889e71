"""Forms of the inventory master-data screens (items, units, warehouses, locations, lots) and the
filter forms of the stock reports. Forms validate input; the views hand ``cleaned_data`` to the
services in ``inventory.services.masterdata``."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from erp.codes import CODE_MAX_LENGTH, normalise_code
from erp.errors import DomainError
from erp.money import QTY
from inventory import selectors
from inventory import status as st
from inventory.models import Item, ItemCategory, Location, UnitOfMeasure, Warehouse

YES_NO = [("", _("All")), ("1", _("Yes")), ("0", _("No"))]
ACTIVE_CHOICES = [("", _("All")), ("1", _("Active")), ("0", _("Inactive"))]


def yes_no(value):
    """'1' -> True, '0' -> False, '' -> None (no filter)."""
    return {"1": True, "0": False}.get(value)


def no_form_tag(form):
    form.helper = FormHelper()
    form.helper.form_tag = False
    return form


def add_service_error(form, error, *, formset=None, formset_field="units"):
    """Show a DomainError or ValidationError raised by a service beside the field it names (or above
    the form when it names none the form has). ``formset``: where errors about ``formset_field`` go."""
    if isinstance(error, DomainError):
        field = error.field
        if formset is not None and field == formset_field:
            formset.add_non_form_error(error.message)
        else:
            form.add_error(field if field in form.fields else None, str(error.message))
        return
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def add_conflict_error(form):
    """A unique constraint hit by someone saving the same code at the same moment (the form's own
    check passed a moment earlier)."""
    form.add_error(None, _("Someone else saved the same code or barcode at the same time. Check and save again."))


class CodeUniqueMixin:
    """A readable 'code already used' message beside the code field (the database constraint covers
    the company too, which the form does not show, so the model's own check would name no field)."""

    code_model = None

    def clean_code(self):
        code = normalise_code(self.cleaned_data.get("code", ""))
        existing = self.code_model.objects.filter(company=self.company, code=code)
        if self.instance_pk is not None:
            existing = existing.exclude(pk=self.instance_pk)
        if code and existing.exists():
            raise ValidationError(_("The code %(code)s is already used."), code="duplicate", params={"code": code})
        return code


class FilterForm(forms.Form):
    """A GET filter above a list: small Bootstrap inputs, invalid values simply not applied."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")

    def filter_values(self):
        """The valid filter values (an invalid one is shown with its error and ignored)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


# Items ----------------------------------------------------------------------------------------


class ItemFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code, name or barcode"), "type": "search"}))
    category = forms.ModelChoiceField(label=_("Category"), queryset=ItemCategory.objects.none(), required=False,
                                      empty_label=_("All categories"))
    item_type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *st.ItemType.choices])
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)
    lot_tracked = forms.ChoiceField(label=_("Lot tracked"), required=False, choices=YES_NO)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ItemCategory.objects.filter(company=company).order_by("code")

    def selector_kwargs(self):
        data = self.filter_values()
        return {
            "search": (data.get("q") or "").strip(),
            "category": data.get("category"),
            "item_type": data.get("item_type") or None,
            "active": yes_no(data.get("active")),
            "lot_tracked": yes_no(data.get("lot_tracked")),
        }


LOT_SIZING_FIELDS = ("lot_sizing", "lot_size", "lot_minimum", "lot_multiple")
ITEM_FIELDS = [
    "code", "name", "specification", "category", "item_type", "procurement", "base_unit", "standard_cost",
    "reorder_point", "safety_stock", "lead_time_days", "lot_sizing", "lot_size", "lot_minimum", "lot_multiple",
    "lot_tracked", "shelf_life_days", "barcode", "default_warehouse", "is_active",
]


class ItemForm(CodeUniqueMixin, forms.ModelForm):
    """The item's own fields. Saved by services.masterdata.item_create / item_update, never by .save()."""

    code_model = Item

    class Meta:
        model = Item
        fields = ITEM_FIELDS

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        self.fields["category"].queryset = ItemCategory.objects.filter(company=company).order_by("code")
        # Inactive choices are offered no more, except the ones the item already uses.
        self.fields["base_unit"].queryset = UnitOfMeasure.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.base_unit_id), company=company)
        self.fields["default_warehouse"].queryset = Warehouse.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.default_warehouse_id), company=company)
        # MRP's lot sizing: left empty, lot for lot with no sizes (as a new item has them).
        for name in LOT_SIZING_FIELDS:
            self.fields[name].required = False
        for name in LOT_SIZING_FIELDS[1:]:
            self.fields[name].widget.attrs.update({"step": "any", "min": 0})
        no_form_tag(self)

    def clean_barcode(self):
        barcode = (self.cleaned_data.get("barcode") or "").strip()
        if barcode:
            existing = Item.objects.filter(company=self.company, barcode=barcode)
            if self.instance_pk is not None:
                existing = existing.exclude(pk=self.instance_pk)
            if existing.exists():
                raise ValidationError(_("Another item already has this barcode."), code="duplicate")
        return barcode

    def clean(self):
        data = super().clean()
        if not data.get("lot_sizing") and "lot_sizing" not in self.errors:
            data["lot_sizing"] = st.LotSizing.LOT_FOR_LOT
        for name in LOT_SIZING_FIELDS[1:]:
            if data.get(name) is None and name not in self.errors:
                data[name] = Decimal("0")
        # MRP's lot sizing, beside the field (the same rule as services.masterdata.check_lot_sizing).
        if data.get("lot_sizing") == st.LotSizing.FIXED and "lot_size" not in self.errors \
                and not (data.get("lot_size") or 0) > 0:
            self.add_error("lot_size", _("A fixed lot size must be greater than zero."))
        return data

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in ITEM_FIELDS}


class ItemUnitForm(forms.Form):
    """One alternative unit: 1 ``unit`` = ``factor`` base units. A row left empty is ignored."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=UnitOfMeasure.objects.none(), required=False)
    factor = forms.DecimalField(label=_("Base units per unit"), required=False,
                                widget=forms.NumberInput(attrs={"step": "any", "class": "num"}), **QTY)

    def __init__(self, *args, company, in_use=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = UnitOfMeasure.objects.filter(Q(is_active=True) | Q(pk__in=list(in_use)),
                                                                    company=company)

    def clean(self):
        data = super().clean()
        unit, factor = data.get("unit"), data.get("factor")
        if unit is None and factor is None:
            return data
        if unit is None and "unit" not in self.errors:
            self.add_error("unit", _("Choose the unit."))
        if factor is None and "factor" not in self.errors:
            self.add_error("factor", _("Give the number of base units in one of this unit."))
        elif factor is not None and factor <= 0:
            self.add_error("factor", _("The conversion factor must be greater than zero."))
        return data


class BaseItemUnitFormSet(forms.BaseFormSet):
    base_unit = None  # set by the view from the item form before validation

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            unit = form.cleaned_data.get("unit")
            if unit is None:
                continue
            if self.base_unit is not None and unit.pk == self.base_unit.pk:
                form.add_error("unit", _("The base unit needs no conversion."))
            elif unit.pk in seen:
                form.add_error("unit", _("Unit %(unit)s is listed twice.") % {"unit": unit.code})
            seen.add(unit.pk)

    def units(self):
        """[(UnitOfMeasure, factor)] as services.masterdata takes them."""
        return [(f.cleaned_data["unit"], f.cleaned_data["factor"]) for f in self.forms
                if f.cleaned_data.get("unit") is not None]

    def add_non_form_error(self, message):
        self._non_form_errors.append(str(message))


ItemUnitFormSet = forms.formset_factory(ItemUnitForm, formset=BaseItemUnitFormSet, extra=3, max_num=30,
                                        validate_max=True)


def item_unit_formset(data=None, *, company, item=None):
    initial = None
    if item is not None:
        initial = [{"unit": u.unit, "factor": u.factor.normalize()} for u in item.units.select_related("unit")]
    in_use = [row["unit"].pk for row in initial or ()]
    formset = ItemUnitFormSet(data, prefix="units", initial=initial,
                              form_kwargs={"company": company, "in_use": in_use})
    if initial:
        formset.extra = 2
    return formset


# Units of measure ------------------------------------------------------------------------------


class UnitFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)


class UnitForm(CodeUniqueMixin, forms.ModelForm):
    code_model = UnitOfMeasure

    class Meta:
        model = UnitOfMeasure
        fields = ["code", "name", "decimals", "is_active"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        self.fields["decimals"].validators.append(MaxValueValidator(6))
        self.fields["decimals"].widget.attrs["max"] = 6
        if self.instance_pk is None:
            del self.fields["is_active"]  # a new unit starts active
        no_form_tag(self)


# Warehouses and locations ----------------------------------------------------------------------


class WarehouseFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)


class WarehouseForm(CodeUniqueMixin, forms.Form):
    code_model = Warehouse
    instance_pk = None

    code = forms.CharField(label=_("Code"), max_length=CODE_MAX_LENGTH)
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        no_form_tag(self)


class LocationForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=CODE_MAX_LENGTH)
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ModelChoiceField(label=_("Parent"), queryset=Location.objects.none(), required=False,
                                    empty_label=_("(top level)"))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, warehouse, location=None, **kwargs):
        if location is not None:
            kwargs.setdefault("initial", {"code": location.code, "name": location.name,
                                          "parent": location.parent_id, "is_active": location.is_active})
        super().__init__(*args, **kwargs)
        self.warehouse, self.location = warehouse, location
        parents = Location.objects.filter(warehouse=warehouse, kind=st.LocationKind.INTERNAL).select_related(
            "warehouse").order_by("code")
        if location is not None:
            parents = parents.exclude(pk__in=descendant_ids(location))
        else:
            del self.fields["is_active"]  # a new location starts active
        self.fields["parent"].queryset = parents
        no_form_tag(self)

    def clean_code(self):
        code = normalise_code(self.cleaned_data.get("code", ""))
        existing = Location.objects.filter(warehouse=self.warehouse, code=code)
        if self.location is not None:
            existing = existing.exclude(pk=self.location.pk)
        if code and existing.exists():
            raise ValidationError(_("The code %(code)s is already used in this warehouse."), code="duplicate",
                                  params={"code": code})
        return code


def descendant_ids(location):
    """The location and every location below it (a location cannot move under its own child)."""
    children = {}
    for pk, parent_id in Location.objects.filter(warehouse_id=location.warehouse_id).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), [location.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


# Lots and reports ------------------------------------------------------------------------------


class ItemCodeField(forms.ModelChoiceField):
    """An item typed by its code (a select of every item would be far too long)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Item code"))
        kwargs.setdefault("required", False)
        super().__init__(queryset=Item.objects.none(), to_field_name="code", **kwargs)
        self.error_messages["invalid_choice"] = _("No item has this code.")

    def prepare_value(self, value):
        if isinstance(value, Item):
            return value.code
        return value

    def to_python(self, value):
        return super().to_python(normalise_code(value) if value else value)


class ScopedFilterForm(FilterForm):
    """A report filter whose item, warehouse and location choices are limited to what the user may see."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "item" in self.fields:
            self.fields["item"].queryset = Item.objects.restrict(user)
        if "warehouse" in self.fields:
            self.fields["warehouse"].queryset = selectors.warehouses_for_user(user).order_by("code")
        if "location" in self.fields:
            self.fields["location"].queryset = selectors.locations_for_user(user)


def warehouse_field():
    return forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False,
                                  empty_label=_("All warehouses"))


class LotFilterForm(ScopedFilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Lot number or item code"), "type": "search"}))
    item = ItemCodeField()


class StockFilterForm(ScopedFilterForm):
    item = ItemCodeField()
    warehouse = warehouse_field()
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), required=False,
                                      empty_label=_("All locations"))
    lot = forms.CharField(label=_("Lot number"), required=False, max_length=60)
    include_zero = forms.BooleanField(label=_("Include zero balances"), required=False)


class LedgerFilterForm(ScopedFilterForm):
    item = ItemCodeField()
    warehouse = warehouse_field()
    move_type = forms.ChoiceField(label=_("Move type"), required=False,
                                  choices=[("", _("All move types")), *st.MoveType.choices])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.CharField(label=_("Document"), required=False, max_length=60)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class LowStockFilterForm(ScopedFilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}))
    warehouse = warehouse_field()


class ValuationFilterForm(ScopedFilterForm):
    BY_CHOICES = [("item", _("By item")), ("warehouse", _("By warehouse"))]
    by = forms.ChoiceField(label=_("Group"), required=False, choices=BY_CHOICES, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Item code or name"), "type": "search"}))
    warehouse = warehouse_field()

