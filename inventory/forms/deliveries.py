"""Forms of the delivery note screens: the list filter and the pick sheet.

The pick sheet has one row per line of the note (where it is picked from and how much) and extra
rows that split the pick of an order line over another location or lot. Its select lists are built
once from lists the view gives (the note's warehouse locations, the lots of the note's items), so
validating a sheet of many rows costs no query per row. The rules themselves (location of the
note's warehouse, lot of the item, not more than the order still has to deliver) are checked by
inventory.services.deliveries, whose refusals the view shows above the sheet.
"""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from erp.formats import format_date
from erp.forms import CodedSelect
from inventory.forms.documents import DocumentFilterForm, quantity_field


class DeliveryFilterForm(DocumentFilterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Number, order or customer")


class ObjectChoiceField(forms.ChoiceField):
    """A select over a list of objects already loaded: cleans to the object (or None), no query.
    ``code_of`` gives each option the code a barcode scanner reads (location code, lot number)."""

    widget = CodedSelect

    def __init__(self, *, objects=(), label_of=str, empty_label="---------", **kwargs):
        super().__init__(**kwargs)
        self.set_objects(objects, label_of, empty_label)

    def set_objects(self, objects, label_of=str, empty_label="---------", code_of=None):
        self.objects = {str(obj.pk): obj for obj in objects}
        self.choices = [("", empty_label), *((str(obj.pk), label_of(obj)) for obj in objects)]
        self.widget.codes = {str(obj.pk): code_of(obj) for obj in objects} if code_of else {}

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(str(value)) if value not in (None, "") else None

    def has_changed(self, initial, data):
        initial = "" if initial is None else str(getattr(initial, "pk", initial))
        return initial != ("" if data is None else str(data))


def location_label(location):
    return f"{location.code} {location.name}"


def lot_label(lot):
    if lot.expires_on:
        return _("%(lot)s (expires %(date)s)") % {"lot": lot.number, "date": format_date(lot.expires_on)}
    return lot.number


@dataclass(frozen=True)
class OrderLineChoice:
    """A line of the note's source order, as the split rows offer it (``pk`` is the source line's id)."""

    pk: int
    line_no: int
    item: object


def order_line_label(order_line):
    return f"{order_line.line_no}: {order_line.item.code} {order_line.item.name}"


def order_line_choices(lines):
    """One choice per source line on the note, in the note's order."""
    choices = {}
    for line in lines:
        choices.setdefault(line.source_line_id, OrderLineChoice(line.source_line_id, line.source_line_no, line.item))
    return list(choices.values())


def picked_field():
    return quantity_field(_("Picked"), min_value=0, required=False,
                          widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal",
                                                                     "data-scan-quantity": ""}))


def location_code(location):
    return location.code


def lot_number(lot):
    return lot.number


def style(form):
    """Full-size fields: the pick sheet is worked on a phone or a handheld scanner (touch targets)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select"
        else:
            field.widget.attrs["class"] = "form-control num"


class PickLineForm(forms.Form):
    """One line of the note: where it is picked from and how much (empty = nothing picked)."""

    location = ObjectChoiceField(label=_("Location"), required=False)
    lot = ObjectChoiceField(label=_("Lot"), required=False)
    picked = picked_field()

    def __init__(self, *args, line, locations, lots, **kwargs):
        self.line = line
        initial = {"location": line.location_id or "", "lot": line.lot_id or "",
                   "picked": line.picked.normalize() if line.picked else None}
        super().__init__(*args, prefix=f"line-{line.pk}", initial=initial, **kwargs)
        self.fields["location"].set_objects(locations, location_label, code_of=location_code)
        self.fields["lot"].set_objects(lots, lot_label, empty_label=_("no lot"), code_of=lot_number)
        style(self)

    def service_line(self):
        data = self.cleaned_data
        return {"id": self.line.pk, "location": data["location"], "lot": data["lot"], "picked": data["picked"] or 0}


class SplitPickForm(forms.Form):
    """An extra pick of an order line on the note, from another location or lot. An empty row is ignored."""

    order_line = ObjectChoiceField(label=_("Order line"), required=False)
    location = ObjectChoiceField(label=_("Location"), required=False)
    lot = ObjectChoiceField(label=_("Lot"), required=False)
    picked = picked_field()

    def __init__(self, *args, order_lines, locations, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_line"].set_objects(order_lines, order_line_label)
        self.fields["location"].set_objects(locations, location_label, code_of=location_code)
        self.fields["lot"].set_objects(lots, lambda lot: f"{lot.item.code} · {lot_label(lot)}", empty_label=_("no lot"),
                                       code_of=lot_number)
        style(self)

    def is_empty(self):
        return not self.has_changed()

    def clean(self):
        data = super().clean()
        if not self.is_empty() and data.get("order_line") is None and "order_line" not in self.errors:
            self.add_error("order_line", _("Choose the order line this pick is for."))
        return data

    def service_line(self):
        data = self.cleaned_data
        return {"source_line": data["order_line"].pk, "location": data["location"], "lot": data["lot"],
                "picked": data["picked"] or 0}


SplitPickFormSet = forms.formset_factory(SplitPickForm, extra=1, max_num=100, validate_max=True)


class PickSheet:
    """The whole pick page: a form per line of the note and a formset of split rows."""

    def __init__(self, data=None, *, lines, locations, lots, extra_rows=1):
        self.lines = lines
        self.line_forms = [PickLineForm(data, line=line, locations=locations, lots=lots_for(lots, line.item_id))
                           for line in lines]
        order_lines = order_line_choices(lines)
        self.splits = SplitPickFormSet(data, prefix="splits", form_kwargs={
            "order_lines": order_lines, "locations": locations, "lots": lots})
        if data is None:
            self.splits.extra = extra_rows

    def is_valid(self):
        results = [form.is_valid() for form in self.line_forms] + [self.splits.is_valid()]
        return all(results)

    def service_lines(self):
        """The rows as delivery_save_picks takes them, numbered as on the page (note lines, then splits)."""
        return [form.service_line() for form in self.line_forms] + [
            form.service_line() for form in self.splits.forms if not form.is_empty()]

    def rows(self):
        return list(zip(self.lines, self.line_forms, strict=True))


def lots_for(lots, item_id):
    return [lot for lot in lots if lot.item_id == item_id]
