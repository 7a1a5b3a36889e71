"""Forms of the work order screens: the list's filters and a draft's header. They only validate
input; production.services.workorders checks the rules (a make item, the BOM of the item, an
active BOM, a quantity above zero) and its errors are shown beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from erp.money import QTY

# ItemChoiceField shows any coded record as "code name": the warehouse and the routing too.
from inventory.forms.documents import DATE, DocumentFilterForm, ItemChoiceField, item_field
from production import status as st


class BomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.item.code} v{obj.version}" + (f" {obj.name}" if obj.name else "")


class WorkOrderFilterForm(DocumentFilterForm):
    """Inventory's document filters (number, status, warehouse, a period: orders due on or after its
    start and starting on or before its end) with the item and the source."""

    q = forms.CharField(label=_("Number or item"), required=False, widget=forms.SearchInput)
    item = forms.CharField(label=_("Item code"), required=False, max_length=60)
    source = forms.ChoiceField(label=_("Source"), required=False)

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, statuses=st.WorkOrderStatus.choices, warehouses=warehouses, **kwargs)
        self.fields["source"].choices = [("", _("All sources")), *st.WorkOrderSource.choices]


class WorkOrderForm(forms.Form):
    """A draft's header. Its prefix is that of a document's first line ("lines-0"): inventory's item
    lookup, shared with every document's lines, fills the hidden field ``id_lines-0-item``."""

    item = item_field()
    quantity = forms.DecimalField(label=_("Quantity"), **QTY)
    warehouse = ItemChoiceField(label=_("Warehouse"), queryset=None)
    start_date = forms.DateField(label=_("Start date"), **DATE)
    due_date = forms.DateField(label=_("Due date"), required=False, **DATE)
    bom = BomChoiceField(label=_("BOM version"), queryset=None, required=False,
                         empty_label=_("default on the start date"))
    routing = ItemChoiceField(label=_("Routing"), queryset=None, required=False, empty_label=_("the BOM's routing"))
    backflush = forms.BooleanField(label=_("Backflush components at completion"), required=False)
    overhead_percent = forms.DecimalField(label=_("Overhead (percent of labour)"), required=False, min_value=0,
                                          max_digits=6, decimal_places=2)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, querysets, **kwargs):
        kwargs.setdefault("prefix", "lines-0")
        super().__init__(*args, **kwargs)
        for name in ("item", "warehouse", "bom", "routing"):
            self.fields[name].queryset = querysets[name]

    @property
    def item_label(self):
        """What the item search field shows: the chosen item's code and name."""
        item = self.cleaned_data.get("item") if self.is_bound and hasattr(self, "cleaned_data") else None
        item = item or self.initial.get("item")
        return f"{item.code} {item.name}" if item is not None and hasattr(item, "code") else ""
