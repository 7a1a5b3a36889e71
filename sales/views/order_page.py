"""The sales order's cross-department page and its actions.

One page answers "where is my order?": the header, per line what is reserved now, delivered,
returned and short with the promised date, the shortages requested from production and purchasing
and where each stands (requested, planned or ordered, covered, delivered), credit approvals, returns and the audit
history; and the sections the other departments contribute (erp.registry.document_panels): the
reservations and delivery notes (inventory), the tasks (office). Its body is a partial
(``order_tracking``) that htmx polls every 3 seconds; it reads through ``selectors.order_tracking``
and the panels — a fixed number of queries whatever the order's size.

The actions (confirm, cancel, close, credit request/approval, delete a draft, a stock transfer
for the shortage from another warehouse) are declared here as ``ServiceAction``s of the ORDERS
kind: one service call each; a refusal is a message on the page, never a 500.

Stock of short lines' items in the company's other warehouses (``selectors.order_stock_elsewhere``)
is shown on the page (not in the polled part: its transfer buttons are forms) and in the
confirmation's message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext, pgettext

from erp.document_screens import ServiceAction
from erp.document_screens.kinds import visible_documents
from erp.document_screens.views import DocumentDetailView
from erp.formats import format_date
from erp.history import history_for
from erp.money import format_quantity
from erp.registry import document_panels
from erp.roles import SALES_MANAGER
from erp.scoping import CHANGE
from inventory.models import StockTransfer
from inventory.selectors import warehouses_for_user
from office.selectors.approvals import can_decide, last_decision, latest_request
from office.services.approvals import step_label
from office.status import ApprovalStatus, StepKind
from sales import selectors
from sales import status as st
from sales.approvals import CREDIT_EXCEPTION
from sales.forms.documents import CreditApprovalForm
from sales.services import orders as services
from sales.services import shortages, waiting

S = st.OrderStatus


def credit_state(order: Any, user: Any = None) -> dict[str, Any] | None:
    """For a draft above the customer's credit limit: the figures, whether it was approved, and its
    newest credit-exception request on the approval engine (``request``: pending — "requested" —, or
    rejected or returned with the approver's comment). Worked out once per request (the page and its
    actions both ask)."""
    if not hasattr(order, "_credit_state"):
        state = None
        if order.status == S.DRAFT and order.customer.credit_limit is not None:
            check = services.credit_check(order)
            if check.exceeds:
                request = latest_request(order, CREDIT_EXCEPTION)
                pending = request is not None and request.is_pending
                answered = request is not None and request.status in (ApprovalStatus.REJECTED, ApprovalStatus.RETURNED)
                state = {"check": check, "blocked": not check.approved, "request": request, "requested": pending,
                         "answer": last_decision(request) if answered and not check.approved else None}
        order._credit_state = state
    return order._credit_state  # type: ignore[no-any-return]


def credit_blocked(order: Any) -> bool:
    credit = credit_state(order)
    return bool(credit and credit["blocked"] and not credit["requested"])


def may_approve_credit(user: Any, order: Any) -> bool:
    """The "Approve credit" form: for a blocked draft, shown to sales managers who may decide its pending
    request (or, none pending yet, who did not ask for it)."""
    credit = credit_state(order)
    if not (credit and credit["blocked"] and user.has_perms(("sales.approve_credit", "sales.change_salesorder"))):
        return False
    if credit["requested"]:
        return can_decide(user, credit["request"])
    return True


def credit_requested(order: Any, before: str, request: Any) -> str:
    """Who was asked: the sales managers (the default rule), else the first steps' approvers."""
    steps = [step for step in request.steps.all() if step.is_open]
    if steps and all(step.kind == StepKind.ROLE and step.role.name == SALES_MANAGER for step in steps):
        return _("The sales managers were asked to approve %(order)s above the credit limit.") % {
            "order": order.reference}
    return _("Approval of %(order)s above the credit limit was requested from %(approvers)s.") % {
        "order": order.reference, "approvers": pgettext("list separator", ", ").join(step_label(s) for s in steps)}


def credit_approved(order: Any, before: str, approval: Any) -> tuple[int, str]:
    if approval is None:
        return messages.INFO, _("Your approval of %(order)s is recorded: the request waits for further approvals.") % {
            "order": order.reference}
    return messages.SUCCESS, _("Credit approved for %(order)s: it can be confirmed now.") % {"order": order.reference}


# The page ------------------------------------------------------------------------------------


class OrderPageView(DocumentDetailView):
    """The order's page: its actions, the credit state, and the live part (``OrderTrackingView``)."""

    template_name = "sales/documents/order_detail.html"
    with_stock_elsewhere = True  # the page, not its polled part

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self.get_document(pk)
        return render(request, self.template_name, self.get_context(order))

    def get_context(self, order: Any) -> dict[str, Any]:
        credit = credit_state(order)
        return self.base_context(
            document=order, order=order, tracking=selectors.order_tracking(order, user=self.user),
            history=history_for(order, user=self.user),
            header_rows=self.header_rows(order), panels=document_panels(self.user, order, live=True),
            actions=self.kind.actions_for(self.user, order), print_url=self.kind.url_of("print", order),
            credit=credit, approval_form=CreditApprovalForm(), can_approve=may_approve_credit(self.user, order),
            elsewhere=self.stock_elsewhere(order) if self.with_stock_elsewhere else None,
        )

    def stock_elsewhere(self, order: Any) -> selectors.OrderStockElsewhere | None:
        """The stock of the short lines' items in other warehouses; the open transfers for the order
        link to their page for those who may open it."""
        elsewhere = selectors.order_stock_elsewhere(self.user, order)
        if elsewhere and elsewhere["transfers"]:
            visible = visible_documents(self.user, StockTransfer, [t.pk for t in elsewhere["transfers"]])
            for transfer in elsewhere["transfers"]:
                transfer.detail_url = (visible[0].url_of("detail", transfer)  # type: ignore[attr-defined]
                                       if visible and transfer.pk in visible[1] else "")
        return elsewhere


class OrderTrackingView(OrderPageView):
    """The live part of the order's page, polled by htmx every 3 seconds. The actions the order's
    status allows now travel along (an out-of-band swap): once the keeper has shipped, "Cancel"
    becomes "Close" without the rep reloading the page."""

    template_name = "sales/partials/order_tracking.html"
    with_stock_elsewhere = False

    def get_context(self, order: Any) -> dict[str, Any]:
        return {**super().get_context(order), "oob_actions": True}


# Actions -------------------------------------------------------------------------------------


def line_result_text(result: Any) -> str:
    line = result.line
    unit = line.item.base_unit
    return _("line %(n)s %(item)s: %(reserved)s reserved, %(short)s short, promised for %(date)s") % {
        "n": line.line_no, "item": line.item.code, "reserved": format_quantity(result.reserved, unit, with_unit=True),
        "short": format_quantity(result.short, unit, with_unit=True), "date": format_date(result.promised_date) or "—"}


def confirmation_message(result: Any) -> str:
    order = result.order
    if result.already_confirmed:
        head = _("%(order)s was already confirmed.") % {"order": order.reference}
    else:
        head = _("%(order)s confirmed, promised for %(date)s.") % {
            "order": order.reference, "date": format_date(order.promised_date) or "—"}
    lines = pgettext("list separator", "; ").join(line_result_text(r) for r in result.lines)
    return " ".join([head, _("%(sentence)s.") % {"sentence": lines}])


def stock_elsewhere_text(result: Any) -> str:
    """What the other warehouses hold of the short lines' items: "Available in other warehouses:
    MOT-1: RAW 36 PCS, WH3 5 PCS." (empty when none has any)."""
    order = result.order
    short = [r.line for r in result.shortages]
    found = selectors.stock_elsewhere_of(order, [line.item_id for line in short]) if short else {}
    parts, seen = [], set()
    for line in short:
        if line.item_id in seen or not found.get(line.item_id):
            continue
        seen.add(line.item_id)
        unit = line.item.base_unit
        stocks = pgettext("list separator", ", ").join(
            f"{stock.warehouse.code} {format_quantity(stock.available, unit, with_unit=True)}"
            for stock in found[line.item_id])
        parts.append(_("%(item)s: %(stocks)s") % {"item": line.item.code, "stocks": stocks})
    if not parts:
        return ""
    return _("Available in other warehouses: %(list)s.") % {"list": pgettext("list separator", "; ").join(parts)}


def confirmed(order: Any, before: str, result: Any) -> tuple[int, str]:
    """A warning when something is short (the page then shows what production and purchasing got),
    with the stock other warehouses hold of it."""
    if result.shortages and not result.already_confirmed:
        elsewhere = stock_elsewhere_text(result)
        text = confirmation_message(result)
        return messages.WARNING, f"{text} {elsewhere}" if elsewhere else text
    return messages.SUCCESS, confirmation_message(result)


def transfer_source(request: HttpRequest) -> dict[str, Any]:
    """The warehouse the transfer comes from: one the user operates (else 403)."""
    pk = request.POST.get("from_warehouse", "")
    warehouse = warehouses_for_user(request.user, CHANGE).filter(pk=pk).first() if pk.isdigit() else None
    if warehouse is None:
        raise PermissionDenied
    return {"from_warehouse": warehouse}


def transfer_made(order: Any, before: str, transfer: Any) -> str:
    lines = pgettext("list separator", ", ").join(
        f"{line.item.code} {format_quantity(line.quantity, line.unit, with_unit=True)}"
        for line in transfer.lines.select_related("item", "unit").order_by("pk"))
    return _("Stock transfer %(transfer)s from %(from)s to %(to)s made for %(order)s (%(lines)s); the warehouse "
             "has a task to ship it.") % {"transfer": transfer.reference, "from": transfer.warehouse.code,
                                          "to": transfer.to_warehouse.code, "order": order.reference, "lines": lines}


def cancelled(order: Any, before: str, result: Any) -> str:
    if order.status == S.CLOSED:
        return _("%(order)s closed: what was not delivered will not be shipped.") % {"order": order.reference}
    return _("%(order)s voided.") % {"order": order.reference}


def waits_for_stock(order: Any) -> bool:
    """An open order with a line still short: stock may have arrived that it can take."""
    return any(line.shortage_quantity > 0 for line in order.lines.all())


def reserved_waiting(order: Any, before: str, result: Any) -> tuple[int, str]:
    mine = result.reserved.get(order.pk, {})
    if not mine:
        return messages.INFO, _("No stock of the short items is free in %(warehouse)s yet: %(order)s keeps waiting, "
                                "and takes it as soon as it arrives.") % {
            "warehouse": order.warehouse.code, "order": order.reference}
    return messages.SUCCESS, ngettext(
        "%(count)s line of %(order)s got stock: it is on the delivery note for the warehouse to pick.",
        "%(count)s lines of %(order)s got stock: they are on the delivery note for the warehouse to pick.",
        len(mine)) % {"count": len(mine), "order": order.reference}


def approval_note(request: HttpRequest) -> dict[str, Any]:
    form = CreditApprovalForm(request.POST)
    return {"note": form.cleaned_data["note"] if form.is_valid() else ""}


REFRESH = ("status", "number")
ORDER_ACTIONS = (
    ServiceAction(name="confirm", label=_l("Confirm"), service=services.order_confirm, success=confirmed,
                  statuses=(S.DRAFT,), confirm=_l("Confirm this order? Its stock is reserved and the warehouse, "
                                                  "production and purchasing get their work.")),
    ServiceAction(name="credit_request", path="credit/request", label=_l("Request credit approval"),
                  service=services.credit_request_approval, statuses=(S.DRAFT,), when=credit_blocked, style="warning",
                  success=credit_requested, refresh=REFRESH),
    ServiceAction(name="delete", label=_l("Delete draft"), service=services.order_delete_draft, statuses=(S.DRAFT,),
                  permissions=("sales.delete_salesorder",), style="outline-danger",
                  confirm=_l("Delete this draft order?"), success=_l("%(order)s deleted."),
                  redirect=lambda order, result: reverse("sales:order_list"),
                  refusals={ProtectedError: _l("%(order)s has records that refer to it (a credit approval): "
                                               "void it instead.")}),
    ServiceAction(name="cancel", label=_l("Void"), service=services.order_cancel, success=cancelled,
                  statuses=(S.DRAFT, S.CONFIRMED), style="outline-danger", refresh=REFRESH, reason=True,
                  confirm=lambda order: _("Void this order?") if order.status == S.DRAFT else _(
                      "Void this order? Its reservations are released, its delivery-note drafts voided and its "
                      "tasks closed.")),
    ServiceAction(name="reserve", label=_l("Reserve available stock"), service=waiting.order_reserve_available,
                  statuses=(S.CONFIRMED, S.PARTIAL), when=waits_for_stock, success=reserved_waiting,
                  style="outline-primary", refresh=REFRESH),
    ServiceAction(name="close", label=_l("Close"), service=services.order_close, success=_l("%(order)s closed."),
                  statuses=(S.PARTIAL, S.DELIVERED), style="outline-secondary", refresh=REFRESH,
                  confirm=_l("Close this order? What is not delivered is not shipped any more.")),
    # Posted by the forms of the page's "stock in other warehouses" box, one per warehouse.
    ServiceAction(name="transfer_stock", path="stock-transfer", label=_l("Transfer the shortage"),
                  service=shortages.order_transfer_shortage, params=transfer_source, button=False,
                  statuses=st.OPEN_ORDER_STATUSES, permissions=("sales.view_salesorder", "inventory.add_stocktransfer"),
                  success=transfer_made),
    # Posted by the form in the credit box of the page, not a button of its own.
    ServiceAction(name="credit_approve", path="credit/approve", label=_l("Approve credit"),
                  service=services.credit_approve, params=approval_note, button=False,
                  permissions=("sales.change_salesorder", "sales.approve_credit"), refresh=REFRESH,
                  success=credit_approved),
)
