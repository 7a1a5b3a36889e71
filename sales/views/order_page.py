"""The sales order's cross-department page and its actions.

One page answers "where is my order?": the header, per line what is reserved now, delivered,
returned and short with the promised date, the reservations (location, lot), the delivery notes
and their lines, the shortages announced to production and purchasing with the delivery of each
event to its subscribers, the tasks with assignee and state, credit approvals, returns and the
audit history. Its body is a partial (``order_tracking``) that htmx polls every 3 seconds; it
reads through ``selectors.order_tracking`` — a fixed number of queries whatever the order's size.

Actions (confirm, cancel, close, credit request/approval, delete a draft) are one service call
each; a refusal is a message on the page, never a 500.
"""

from django.contrib import messages
from django.db.models import ProtectedError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from erp.errors import DomainError
from erp.history import history_for
from erp.permissions import permission_required
from erp.roles import SALES_MANAGER
from sales import selectors
from sales import status as st
from sales.forms.documents import CreditApprovalForm
from sales.services import orders as services
from sales.views.documents import ORDERS, Action, get_order, header_rows, plain, shown_date

S = st.OrderStatus


def order_actions(order, user, credit):
    if not user.has_perm("sales.change_salesorder"):
        return []

    def url(action):
        return reverse(f"sales:order_{action}", args=[order.pk])

    actions = []
    if order.status == S.DRAFT:
        actions.append(Action(_("Edit"), url("edit"), "outline-primary", link=True))
        actions.append(Action(_("Confirm"), url("confirm"),
                              confirm=_("Confirm this order? Its stock is reserved and the warehouse, production "
                                        "and purchasing get their work.")))
        if credit and credit["blocked"] and not credit["requested"]:
            actions.append(Action(_("Request credit approval"), url("credit_request"), "warning"))
        if user.has_perm("sales.delete_salesorder"):
            actions.append(Action(_("Delete draft"), url("delete"), "outline-danger",
                                  confirm=_("Delete this draft order?")))
        actions.append(Action(_("Cancel"), url("cancel"), "outline-danger", confirm=_("Cancel this order?")))
    elif order.status == S.CONFIRMED:
        actions.append(Action(_("Cancel"), url("cancel"), "outline-danger",
                              confirm=_("Cancel this order? Its reservations are released, its delivery-note drafts "
                                        "cancelled and its tasks closed.")))
    elif order.status in (S.PARTIAL, S.DELIVERED):
        actions.append(Action(_("Close"), url("close"), "outline-secondary",
                              confirm=_("Close this order? What is not delivered is not shipped any more.")))
    return actions


def credit_state(order, tracking):
    """For a draft above the customer's credit limit: the figures, whether a manager approved it and
    whether the approval was asked for (an open task of the sales managers)."""
    if order.status != S.DRAFT or order.customer.credit_limit is None:
        return None
    check = services.credit_check(order)
    if not check.exceeds:
        return None
    requested = any(t.status == "open" and t.assignee_role_id and t.assignee_role.name == SALES_MANAGER
                    for t in tracking["tasks"])
    return {"check": check, "blocked": not check.approved, "requested": requested}


def tracking_context(order):
    tracking = selectors.order_tracking(order)
    return {"order": order, "tracking": tracking, "history": history_for(order),
            "header_rows": header_rows(order)}


@permission_required("sales.view_salesorder")
def order_detail(request, pk):
    order = get_order(request.user, pk)
    context = tracking_context(order)
    credit = credit_state(order, context["tracking"])
    context.update({
        "kind": ORDERS, "section": "order", "credit": credit,
        "actions": order_actions(order, request.user, credit),
        "can_approve": bool(credit and credit["blocked"] and request.user.has_perm("sales.approve_credit")
                            and request.user.has_perm("sales.change_salesorder")),
        "approval_form": CreditApprovalForm(),
    })
    return render(request, "sales/documents/order_detail.html", context)


@permission_required("sales.view_salesorder")
def order_tracking(request, pk):
    """The live part of the order's page, polled by htmx every 3 seconds."""
    order = get_order(request.user, pk)
    context = tracking_context(order)
    # The actions the order's status allows now travel along (htmx out-of-band swap): once the
    # keeper has shipped, "Cancel" becomes "Close" without the rep reloading the page.
    credit = credit_state(order, context["tracking"])
    context.update({"oob_actions": True, "actions": order_actions(order, request.user, credit),
                    "print_url": reverse("sales:order_print", args=[order.pk])})
    return render(request, "sales/partials/order_tracking.html", context)


# Actions -------------------------------------------------------------------------------------


def line_result_text(result):
    line = result.line
    unit = line.item.base_unit.code
    return _("line %(n)s %(item)s: %(reserved)s reserved, %(short)s short, promised for %(date)s") % {
        "n": line.line_no, "item": line.item.code, "reserved": f"{plain(result.reserved)} {unit}",
        "short": f"{plain(result.short)} {unit}", "date": shown_date(result.promised_date) or "—"}


def confirmation_message(result):
    order = result.order
    if result.already_confirmed:
        head = _("%(order)s was already confirmed.") % {"order": order.reference}
    else:
        head = _("%(order)s confirmed, promised for %(date)s.") % {
            "order": order.reference, "date": shown_date(order.promised_date) or "—"}
    lines = pgettext("list separator", "; ").join(line_result_text(r) for r in result.lines)
    return " ".join([head, _("%(sentence)s.") % {"sentence": lines}])


@permission_required("sales.change_salesorder")
@require_POST
def order_confirm(request, pk):
    order = get_order(request.user, pk)
    try:
        result = services.order_confirm(order=order, actor=request.user)
    except DomainError as exc:  # CreditLimitExceeded included: the page then offers to request an approval
        messages.error(request, exc.message)
    else:
        if result.shortages and not result.already_confirmed:
            messages.warning(request, confirmation_message(result))
        else:
            messages.success(request, confirmation_message(result))
    return redirect("sales:order_detail", pk=pk)


def run_action(request, pk, call, success):
    order = get_order(request.user, pk)
    try:
        call(order)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        order.refresh_from_db(fields=["status", "number"])
        messages.success(request, success(order))
    return redirect("sales:order_detail", pk=pk)


@permission_required("sales.change_salesorder")
@require_POST
def order_cancel(request, pk):
    def success(order):
        if order.status == S.CLOSED:
            return _("%(order)s closed: what was not delivered will not be shipped.") % {"order": order.reference}
        return _("%(order)s cancelled.") % {"order": order.reference}

    return run_action(request, pk, lambda order: services.order_cancel(order=order, actor=request.user), success)


@permission_required("sales.change_salesorder")
@require_POST
def order_close(request, pk):
    return run_action(request, pk, lambda order: services.order_close(order=order, actor=request.user),
                      lambda order: _("%(order)s closed.") % {"order": order.reference})


@permission_required("sales.change_salesorder")
@require_POST
def order_credit_request(request, pk):
    return run_action(request, pk, lambda order: services.credit_request_approval(order=order, actor=request.user),
                      lambda order: _("The sales managers were asked to approve %(order)s above the credit limit.")
                      % {"order": order.reference})


@permission_required("sales.change_salesorder", "sales.approve_credit")
@require_POST
def order_credit_approve(request, pk):
    form = CreditApprovalForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return run_action(request, pk, lambda order: services.credit_approve(order=order, actor=request.user, note=note),
                      lambda order: _("Credit approved for %(order)s: it can be confirmed now.")
                      % {"order": order.reference})


@permission_required("sales.delete_salesorder")
@require_POST
def order_delete(request, pk):
    order = get_order(request.user, pk)
    reference = order.reference
    try:
        services.order_delete_draft(order=order, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:order_detail", pk=pk)
    except ProtectedError:
        messages.error(request, _("%(order)s has records that refer to it (a credit approval): cancel it instead.")
                       % {"order": reference})
        return redirect("sales:order_detail", pk=pk)
    messages.success(request, _("%(order)s deleted.") % {"order": reference})
    return redirect("sales:order_list")
