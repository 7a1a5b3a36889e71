"""Screens of purchase orders: one ``DocumentKind`` (erp.document_screens) — the list (filters, late
flag, export), the order's page (lines with received/returned/invoiced, the approval trail office adds
to approvable documents, the revisions with what each was, the requisitions and sales orders it
serves), entry of drafts (prices and expected dates from the supplier's terms when left empty), the
print page and the actions: submit, send, revise, cancel, close.

Reads go through purchasing.selectors.orders (a buyer sees their suppliers' orders only: another's is
a 404); each write is one call to purchasing.services.orders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    MONEY,
    QTY,
    Cell,
    Column,
    DocumentKind,
    Entry,
    LinkAction,
    ServiceAction,
    Templates,
    date_column,
    line_count_column,
    number_column,
    status_column,
)
from erp.document_screens.views import DocumentView
from erp.errors import DomainError
from erp.permissions import user_company
from office.selectors.approvals import latest_request
from purchasing import status as st
from purchasing.approvals import ORDER_APPROVAL
from purchasing.forms import orders as forms
from purchasing.models import PurchaseOrder
from purchasing.scoping import can_buy_from
from purchasing.selectors import orders as selectors
from purchasing.services import orders as services

S = st.OrderStatus


def filter_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user}


def order_rows(user: Any, values: dict[str, Any]) -> QuerySet[PurchaseOrder]:
    return selectors.orders_for_user(
        user, status=values.get("status") or None, supplier=values.get("supplier"), buyer=values.get("buyer"),
        date_from=values.get("date_from"), date_to=values.get("date_to"), expected_from=values.get("expected_from"),
        expected_to=values.get("expected_to"), late=values.get("late"), search=values.get("q", ""))


def mark_late(orders: list[PurchaseOrder]) -> None:
    for order in orders:
        order.is_late = selectors.is_late(order)


def expected_cell(order: PurchaseOrder) -> Cell:
    return Cell(order.expected_date, flag=_("late") if getattr(order, "is_late", False) else "")


COLUMNS = (
    number_column(), date_column(),
    Column(_l("Supplier code"), lambda d: d.supplier.code, listed=False),
    Column(_l("Supplier"), lambda d: d.supplier.name, display=lambda d: Cell(d.supplier.code, note=d.supplier.name)),
    Column(_l("Buyer"), lambda d: str(d.buyer or ""), display=lambda d: d.buyer),
    Column(_l("Expected date"), lambda d: d.expected_date, display=expected_cell),
    Column(_l("Revision"), lambda d: d.revision, listed=False),
    status_column(), line_count_column(),
    Column(_l("Supplier reference"), lambda d: d.supplier_reference, listed=False),
    Column(_l("Net amount"), lambda d: d.net_amount, listed=False),
    Column(_l("Tax"), lambda d: d.tax_amount, listed=False),
    Column(_l("Total"), lambda d: d.total_amount, numeric=True,
           display=lambda d: Cell(d.total_amount, fmt=MONEY, num=True, note=d.currency)),
    Column(_l("Currency"), lambda d: d.currency, listed=False),
)

LINE_COLUMNS = (
    Column(_l("Item"), lambda line: f"{line.item.code} {line.item.name}",
           display=lambda line: Cell(f"{line.item.code} {line.item.name}", note=line.description)),
    Column(_l("Quantity"), lambda line: line.quantity, display=lambda line: Cell(line.quantity, line.unit, num=True)),
    Column(_l("Unit price"), lambda line: line.unit_price,
           display=lambda line: Cell(line.unit_price, fmt="cost", num=True)),
    Column(_l("Amount"), lambda line: line.net_amount, display=lambda line: Cell(line.net_amount, fmt=MONEY, num=True)),
    Column(_l("Expected date"), lambda line: line.expected_date),
    Column(_l("Received"), lambda line: line.received_quantity,
           display=lambda line: Cell(line.received_quantity, line.item.base_unit, num=True, fmt=QTY)),
    Column(_l("Returned"), lambda line: line.returned_quantity,
           display=lambda line: Cell(line.returned_quantity, line.item.base_unit, num=True, fmt=QTY)),
    Column(_l("Invoiced"), lambda line: line.invoiced_quantity,
           display=lambda line: Cell(line.invoiced_quantity, line.item.base_unit, num=True, fmt=QTY)),
)


def header_rows(order: PurchaseOrder) -> list[tuple[Any, Any]]:
    rows = [
        (_("Supplier"), f"{order.supplier.code} {order.supplier.name}"),
        (_("Buyer"), order.buyer or ""),
        (_("Date"), order.document_date),
        (_("Expected date"), order.expected_date),
        (_("Deliver to warehouse"), order.warehouse),
        (_("Payment term"), order.payment_term or ""),
        (_("Tax code"), order.tax_code or ""),
        (_("Currency"), order.currency),
        (_("Supplier reference"), order.supplier_reference),
        (_("Revision"), order.revision),
        (_("Net amount"), order.net_amount), (_("Tax"), order.tax_amount), (_("Total"), order.total_amount),
    ]
    if order.approved_at:
        rows.append((_("Approved at"), order.approved_at))
    if order.sent_at:
        rows.append((_("Sent at"), order.sent_at))
    if order.notes:
        rows.append((_("Notes"), order.notes))
    return rows


def order_lines(order: PurchaseOrder) -> QuerySet[Any]:
    return order.lines.select_related("item", "item__base_unit", "unit").order_by("line_no", "pk")


def detail_context(request: HttpRequest, order: PurchaseOrder, context: dict[str, Any]) -> dict[str, Any]:
    """The revisions, the pegging and (a draft sent back) the approver's comment."""
    approval = latest_request(order, ORDER_APPROVAL)
    returned = (approval is not None and order.status == S.DRAFT
                and approval.status in ("rejected", "returned") and approval.outcome_comment)
    return {"revisions": list(selectors.order_revisions(order)), "pegging": selectors.order_pegging(order),
            "approval": approval, "returned_comment": approval.outcome_comment if returned else ""}


def print_context(request: HttpRequest, order: PurchaseOrder, context: dict[str, Any]) -> dict[str, Any]:
    return {}


def buys_from(user: Any, order: PurchaseOrder) -> bool:
    return can_buy_from(user, order.supplier)


def form_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user, "company": user_company(request.user)}


def plain(value: Any) -> str:
    """A decimal as typed: 10, 12.5 (not 10.0000 nor 1E+1)."""
    return format(value.normalize(), "f")


def initial(order: PurchaseOrder) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {name: getattr(order, name) for name in forms.OrderForm.base_fields}
    lines = [{"id": line.pk, "item": line.item, "description": line.description,
              "quantity": plain(line.quantity), "unit": line.unit_id,
              "unit_price": plain(line.unit_price), "expected_date": line.expected_date}
             for line in order.lines.select_related("item").order_by("line_no", "pk")]
    return header, lines


def done(text: Any) -> Any:
    return lambda order, before, result: str(text) % {"document": order.reference}


def submitted(order: PurchaseOrder, before: str, result: PurchaseOrder) -> str:
    if result.status == S.AWAITING_APPROVAL:
        return _("%(document)s submitted for approval.") % {"document": result.reference}
    return _("%(document)s approved: no approval was needed.") % {"document": result.reference}


ACTIONS = (
    ServiceAction(name="submit", label=_l("Submit for approval"), service=services.order_submit, statuses=(S.DRAFT,),
                  success=submitted, guard=buys_from, refresh=("number", "status")),
    ServiceAction(name="send", label=_l("Send to supplier"), service=services.order_send, statuses=(S.APPROVED,),
                  success=done(_l("%(document)s e-mailed to the supplier.")), guard=buys_from,
                  confirm=_l("E-mail this order to the supplier?")),
    LinkAction(name="redate", label=_l("Re-date"), url_name="order_redate",
               statuses=tuple(st.RECEIVABLE_ORDER_STATUSES), guard=buys_from, style="outline-primary"),
    ServiceAction(name="revise", label=_l("Revise"), service=services.order_revise,
                  statuses=tuple(st.REVISABLE_ORDER_STATUSES), reason=True, style="outline-primary", guard=buys_from,
                  success=done(_l("%(document)s is a draft again: change it and submit it.")),
                  confirm=_l("Why does the order change? It is kept as it is now and approved again after the "
                             "change.")),
    ServiceAction(name="close", label=_l("Close"), service=services.order_close, statuses=(S.PARTIAL, S.RECEIVED),
                  style="outline-secondary", guard=buys_from, success=done(_l("%(document)s closed.")),
                  confirm=_l("Close the order? What was not received is no longer expected.")),
    ServiceAction(name="cancel", label=_l("Void"), service=services.order_cancel, reason=True, guard=buys_from,
                  statuses=(S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.SENT), style="outline-danger",
                  success=done(_l("%(document)s voided.")), confirm=_l("Void this purchase order?")),
)

ORDERS = DocumentKind(
    namespace="purchasing", key="order", segment="orders", model=PurchaseOrder,
    title=_l("Purchase order"), title_plural=_l("Purchase orders"), new_title=_l("New purchase order"),
    selector=lambda user: selectors.orders_for_user(user).select_related("payment_term", "tax_code", "created_by"),
    filter_form=forms.OrderFilterForm, filter_kwargs=filter_kwargs, rows=order_rows, prepare=mark_late,
    export_filename="purchase_orders", columns=COLUMNS, header_rows=header_rows, lines=order_lines,
    line_columns=LINE_COLUMNS, detail_context=detail_context, print_context=print_context,
    signatures=(_l("Prepared by"), _l("Approved by"), _l("Supplier")),
    entry=Entry(header_form=forms.OrderForm, formset=forms.OrderLineFormSet, save=services.order_save,
                form_kwargs=form_kwargs, line_kwargs=forms.line_kwargs, initial=initial, max_lines=forms.MAX_LINES),
    actions=ACTIONS, guard=buys_from, section="order", empty=_l("No purchase orders match the filters."),
    templates=Templates(detail="purchasing/orders/detail.html", form="purchasing/orders/form.html"),
)


class OrderRedateView(DocumentView):
    """New expected dates for the open lines of an approved (sent, partly received) order, as the
    supplier confirmed them: one call to ``order_redate``; a refused date comes back beside its line
    (400) and nothing is saved."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def handle(self, pk: int) -> HttpResponse:
        order = self.get_document(pk)
        self.check_guard(order)
        if order.status not in st.RECEIVABLE_ORDER_STATUSES:
            messages.error(self.request, _("Only an approved order is re-dated: revise a draft's lines instead."))
            return redirect("purchasing:order_detail", pk=order.pk)
        lines = [line for line in order_lines(order) if line.open_quantity > 0]
        data = self.request.POST if self.request.method == "POST" else None
        form = forms.RedateForm(data, lines=lines, order_date=order.document_date)
        errors: list[str] = []
        if data is not None and form.is_valid():
            dates = form.dates()
            if not dates:
                messages.info(self.request, _("No expected date was changed."))
                return redirect("purchasing:order_detail", pk=order.pk)
            try:
                services.order_redate(order=order, dates=dates, actor=self.user)
            except DomainError as exc:
                errors.append(str(exc.message))
            else:
                messages.success(self.request, _("%(document)s re-dated: %(n)s lines have a new expected date.")
                                 % {"document": order.reference, "n": len(dates)})
                return redirect("purchasing:order_detail", pk=order.pk)
        status = 400 if data is not None else 200
        return render(self.request, "purchasing/orders/redate.html",
                      self.base_context(document=order, form=form, errors=errors), status=status)
