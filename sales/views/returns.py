"""Screens of the customer returns: list (filters, export), create against a posted delivery note,
edit a draft, detail with post and cancel, print.

Returns are read through ``sales.selectors.returns_for_user`` (a sales rep: their customers only),
the deliveries to return from through ``inventory.selectors.deliveries_for_user``. Every write is one
call to sales.services.returns; a refusal is shown beside the line or above the form, never a 500.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError, ImmutableDocument
from erp.exports import export_response
from erp.history import history_for
from erp.permissions import permission_required, user_company
from inventory import selectors as inventory_selectors
from inventory import status as inventory_status
from inventory.models import Warehouse
from inventory.selectors import unit_factors
from inventory.views.documents import require_operate
from inventory.views.reports import export_format, list_context, paginate, render_list
from sales import selectors
from sales import status as st
from sales.forms.returns import ReturnFilterForm, ReturnSheet
from sales.models import SalesOrder
from sales.services import returns as services

ZERO = Decimal("0")
HEADER_RELATED = ("customer", "order", "delivery", "delivery__warehouse", "created_by")
LINE_RELATED = ("delivery_line", "item", "unit", "location__warehouse", "lot")


def get_return(user, pk):
    return get_object_or_404(selectors.returns_for_user(user).select_related(*HEADER_RELATED), pk=pk)


def return_lines(customer_return):
    return customer_return.lines.select_related(*LINE_RELATED).order_by("pk")


# List ----------------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    (gettext_lazy("Number"), lambda r: str(r.reference)),
    (gettext_lazy("Date"), lambda r: r.document_date),
    (gettext_lazy("Customer code"), lambda r: r.customer.code),
    (gettext_lazy("Customer"), lambda r: r.customer.name),
    (gettext_lazy("Sales order"), lambda r: r.order.reference),
    (gettext_lazy("Delivery note"), lambda r: r.delivery.reference),
    (gettext_lazy("Status"), lambda r: r.get_status_display()),
    (gettext_lazy("Reason"), lambda r: r.reason),
    (gettext_lazy("Lines"), lambda r: r.line_count),
    (gettext_lazy("Created by"), lambda r: str(r.created_by or "")),
    (gettext_lazy("Posted at"), lambda r: r.posted_at),
]


@permission_required("sales.view_customerreturn")
def return_list(request):
    filters = ReturnFilterForm(request.GET or None, customers=selectors.customers_for_user(request.user)
                               .order_by("code"))
    data = {}
    if filters.is_bound:
        filters.is_valid()  # the valid filters apply even when another one is wrong (its error is shown)
        data = filters.cleaned_data
    rows = selectors.returns_for_user(
        request.user, customer=data.get("customer"), status=data.get("status") or None,
        date_from=data.get("date_from"), date_to=data.get("date_to"), search=(data.get("q") or "").strip(),
    ).select_related("created_by").annotate(line_count=Count("lines"))
    if fmt := export_format(request):
        return export_response(request, rows=rows, columns=EXPORT_COLUMNS, filename="customer_returns", fmt=fmt)
    page = paginate(request, rows)
    return render_list(request, "sales/returns/list.html", "sales/returns/_list_table.html",
                       list_context(request, page, filters,
                                    can_add=request.user.has_perm("sales.add_customerreturn")))


# Create and edit -----------------------------------------------------------------------------


def returnable_deliveries(user):
    """Posted delivery notes of sales orders the user may see."""
    return inventory_selectors.deliveries_for_user(user).filter(
        status=inventory_status.DocStatus.POSTED, source_type=ContentType.objects.get_for_model(SalesOrder))


def choose_delivery(request):
    """The posted delivery notes the user may return goods from (no ?delivery= given)."""
    notes = returnable_deliveries(request.user).select_related("warehouse")
    if search := request.GET.get("q", "").strip():
        notes = notes.filter(Q(number__icontains=search) | Q(customer_name__icontains=search)
                             | Q(source_reference__icontains=search))
    page = paginate(request, notes.order_by("-posted_at", "-pk"))
    return render(request, "sales/returns/choose_delivery.html", {"page": page, "q": search})


def sheet_lines(delivery, exclude=None):
    """The shipped lines of ``delivery`` and what each can still return, in the line's unit."""
    lines = [line for line in delivery.lines.select_related("item", "item__base_unit", "unit", "location__warehouse",
                                                            "lot").order_by("pk") if line.picked > 0]
    already = services.returned_so_far([line.pk for line in lines], exclude=exclude)
    factors = unit_factors({line.item_id for line in lines})
    returnable = {}
    for line in lines:
        factor = (Decimal("1") if line.unit_id == line.item.base_unit_id
                  else factors.get(line.item_id, {}).get(line.unit_id))
        taken = already.get(line.pk, ZERO) / factor if factor else ZERO
        line.returned_before = taken
        returnable[line.pk] = max(line.picked - taken, ZERO)
        line.returnable = returnable[line.pk]
    return lines, returnable


def return_form(request, delivery, customer_return=None):
    user = request.user
    lines, returnable = sheet_lines(delivery, exclude=customer_return)
    locations = list(inventory_selectors.document_form_choices(user)["all_locations"])
    existing, header_initial = {}, {}
    if customer_return is not None:
        existing = {line.delivery_line_id: (line.quantity, line.location) for line in return_lines(customer_return)}
        header_initial = {"document_date": customer_return.document_date, "reason": customer_return.reason}
    data = request.POST if request.method == "POST" else None
    sheet = ReturnSheet(data, lines=lines, locations=locations, returnable=returnable, existing=existing,
                        header_initial=header_initial)
    errors = []
    if data is not None and sheet.is_valid():
        try:
            saved = services.return_save(company=user_company(user), actor=user, delivery=delivery,
                                         lines=sheet.service_lines(), customer_return=customer_return,
                                         **sheet.header.cleaned_data)
        except (DomainError, ValidationError) as exc:
            errors.extend(exc.messages if isinstance(exc, ValidationError) else [exc.message])
        else:
            messages.success(request, _("%(document)s saved: post it when the goods are back in the warehouse.")
                             % {"document": saved.reference})
            return redirect("sales:return_detail", pk=saved.pk)
    return render(request, "sales/returns/form.html", {
        "delivery": delivery, "customer_return": customer_return, "sheet": sheet, "errors": errors,
        "rows": list(zip(lines, sheet.forms, strict=True)),
    })


@permission_required("sales.add_customerreturn")
def return_create(request):
    delivery_id = request.GET.get("delivery", "")
    if not delivery_id.isdigit():
        return choose_delivery(request)
    delivery = get_object_or_404(
        returnable_deliveries(request.user).select_related("warehouse"),
        pk=int(delivery_id))
    return return_form(request, delivery)


@permission_required("sales.change_customerreturn")
def return_edit(request, pk):
    customer_return = get_return(request.user, pk)
    if not customer_return.is_editable:
        messages.error(request, ImmutableDocument.default_message)
        return redirect("sales:return_detail", pk=pk)
    delivery = customer_return.delivery
    return return_form(request, delivery, customer_return)


# Detail, actions, print ----------------------------------------------------------------------


@dataclass
class Action:
    label: str
    url: str
    style: str = "primary"
    confirm: str = ""
    link: bool = False


def detail_actions(customer_return, user):
    if customer_return.status != st.ReturnStatus.DRAFT or not user.has_perm("sales.change_customerreturn"):
        return []

    def url(action):
        return reverse(f"sales:return_{action}", args=[customer_return.pk])

    return [
        Action(_("Edit"), url("edit"), "outline-primary", link=True),
        Action(_("Post return"), url("post"),
               confirm=_("Post this return? The goods go back into stock and finance is told a credit note is due.")),
        Action(_("Cancel"), url("cancel"), "outline-danger", confirm=_("Cancel this return draft?")),
    ]


@permission_required("sales.view_customerreturn")
def return_detail(request, pk):
    customer_return = get_return(request.user, pk)
    return render(request, "sales/returns/detail.html", {
        "customer_return": customer_return,
        "lines": list(return_lines(customer_return)),
        "moves": inventory_selectors.document_moves(customer_return),
        "actions": detail_actions(customer_return, request.user),
        "history": history_for(customer_return),
        "can_see_delivery": request.user.has_perm("inventory.view_deliverynote"),
    })


@permission_required("sales.change_customerreturn")
@require_POST
def return_post(request, pk):
    customer_return = get_return(request.user, pk)
    # Goods come into stock: like every inventory posting, only a keeper of those warehouses may post.
    for warehouse in Warehouse.objects.filter(pk__in=customer_return.lines.values("location__warehouse")):
        require_operate(request.user, warehouse)
    try:
        posted = services.return_post(customer_return=customer_return, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(document)s posted: the goods are back in stock.")
                         % {"document": posted.reference})
    return redirect("sales:return_detail", pk=pk)


@permission_required("sales.change_customerreturn")
@require_POST
def return_cancel(request, pk):
    customer_return = get_return(request.user, pk)
    try:
        services.return_cancel(customer_return=customer_return, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(document)s cancelled.") % {"document": customer_return.reference})
    return redirect("sales:return_detail", pk=pk)


@permission_required("sales.view_customerreturn")
def return_print(request, pk):
    customer_return = get_return(request.user, pk)
    return render(request, "sales/returns/print.html", {
        "customer_return": customer_return, "company": customer_return.company,
        "lines": list(return_lines(customer_return)),
        "signatures": (_("Returned by (customer)"), _("Received by"), _("Approved by")),
    })
