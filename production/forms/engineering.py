"""Forms of the engineering screens: work centers (with a holiday of their calendar), routings with
their operations, the capacity filters and the list filters. Forms validate input; the views hand the
cleaned values to ``production.services.engineering`` (never ``.save()``)."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erp.imports import fmt_decimal
from inventory import status as inventory_status
from inventory.forms.masterdata import ACTIVE_CHOICES, CodeUniqueMixin, FilterForm, no_form_tag, yes_no
from inventory.models import Item, Warehouse
from production.models import Routing, WorkCenter, WorkCenterHoliday
from production.selectors import engineering as selectors

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]
MAX_WEEKS = 26


class CodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        label = f"{obj.code} {getattr(obj, 'name', '')}".strip()
        if not getattr(obj, "is_active", True):
            label = _("%(label)s (inactive)") % {"label": label}
        return label


# Filters ---------------------------------------------------------------------------------------


class WorkCenterFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}))
    warehouse = CodeChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False,
                                empty_label=_("All warehouses"))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(company=company).order_by("code")

    def selector_kwargs(self):
        data = self.filter_values()
        warehouse = data.get("warehouse")
        return {"search": (data.get("q") or "").strip(), "active": yes_no(data.get("active")),
                "warehouse_id": warehouse.pk if warehouse else None}


class RoutingFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Code, name or item"), "type": "search"}))
    item = forms.CharField(label=_("Item code"), required=False)
    work_center = CodeChoiceField(label=_("Work center"), queryset=WorkCenter.objects.none(), required=False,
                                  empty_label=_("All work centers"))
    active = forms.ChoiceField(label=_("Active"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_center"].queryset = selectors.work_centers_for_user(user).order_by("code")

    def selector_kwargs(self):
        data = self.filter_values()
        work_center = data.get("work_center")
        return {"search": (data.get("q") or "").strip(), "active": yes_no(data.get("active")),
                "item_code": (data.get("item") or "").strip().upper(),
                "work_center_id": work_center.pk if work_center else None}


class CapacityFilterForm(FilterForm):
    """Which work center (all active ones when empty), from which day, for how many weeks, by day or
    by week."""

    work_center = CodeChoiceField(label=_("Work center"), queryset=WorkCenter.objects.none(), required=False,
                                  empty_label=_("All active work centers"))
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    weeks = forms.IntegerField(label=_("Weeks"), required=False, min_value=1, max_value=MAX_WEEKS, initial=4)
    by = forms.ChoiceField(label=_("Show"), required=False,
                           choices=[("day", _("By day")), ("week", _("By week"))])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_center"].queryset = selectors.work_centers_for_user(user).order_by("code")

    def period(self) -> tuple[datetime.date, datetime.date]:
        data = self.filter_values()
        date_from = data.get("date_from") or timezone.localdate()
        weeks = data.get("weeks") or 4
        return date_from, date_from + datetime.timedelta(days=7 * weeks - 1)

    def work_center_ids(self):
        work_center = self.filter_values().get("work_center")
        return [work_center.pk] if work_center else None

    def by_week(self) -> bool:
        return self.filter_values().get("by") == "week"


# Work centers ----------------------------------------------------------------------------------

WORK_CENTER_FIELDS = ["code", "name", "capacity_hours", "working_weekdays", "efficiency_percent", "cost_rate",
                      "warehouse", "notes", "is_active"]


class WorkCenterForm(CodeUniqueMixin, forms.ModelForm):
    code_model = WorkCenter
    working_weekdays = forms.TypedMultipleChoiceField(
        label=_("Working days"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("The days it works; its holidays are kept in its calendar."))

    class Meta:
        model = WorkCenter
        fields = WORK_CENTER_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"warehouse": CodeChoiceField}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        if self.instance.pk is not None:
            self.initial["working_weekdays"] = list(self.instance.working_weekdays or [])
        self.fields["warehouse"].queryset = Warehouse.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.warehouse_id), company=company).order_by("code")
        for name in ("capacity_hours", "efficiency_percent", "cost_rate"):
            self.fields[name].widget.attrs.update({"step": "any", "min": 0})
        if self.instance.pk is None:
            del self.fields["is_active"]
        no_form_tag(self)

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in WORK_CENTER_FIELDS if name in self.fields}


class HolidayForm(forms.ModelForm):
    """A day of the work center's calendar that differs: closed (0 hours) or other hours."""

    class Meta:
        model = WorkCenterHoliday
        fields = ["date", "name", "capacity_hours"]
        widgets = {"date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["capacity_hours"].widget.attrs.update({"step": "any", "min": 0, "max": 24})
        self.fields["capacity_hours"].required = False
        no_form_tag(self)

    def validate_unique(self):
        pass  # the service says which date is already in the calendar, beside the date

    def service_fields(self):
        return {"date": self.cleaned_data["date"], "name": self.cleaned_data.get("name") or "",
                "capacity_hours": self.cleaned_data.get("capacity_hours")}


# Routings --------------------------------------------------------------------------------------

ROUTING_FIELDS = ["code", "name", "item", "notes", "is_active"]


class RoutingForm(CodeUniqueMixin, forms.ModelForm):
    code_model = Routing

    class Meta:
        model = Routing
        fields = ROUTING_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"item": CodeChoiceField}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance_pk = self.instance.pk
        made = Q(is_active=True, procurement=inventory_status.Procurement.MAKE)
        self.fields["item"].queryset = Item.objects.filter(made | Q(pk=self.instance.item_id),
                                                           company=company).order_by("code")
        self.fields["item"].help_text = _("The made item this routing produces.")
        if self.instance.pk is None:
            del self.fields["is_active"]
        no_form_tag(self)

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in ROUTING_FIELDS if name in self.fields}


class OperationForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sequence = forms.IntegerField(label=_("Sequence"), min_value=1, max_value=1_000_000)
    name = forms.CharField(label=_("Operation"), max_length=100)
    work_center = CodeChoiceField(label=_("Work center"), queryset=WorkCenter.objects.none())
    setup_minutes = forms.DecimalField(label=_("Setup (minutes)"), required=False, max_digits=12, decimal_places=2,
                                       min_value=0)
    run_minutes = forms.DecimalField(label=_("Run time per unit (minutes)"), required=False, max_digits=14,
                                     decimal_places=4, min_value=0)
    instructions = forms.CharField(label=_("Instructions"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 1}))

    def __init__(self, *args, work_centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_center"].queryset = work_centers
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("class", "form-control form-control-sm" + (
                    " num" if name in ("sequence", "setup_minutes", "run_minutes") else ""))
        for name in ("setup_minutes", "run_minutes"):
            self.fields[name].widget.attrs.update({"step": "any", "min": 0})

    def operation(self):
        data = self.cleaned_data
        return {"id": data.get("id"), "sequence": data["sequence"], "name": data["name"],
                "work_center": data["work_center"], "setup_minutes": data.get("setup_minutes"),
                "run_minutes": data.get("run_minutes"), "instructions": data.get("instructions") or ""}


class BaseOperationFormSet(forms.BaseFormSet):
    """The operations of a routing: kept rows unless ticked for removal; new empty rows ignored."""

    def __init__(self, *args, work_centers, **kwargs):
        self.work_centers = work_centers
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "work_centers": self.work_centers}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
                         use_required_attribute=False, work_centers=self.work_centers, renderer=self.renderer)
        self.add_fields(form, None)
        return form

    def kept_forms(self):
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form)
        return kept

    def operations(self):
        return [form.operation() for form in self.kept_forms()]

    def add_operation_error(self, error):
        """A service's refusal of one operation, beside that row (``error.index`` counts the kept rows)."""
        kept = self.kept_forms()
        if 0 <= error.index < len(kept):
            form = kept[error.index]
            field = error.line_field if error.line_field in form.fields else None
            form.add_error(field, error.line_message)
        else:
            self._non_form_errors.append(str(error.message))

    def add_non_form_error(self, message):
        self._non_form_errors.append(str(message))


OperationFormSet = forms.formset_factory(OperationForm, formset=BaseOperationFormSet, extra=3, can_delete=True,
                                         max_num=200, validate_max=True, absolute_max=200)


def operation_formset(data=None, *, routing=None, company):
    # Inactive work centers are listed too (marked): choosing one is refused by the service with its
    # reason beside the line, rather than as an unknown choice.
    work_centers = WorkCenter.objects.filter(company=company).order_by("-is_active", "code")
    initial = []
    if routing is not None and routing.pk is not None:
        initial = [{"id": op.pk, "sequence": op.sequence, "name": op.name, "work_center": op.work_center_id,
                    "setup_minutes": fmt_decimal(op.setup_minutes), "run_minutes": fmt_decimal(op.run_minutes),
                    "instructions": op.instructions}
                   for op in routing.operations.all()]
    return OperationFormSet(data, prefix="operations", initial=initial, work_centers=work_centers)
