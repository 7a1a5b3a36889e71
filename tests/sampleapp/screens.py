"""The sample app's document screens: a DocumentKind declared the way a department declares one, so the
generic screens are tested without inventory or sales (URLs in tests/sampleapp/urls.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    QTY,
    Cell,
    Column,
    DocumentKind,
    Entry,
    LineFormSet,
    ServiceAction,
    created_by_column,
    date_column,
    line_count_column,
    number_column,
    status_column,
)
from erp.scoping import restrict
from tests.sampleapp import services
from tests.sampleapp.models import SampleOrder

LOCKED = "LOCKED"  # a customer whose orders nobody may change (the kind's guard: 403)
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class SampleFilterForm(forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "All"), *SampleOrder.Status.choices])
    date_from = forms.DateField(required=False, **DATE)
    date_to = forms.DateField(required=False, **DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class SampleOrderForm(forms.Form):
    customer = forms.CharField(max_length=100)
    document_date = forms.DateField(required=False, **DATE)


class SampleLineForm(forms.Form):
    item = forms.CharField(max_length=40)
    quantity = forms.DecimalField(max_digits=20, decimal_places=4, min_value=0)

    def line(self) -> dict[str, Any]:
        return {"item": self.cleaned_data["item"], "quantity": self.cleaned_data["quantity"]}


SampleLineFormSet = forms.formset_factory(SampleLineForm, formset=LineFormSet, extra=1, can_delete=True)


def sample_orders(user: Any) -> QuerySet[SampleOrder]:
    return restrict(SampleOrder.objects.select_related("created_by"), user)


def may_change(user: Any, order: SampleOrder) -> bool:
    return order.customer != LOCKED


def initial(order: SampleOrder) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return ({"customer": order.customer, "document_date": order.document_date},
            [{"item": line.item, "quantity": line.quantity} for line in order.lines.all()])


SAMPLES = DocumentKind(
    namespace="sampleapp", key="sample", segment="samples", model=SampleOrder, argument="order",
    title=_l("Sample order"), title_plural=_l("Sample orders"), new_title=_l("New sample order"),
    selector=sample_orders, filter_form=SampleFilterForm, search_fields=("number", "customer"),
    columns=(number_column(), date_column(), Column("Customer", lambda o: o.customer), status_column(),
             line_count_column(), created_by_column()),
    list_rows=lambda rows: rows.annotate(line_count=Count("lines")), export_filename="sample_orders",
    header_rows=lambda o: [("Customer", o.customer), ("Date", o.document_date)],
    lines=lambda o: o.lines.all(),
    line_columns=(Column("Item", lambda line: line.item),
                  Column("Quantity", lambda line: Cell(line.quantity, "PCS", num=True, fmt=QTY), numeric=True)),
    signatures=("Prepared by", "Received by", "Approved by"),
    entry=Entry(header_form=SampleOrderForm, formset=SampleLineFormSet, save=services.sample_order_save,
                initial=initial),
    actions=(
        ServiceAction(name="confirm", label="Confirm", service=services.sample_order_confirm,
                      statuses=(SampleOrder.Status.DRAFT,), success="%(document)s confirmed.",
                      confirm="Confirm this order?"),
        ServiceAction(name="cancel", label="Cancel", service=services.sample_order_cancel, style="outline-danger",
                      success="%(order)s cancelled.",
                      statuses=(SampleOrder.Status.DRAFT, SampleOrder.Status.CONFIRMED)),
    ),
    guard=may_change,
)
