"""Screens of the supplier invoices: ``INVOICES`` is a ``DocumentKind`` (erp.document_screens): the
list with filters and export, the page with each line's ordered, received, invoiced, expected amount
and variance and the match badge, the entry (a header and order lines; from a purchase order its
received-not-invoiced lines are filled in), and the actions: check the match, accept a mismatch (a
Purchasing manager, with a reason), post, void (a draft, with a reason).

Invoices are read through ``purchasing.selectors.invoices`` (a buyer: their suppliers only); every
write is one call to purchasing.services.invoices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    Column,
    DocumentKind,
    Entry,
    ServiceAction,
    Templates,
    date_column,
    line_count_column,
    number_column,
    posted_at_column,
    status_column,
)
from erp.document_screens.columns import MONEY, Cell
from erp.document_screens.forms import VoidForm
from erp.document_screens.views import DocumentActionView, DocumentFormView
from purchasing import status as st
from purchasing.forms.invoices import InvoiceFilterForm, InvoiceHeaderForm, InvoiceLineFormSet
from purchasing.models import SupplierInvoice
from purchasing.scoping import ACCEPT_MISMATCH
from purchasing.selectors import invoices as selectors
from purchasing.services import invoices as services

ZERO = Decimal("0")
DRAFT = st.InvoiceStatus.DRAFT
MATCH_STYLES = {st.MatchStatus.MATCHED: "success", st.MatchStatus.MISMATCH: "danger",
                st.MatchStatus.ACCEPTED: "warning", st.MatchStatus.UNCHECKED: "secondary"}


def invoices_for_user(user: Any) -> QuerySet[SupplierInvoice]:
    return selectors.invoices_for_user(user).select_related("match_accepted_by", "created_by")


def invoice_rows(user: Any, values: dict[str, Any]) -> QuerySet[SupplierInvoice]:
    return selectors.invoices_for_user(
        user, supplier=values.get("supplier"), status=values.get("status"), match_status=values.get("match_status"),
        date_from=values.get("date_from"), date_to=values.get("date_to"), search=(values.get("q") or "").strip())


def filter_choices(request: HttpRequest) -> dict[str, Any]:
    return {"suppliers": selectors.invoice_suppliers(request.user)}


def match_cell(invoice: SupplierInvoice) -> Cell:
    return Cell(invoice.get_match_status_display(), status=invoice.match_status)


COLUMNS = (
    number_column(), date_column(),
    Column(_l("Supplier code"), lambda i: i.supplier.code, listed=False),
    Column(_l("Supplier"), lambda i: i.supplier.name, display=lambda i: f"{i.supplier.code} {i.supplier.name}"),
    Column(_l("Supplier's invoice number"), lambda i: i.supplier_invoice_number),
    status_column(),
    Column(_l("Three-way match"), lambda i: i.get_match_status_display()),
    Column(_l("Total"), lambda i: i.total_amount, display=lambda i: Cell(i.total_amount, num=True, fmt=MONEY),
           numeric=True),
    Column(_l("Due date"), lambda i: i.due_date),
    line_count_column(),
    posted_at_column(),
)


def invoice_lines(invoice: SupplierInvoice) -> QuerySet[Any]:
    return invoice.lines.select_related("order_line__order", "order_line__unit", "item", "item__base_unit").order_by(
        "pk")


def money(value: Decimal) -> Cell:
    return Cell(value, num=True, fmt=MONEY)


def base_qty(line: Any, value: Decimal) -> Cell:
    return Cell(value, num=True, unit=line.item.base_unit)


LINE_COLUMNS = (
    Column(_l("Order line"), lambda line: f"{line.order_line.order.reference}/{line.order_line.line_no}"),
    Column(_l("Item"), lambda line: f"{line.item.code} {line.item.name}"),
    Column(_l("Ordered"), lambda line: line.order_line.quantity_base,
           display=lambda line: base_qty(line, line.order_line.quantity_base), numeric=True),
    Column(_l("Received"), lambda line: line.order_line.net_received,
           display=lambda line: base_qty(line, line.order_line.net_received), numeric=True),
    Column(_l("Invoiced before"), lambda line: line.order_line.invoiced_quantity,
           display=lambda line: base_qty(line, line.order_line.invoiced_quantity), numeric=True),
    Column(_l("Quantity"), lambda line: line.quantity,
           display=lambda line: Cell(line.quantity, num=True, unit=line.order_line.unit), numeric=True),
    Column(_l("Unit price"), lambda line: line.unit_price, numeric=True),
    Column(_l("Amount"), lambda line: line.net_amount, display=lambda line: money(line.net_amount), numeric=True),
    Column(_l("Expected amount"), lambda line: line.expected_amount,
           display=lambda line: money(line.expected_amount), numeric=True),
    Column(_l("Variance"), lambda line: line.variance, display=lambda line: money(line.variance), numeric=True),
    Column(_l("Match"), lambda line: line.within_tolerance,
           display=lambda line: Cell(_("Within tolerance")) if line.within_tolerance
           else Cell(_("Variance"), flag=_("beyond tolerance"))),
)


def header_rows(invoice: SupplierInvoice) -> list[tuple[Any, Any]]:
    rows: list[tuple[Any, Any]] = [
        (_("Supplier"), f"{invoice.supplier.code} {invoice.supplier.name}"),
        (_("Supplier's invoice number"), invoice.supplier_invoice_number),
        (_("Invoice date"), invoice.document_date), (_("Due date"), invoice.due_date),
        (_("Net amount"), invoice.net_amount), (_("Tax"), invoice.tax_amount), (_("Total"), invoice.total_amount),
    ]
    if invoice.match_status == st.MatchStatus.ACCEPTED:
        rows += [(_("Mismatch accepted by"), invoice.match_accepted_by), (_("Accepted at"), invoice.match_accepted_at),
                 (_("Reason for accepting the mismatch"), invoice.match_accepted_reason)]
    if invoice.notes:
        rows.append((_("Notes"), invoice.notes))
    return rows


def detail_context(request: HttpRequest, invoice: SupplierInvoice, context: dict[str, Any]) -> dict[str, Any]:
    return {"match_style": MATCH_STYLES.get(invoice.match_status, "secondary")}


def entry_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"suppliers": selectors.invoice_suppliers(request.user)}


def line_kwargs(request: HttpRequest, data: Any, initial: Any, form_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Each line offers the lines of the chosen supplier's approved orders."""
    supplier_id = (data or {}).get("supplier") or request.GET.get("supplier")
    if not supplier_id and initial:
        supplier_id = initial[0].get("supplier_id")
    if not supplier_id and request.resolver_match and request.resolver_match.kwargs.get("pk"):
        supplier_id = SupplierInvoice.objects.filter(pk=request.resolver_match.kwargs["pk"]).values_list(
            "supplier_id", flat=True).first()
    supplier = selectors.invoice_suppliers(request.user).filter(pk=supplier_id).first() if str(
        supplier_id or "").isdigit() else None
    return {"order_lines": selectors.invoiceable_order_lines(supplier.pk if supplier else None)}


def entry_initial(invoice: SupplierInvoice) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {"supplier": invoice.supplier_id, "supplier_invoice_number": invoice.supplier_invoice_number,
              "document_date": invoice.document_date, "due_date": invoice.due_date,
              "tax_amount": invoice.tax_amount, "notes": invoice.notes}
    lines = [{"order_line": line.order_line_id, "quantity": line.quantity, "unit_price": line.unit_price,
              "tax_rate": line.tax_rate, "supplier_id": invoice.supplier_id} for line in invoice.lines.order_by("pk")]
    return header, lines


class InvoiceFormView(DocumentFormView):
    """The generic entry; a new invoice from a purchase order (``?order=``) starts with the order's
    received-and-not-invoiced lines at the order's prices."""

    def initial(self, document: Any, data: Any) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        order_id = self.request.GET.get("order", "")
        if document is not None or data is not None or not order_id.isdigit():
            return super().initial(document, data)
        order = get_object_or_404(selectors.invoiceable_orders(self.user), pk=int(order_id))
        lines = []
        for line in order.lines.order_by("line_no", "pk"):
            left = services.left_to_invoice(line)
            if left > 0:
                lines.append({"order_line": line.pk, "supplier_id": order.supplier_id,
                              "quantity": (left * line.quantity / line.quantity_base).normalize(),
                              "unit_price": line.unit_price, "tax_rate": line.tax_rate})
        return {"supplier": order.supplier_id}, lines

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        if pk is None and not request.GET.get("order", "").isdigit() and not request.GET.get("supplier"):
            orders = selectors.invoiceable_orders(self.user)[:200]
            return render(request, "purchasing/invoices/choose_order.html",
                          self.base_context(orders=orders, suppliers=selectors.invoice_suppliers(self.user)))
        return super().get(request, pk)


class AcceptMismatchView(DocumentActionView):
    """The generic reason page, asking for the reason the difference is accepted (not a void reason)."""

    def reason_page(self, document: Any, form: VoidForm, status: int = 200) -> HttpResponse:
        field = form.fields["reason"]
        field.label = _("Reason for accepting the mismatch")
        if form.is_bound and form.errors.get("reason") == [str(field.error_messages["required"])]:
            form.errors["reason"] = form.error_class([_("Give the reason for accepting the difference.")])
        return super().reason_page(document, form, status)


INVOICES = DocumentKind(
    namespace="purchasing", key="invoice", segment="invoices", model=SupplierInvoice,
    title=_l("Supplier invoice"), title_plural=_l("Supplier invoices"), new_title=_l("New supplier invoice"),
    selector=invoices_for_user, filter_form=InvoiceFilterForm, filter_kwargs=filter_choices, rows=invoice_rows,
    list_rows=lambda rows: rows.annotate(line_count=Count("lines")),
    columns=COLUMNS, export_filename="supplier_invoices", empty=_l("No supplier invoices."),
    header_rows=header_rows, lines=invoice_lines, line_columns=LINE_COLUMNS, detail_context=detail_context,
    entry=Entry(header_form=InvoiceHeaderForm, formset=InvoiceLineFormSet, save=services.invoice_save,
                form_kwargs=entry_kwargs, line_kwargs=line_kwargs, initial=entry_initial),
    actions=(
        ServiceAction(name="match", label=_l("Check match"), service=services.invoice_match, statuses=(DRAFT,),
                      style="outline-primary",
                      success=lambda i, before, result: _("%(document)s: %(match)s.") % {
                          "document": result.reference, "match": result.get_match_status_display()}),
        ServiceAction(name="accept", label=_l("Accept mismatch"), service=services.invoice_accept_mismatch,
                      statuses=(DRAFT,), permissions=(ACCEPT_MISMATCH,), style="outline-warning", reason=True,
                      when=lambda i: i.match_status == st.MatchStatus.MISMATCH,
                      confirm=_l("Accept the difference between this invoice and the order and receipts? Give "
                                 "the reason."),
                      success=_l("%(document)s: the difference is accepted; it may be posted.")),
        ServiceAction(name="post", label=_l("Post"), service=services.invoice_post, statuses=(DRAFT,),
                      confirm=_l("Post this invoice? The quantities are counted as invoiced and finance is told "
                                 "a payable is due."),
                      success=lambda i, before, posted: _("%(document)s posted: finance is told a payable is due.")
                      % {"document": posted.reference}),
        ServiceAction(name="cancel", label=_l("Void"), service=services.invoice_cancel, statuses=(DRAFT,),
                      style="outline-danger", success=_l("%(document)s voided."), reason=True,
                      confirm=_l("Void this invoice draft?")),
    ),
    section="invoice",
    templates=Templates(detail="purchasing/invoices/detail.html"),
    views={"create": InvoiceFormView, "edit": InvoiceFormView, "accept": AcceptMismatchView},
)
