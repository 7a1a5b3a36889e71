"""Screens of the sales documents: quotations and orders, two ``DocumentKind``s (erp.document_screens).

Lists (filters, pagination, XLSX/CSV export, htmx refresh), create/edit of drafts with the line
formset and the totals as you type (views/entry.py), the quotation page with its actions, print
pages; the order's own page (the cross-department one) and its actions live in views/order_page.py.

Reads go through sales.selectors (a rep sees only their customers' documents; another rep's
document is a 404), every write is exactly one call to a sales service, and a refusal
(DomainError) becomes a message beside the field it names or above the page — never a 500.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    MONEY,
    Cell,
    Column,
    DocumentKind,
    Entry,
    ServiceAction,
    Templates,
    date_column,
    number_column,
    status_column,
)
from sales import selectors
from sales import status as st
from sales.forms import documents as forms
from sales.models import Quotation, SalesOrder
from sales.services import orders as order_services
from sales.services import quotations as quotation_services
from sales.views.entry import SalesEntryView, form_kwargs, initial_of
from sales.views.order_page import ORDER_ACTIONS, OrderPageView

# Lists ---------------------------------------------------------------------------------------


SALES_STATUSES = {Quotation: st.QuotationStatus.choices, SalesOrder: st.OrderStatus.choices}


def filter_choices(model: type[Quotation] | type[SalesOrder]) -> Any:
    def kwargs(request: HttpRequest) -> dict[str, Any]:
        return {"user": request.user, "statuses": SALES_STATUSES[model], "orders": model is SalesOrder}
    return kwargs


def common_filters(values: dict[str, Any]) -> dict[str, Any]:
    """The list's filter values as the selectors' keyword arguments."""
    return {"customer": values.get("customer"), "rep": values.get("rep"), "date_from": values.get("date_from"),
            "date_to": values.get("date_to"), "search": values.get("q", "")}


def quotation_rows(user: Any, values: dict[str, Any]) -> QuerySet[Quotation]:
    return selectors.quotations_for_user(user, status=values.get("status"), **common_filters(values))


def order_rows(user: Any, values: dict[str, Any]) -> QuerySet[SalesOrder]:
    status = values.get("status")
    opened = status == forms.DocumentFilterForm.OPEN
    rows = selectors.orders_for_user(user, status=None if opened else status, late=values.get("late"),
                                     **common_filters(values))
    if opened:
        rows = rows.filter(status__in=st.OPEN_ORDER_STATUSES)
    if values.get("ship_today"):
        rows = rows.filter(status__in=st.OPEN_ORDER_STATUSES, promised_date=timezone.localdate())
    return rows


def mark_late(orders: list[SalesOrder]) -> None:
    today = timezone.localdate()
    for order in orders:
        order.is_late = bool(order.status in st.OPEN_ORDER_STATUSES and order.promised_date
                             and order.promised_date < today)


def columns(*middle: Column) -> tuple[Column, ...]:
    return (
        number_column(), date_column(),
        Column(_l("Customer code"), lambda d: d.customer.code, listed=False),
        Column(_l("Customer"), lambda d: d.customer.name,
               display=lambda d: Cell(d.customer.code, note=d.customer.name)),
        Column(_l("Sales rep"), lambda d: str(d.sales_rep or ""), display=lambda d: d.sales_rep),
        *middle,
        status_column(),
        Column(_l("Customer reference"), lambda d: d.customer_reference, listed=False),
        Column(_l("Net amount"), lambda d: d.net_amount, listed=False),
        Column(_l("Tax"), lambda d: d.tax_amount, listed=False),
        Column(_l("Total"), lambda d: d.total_amount, numeric=True,
               display=lambda d: Cell(d.total_amount, fmt=MONEY, num=True, note=d.currency)),
        Column(_l("Currency"), lambda d: d.currency, listed=False),
    )


def promised_cell(order: SalesOrder) -> Cell:
    return Cell(order.promised_date, flag=_("late") if getattr(order, "is_late", False) else "")


# Detail and print ----------------------------------------------------------------------------


def header_rows(document: Any) -> list[tuple[Any, Any]]:
    rows = [
        (_("Customer"), f"{document.customer.code} {document.customer.name}"),
        (_("Sales rep"), document.sales_rep or ""),
        (_("Date"), document.document_date),
    ]
    if isinstance(document, Quotation):
        rows.append((_("Valid until"), document.valid_until))
    else:
        rows += [(_("Requested date"), document.requested_date), (_("Promised date"), document.promised_date),
                 (_("Ship from warehouse"), document.warehouse)]
    rows += [
        (_("Customer reference"), document.customer_reference),
        (_("Payment term"), document.payment_term or ""),
        (_("Ship to"), document.ship_to),
        (_("Currency"), document.currency),
    ]
    if document.notes:
        rows.append((_("Notes"), document.notes))
    return rows


def document_lines(document: Any) -> QuerySet[Any]:
    return document.lines.select_related("item", "unit", "tax_code").order_by("line_no", "pk")


def quotation_context(request: HttpRequest, quotation: Quotation, context: dict[str, Any]) -> dict[str, Any]:
    """The orders made from the quotation."""
    return {"orders": list(selectors.orders_for_user(request.user).filter(quotation=quotation))}


SIGNATURES = (_l("Prepared by"), _l("Approved by"), _l("Customer acceptance"))


# Quotation actions ---------------------------------------------------------------------------


def converted(quotation: Quotation, before: str, order: SalesOrder) -> str:
    return _("%(order)s created from %(quotation)s: check it and confirm it.") % {
        "order": order.reference, "quotation": quotation.reference}


OPEN_QUOTATION = (st.QuotationStatus.DRAFT, st.QuotationStatus.SENT)
QUOTATION_ACTIONS = (
    ServiceAction(name="send", label=_l("Mark as sent"), service=quotation_services.quotation_send,
                  statuses=(st.QuotationStatus.DRAFT,), style="outline-primary",
                  success=lambda q, before, result: _("%(document)s marked as sent.") % {"document": result.reference},
                  confirm=_l("Mark the quotation as sent? It takes its number and can no longer change.")),
    ServiceAction(name="convert", label=_l("Convert to order"), service=quotation_services.quotation_convert,
                  statuses=OPEN_QUOTATION, permissions=("sales.change_quotation", "sales.add_salesorder"),
                  success=converted, refresh=("number", "status"),
                  redirect=lambda quotation, order: reverse("sales:order_detail", args=[order.pk]),
                  confirm=_l("Copy this quotation into a new sales order?")),
    ServiceAction(name="cancel", label=_l("Void"), service=quotation_services.quotation_cancel, reason=True,
                  statuses=OPEN_QUOTATION, style="outline-danger", confirm=_l("Void this quotation?"),
                  success=lambda q, before, result: _("%(document)s voided.") % {"document": result.reference}),
)


# The two kinds -------------------------------------------------------------------------------

QUOTATIONS = DocumentKind(
    namespace="sales", key="quotation", segment="quotations", model=Quotation,
    title=_l("Quotation"), title_plural=_l("Quotations"), new_title=_l("New quotation"),
    selector=lambda user: selectors.quotations_for_user(user).select_related("payment_term", "created_by"),
    filter_form=forms.DocumentFilterForm, filter_kwargs=filter_choices(Quotation), rows=quotation_rows,
    columns=columns(Column(_l("Valid until"), lambda d: d.valid_until)), export_filename="quotations",
    header_rows=header_rows, lines=document_lines, detail_context=quotation_context, signatures=SIGNATURES,
    entry=Entry(header_form=forms.QuotationForm, formset=forms.LineFormSetClass, save=quotation_services.quotation_save,
                form_kwargs=form_kwargs, line_kwargs=forms.line_kwargs, initial=initial_of(forms.QuotationForm),
                max_lines=forms.MAX_LINES),
    actions=QUOTATION_ACTIONS, section="quotation", empty=_l("No quotations match the filters."),
    templates=Templates(list="sales/documents/list.html", detail="sales/documents/quotation_detail.html",
                        form="sales/documents/form.html", print="sales/documents/print.html"),
    views={"create": SalesEntryView, "edit": SalesEntryView},
)

ORDERS = DocumentKind(
    namespace="sales", key="order", segment="orders", model=SalesOrder,
    title=_l("Sales order"), title_plural=_l("Sales orders"), new_title=_l("New sales order"),
    selector=lambda user: selectors.orders_for_user(user).select_related("quotation", "payment_term", "price_list",
                                                                         "created_by"),
    filter_form=forms.DocumentFilterForm, filter_kwargs=filter_choices(SalesOrder), rows=order_rows,
    prepare=mark_late, export_filename="sales_orders",
    columns=columns(Column(_l("Requested date"), lambda d: d.requested_date),
                    Column(_l("Promised date"), lambda d: d.promised_date, display=promised_cell),
                    Column(_l("Warehouse"), lambda d: d.warehouse.code, listed=False)),
    header_rows=header_rows, lines=document_lines, signatures=SIGNATURES,
    entry=Entry(header_form=forms.OrderForm, formset=forms.LineFormSetClass, save=order_services.order_save,
                form_kwargs=form_kwargs, line_kwargs=forms.line_kwargs, initial=initial_of(forms.OrderForm),
                max_lines=forms.MAX_LINES),
    actions=ORDER_ACTIONS, section="order", empty=_l("No orders match the filters."),
    templates=Templates(list="sales/documents/list.html", form="sales/documents/form.html",
                        print="sales/documents/print.html"),
    views={"create": SalesEntryView, "edit": SalesEntryView, "detail": OrderPageView},
)
