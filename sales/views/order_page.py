"""The sales order's cross-department page and its actions.

One page answers "where is my order?": the header, per line what is reserved now, delivered,
returned and short with the promised date, the shortages requested from production and purchasing
and where each stands (requested, planned or ordered, covered, delivered), credit approvals, returns and the audit
history; and the sections the other departments contribute (erp.registry.document_panels): the
reservations and delivery notes (inventory), the tasks (office). Its body is a partial
(``order_tracking``) that htmx polls every 3 seconds; it reads through ``selectors.order_tracking``
and the panels — a fixed number of queries whatever the order's size.

The actions (confirm, cancel, close, credit request/approval, delete a draft) are declared here as
``ServiceAction``s of the ORDERS kind: one service call each; a refusal is a message on the page,
never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext

from erp.document_screens import ServiceAction, shown
from erp.document_screens.views import DocumentDetailView
from erp.history import history_for
from erp.registry import document_panels
from erp.roles import SALES_MANAGER
from office.selectors import has_open_task
from sales import selectors
from sales import status as st
from sales.forms.documents import CreditApprovalForm
from sales.services import orders as services
from sales.views.entry import plain

S = st.OrderStatus


def credit_state(order: Any) -> dict[str, Any] | None:
    """For a draft above the customer's credit limit: the figures, whether a manager approved it and
    whether the approval was asked for (an open task of the sales managers). Worked out once per
    request (the page and its actions both ask)."""
    if not hasattr(order, "_credit_state"):
        state = None
        if order.status == S.DRAFT and order.customer.credit_limit is not None:
            check = services.credit_check(order)
            if check.exceeds:
                state = {"check": check, "blocked": not check.approved,
                         "requested": has_open_task(order, role=SALES_MANAGER)}
        order._credit_state = state
    return order._credit_state  # type: ignore[no-any-return]


def credit_blocked(order: Any) -> bool:
    credit = credit_state(order)
    return bool(credit and credit["blocked"] and not credit["requested"])


# The page ------------------------------------------------------------------------------------


class OrderPageView(DocumentDetailView):
    """The order's page: its actions, the credit state, and the live part (``OrderTrackingView``)."""

    template_name = "sales/documents/order_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self.get_document(pk)
        return render(request, self.template_name, self.get_context(order))

    def get_context(self, order: Any) -> dict[str, Any]:
        credit = credit_state(order)
        return self.base_context(
            document=order, order=order, tracking=selectors.order_tracking(order, user=self.user),
            history=history_for(order),
            header_rows=self.header_rows(order), panels=document_panels(self.user, order, live=True),
            actions=self.kind.actions_for(self.user, order), print_url=self.kind.url_of("print", order),
            credit=credit, approval_form=CreditApprovalForm(),
            can_approve=bool(credit and credit["blocked"] and self.user.has_perms(
                ("sales.approve_credit", "sales.change_salesorder"))),
        )


class OrderTrackingView(OrderPageView):
    """The live part of the order's page, polled by htmx every 3 seconds. The actions the order's
    status allows now travel along (an out-of-band swap): once the keeper has shipped, "Cancel"
    becomes "Close" without the rep reloading the page."""

    template_name = "sales/partials/order_tracking.html"

    def get_context(self, order: Any) -> dict[str, Any]:
        return {**super().get_context(order), "oob_actions": True}


# Actions -------------------------------------------------------------------------------------


def line_result_text(result: Any) -> str:
    line = result.line
    unit = line.item.base_unit.code
    return _("line %(n)s %(item)s: %(reserved)s reserved, %(short)s short, promised for %(date)s") % {
        "n": line.line_no, "item": line.item.code, "reserved": f"{plain(result.reserved)} {unit}",
        "short": f"{plain(result.short)} {unit}", "date": shown(result.promised_date) or "—"}


def confirmation_message(result: Any) -> str:
    order = result.order
    if result.already_confirmed:
        head = _("%(order)s was already confirmed.") % {"order": order.reference}
    else:
        head = _("%(order)s confirmed, promised for %(date)s.") % {
            "order": order.reference, "date": shown(order.promised_date) or "—"}
    lines = pgettext("list separator", "; ").join(line_result_text(r) for r in result.lines)
    return " ".join([head, _("%(sentence)s.") % {"sentence": lines}])


def confirmed(order: Any, before: str, result: Any) -> tuple[int, str]:
    """A warning when something is short (the page then shows what production and purchasing got)."""
    level = messages.WARNING if result.shortages and not result.already_confirmed else messages.SUCCESS
    return level, confirmation_message(result)


def cancelled(order: Any, before: str, result: Any) -> str:
    if order.status == S.CLOSED:
        return _("%(order)s closed: what was not delivered will not be shipped.") % {"order": order.reference}
    return _("%(order)s cancelled.") % {"order": order.reference}


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
                  success=_l("The sales managers were asked to approve %(order)s above the credit limit."),
                  refresh=REFRESH),
    ServiceAction(name="delete", label=_l("Delete draft"), service=services.order_delete_draft, statuses=(S.DRAFT,),
                  permissions=("sales.delete_salesorder",), style="outline-danger",
                  confirm=_l("Delete this draft order?"), success=_l("%(order)s deleted."),
                  redirect=lambda order, result: reverse("sales:order_list"),
                  refusals={ProtectedError: _l("%(order)s has records that refer to it (a credit approval): "
                                               "cancel it instead.")}),
    ServiceAction(name="cancel", label=_l("Cancel"), service=services.order_cancel, success=cancelled,
                  statuses=(S.DRAFT, S.CONFIRMED), style="outline-danger", refresh=REFRESH,
                  confirm=lambda order: _("Cancel this order?") if order.status == S.DRAFT else _(
                      "Cancel this order? Its reservations are released, its delivery-note drafts cancelled and its "
                      "tasks closed.")),
    ServiceAction(name="close", label=_l("Close"), service=services.order_close, success=_l("%(order)s closed."),
                  statuses=(S.PARTIAL, S.DELIVERED), style="outline-secondary", refresh=REFRESH,
                  confirm=_l("Close this order? What is not delivered is not shipped any more.")),
    # Posted by the form in the credit box of the page, not a button of its own.
    ServiceAction(name="credit_approve", path="credit/approve", label=_l("Approve credit"),
                  service=services.credit_approve, params=approval_note, button=False,
                  permissions=("sales.change_salesorder", "sales.approve_credit"), refresh=REFRESH,
                  success=_l("Credit approved for %(order)s: it can be confirmed now.")),
)
