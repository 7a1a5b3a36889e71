"""Screens of the delivery notes (出貨單): list, detail, pick sheet, post, cancel, print.

A delivery note is made by inventory for a source document, a confirmed sales order (see
inventory.services.deliveries); the keeper picks it (location and lot per line, FEFO suggested),
posts it (the stock leaves, the order is told, a backorder note takes the rest) or cancels the
draft. Notes are read through ``selectors.deliveries_for_user`` (a keeper: the warehouses granted;
a sales rep: their customers' orders); picking, posting and cancelling also need the right to
operate the note's warehouse, otherwise 403. Every write is one call to the delivery services; a
refusal (DomainError) is shown on the page, never a 500.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError, ImmutableDocument
from erp.exports import export_response
from erp.history import history_for
from erp.permissions import permission_required
from erp.registry import Action, document_actions, document_panels
from inventory import selectors
from inventory import status as st
from inventory.forms.deliveries import DeliveryFilterForm, PickSheet
from inventory.models import DeliveryNote, Location, Lot
from inventory.services import deliveries as services
from inventory.views.documents import require_operate
from inventory.views.reports import export_format, list_context, paginate, render_list

HEADER_RELATED = ("warehouse", "source_type", "backorder_of", "created_by")
LINE_RELATED = ("item", "item__base_unit", "unit", "location__warehouse", "lot")


def source_url(delivery):
    """The page of the note's source document (a sales order's cross-department page), if it has one."""
    source = delivery.source
    return source.get_absolute_url() if hasattr(source, "get_absolute_url") else None


def get_delivery(user, pk):
    return get_object_or_404(selectors.deliveries_for_user(user).select_related(*HEADER_RELATED), pk=pk)


def delivery_lines(delivery):
    return delivery.lines.select_related(*LINE_RELATED).order_by("pk")


# List ----------------------------------------------------------------------------------------


def delivery_rows(user, filters):
    notes = selectors.deliveries_for_user(user).select_related(*HEADER_RELATED)
    data = {}
    if filters.is_bound:
        filters.is_valid()  # the valid filters apply even when another one is wrong (its error is shown)
        data = filters.cleaned_data
    if search := (data.get("q") or "").strip():
        notes = notes.filter(Q(number__icontains=search) | Q(customer_name__icontains=search)
                             | Q(source_reference__icontains=search) | Q(customer_code__iexact=search))
    if data.get("status"):
        notes = notes.filter(status=data["status"])
    if data.get("warehouse"):
        notes = notes.filter(warehouse=data["warehouse"])
    if data.get("date_from"):
        notes = notes.filter(document_date__gte=data["date_from"])
    if data.get("date_to"):
        notes = notes.filter(document_date__lte=data["date_to"])
    return notes.annotate(line_count=Count("lines")).order_by("-document_date", "-pk")


EXPORT_COLUMNS = [
    (gettext_lazy("Number"), lambda d: str(d.reference)),
    (gettext_lazy("Date"), lambda d: d.document_date),
    (gettext_lazy("Warehouse"), lambda d: d.warehouse.code),
    (gettext_lazy("Source document"), lambda d: d.source_reference),
    (gettext_lazy("Customer code"), lambda d: d.customer_code),
    (gettext_lazy("Customer"), lambda d: d.customer_name),
    (gettext_lazy("Status"), lambda d: d.get_status_display()),
    (gettext_lazy("Backorder of"), lambda d: str(d.backorder_of.reference) if d.backorder_of_id else ""),
    (gettext_lazy("Lines"), lambda d: d.line_count),
    (gettext_lazy("Created by"), lambda d: str(d.created_by or "")),
    (gettext_lazy("Posted at"), lambda d: d.posted_at),
]


@permission_required("inventory.view_deliverynote")
def delivery_list(request):
    filters = DeliveryFilterForm(request.GET or None, statuses=st.DocStatus.choices,
                                 warehouses=selectors.warehouses_for_user(request.user).order_by("code"))
    notes = delivery_rows(request.user, filters)
    if fmt := export_format(request):
        return export_response(request, rows=notes, columns=EXPORT_COLUMNS, filename="delivery_notes", fmt=fmt)
    page = paginate(request, notes.prefetch_related("source"))
    for note in page.object_list:
        note.source_url = source_url(note)
    return render_list(request, "inventory/deliveries/list.html", "inventory/deliveries/_list_table.html",
                       list_context(request, page, filters))


# Detail --------------------------------------------------------------------------------------


def detail_actions(delivery, user):
    actions = []

    def url(action):
        return reverse(f"inventory:delivery_{action}", args=[delivery.pk])

    if (delivery.status == st.DocStatus.DRAFT and user.has_perm("inventory.change_deliverynote")
            and selectors.can_operate(user, delivery.warehouse)):
        actions += [
            Action(_("Pick"), url("pick"), "outline-primary", link=True),
            Action(_("Post delivery"), url("post"),
                   confirm=_("Ship what was picked? The stock leaves the warehouse; the rest goes on a backorder.")),
            Action(_("Cancel"), url("cancel"), "outline-danger", confirm=_("Cancel this delivery note draft?")),
        ]
    return actions + document_actions(user, delivery)  # what other apps offer (a customer return…)


@permission_required("inventory.view_deliverynote")
def delivery_detail(request, pk):
    delivery = get_delivery(request.user, pk)
    return render(request, "inventory/deliveries/detail.html", {
        "delivery": delivery,
        "source_url": source_url(delivery),
        "lines": list(delivery_lines(delivery)),
        "backorders": list(delivery.backorders.order_by("pk")),
        "moves": selectors.document_moves(delivery),
        "panels": document_panels(request.user, delivery),
        "actions": detail_actions(delivery, request.user),
        "history": history_for(delivery),
    })


# Pick sheet ----------------------------------------------------------------------------------


def pick_choices(delivery, lines):
    """The note's warehouse storage locations and the lots of its items (first-expiring first)."""
    locations = list(Location.objects.filter(warehouse=delivery.warehouse, kind=st.LocationKind.INTERNAL,
                                             is_active=True).select_related("warehouse").order_by("code"))
    lots = list(Lot.objects.filter(item_id__in={line.item_id for line in lines}).select_related("item")
                .order_by("item__code", F("expires_on").asc(nulls_last=True), "number"))
    return locations, lots


def stock_by_item(delivery, lines):
    """[(item, balances)] per item of the note: where it is, in FEFO order (the first row is the suggestion)."""
    items = list({line.item_id: line.item for line in lines}.values())
    return [(item, selectors.locations_for_pick(delivery.warehouse, item)) for item in items]


def with_add_row(data):
    data = data.copy()
    try:
        total = int(data.get("splits-TOTAL_FORMS") or 0)
    except ValueError:
        total = 0
    data["splits-TOTAL_FORMS"] = str(min(total, 99) + 1)
    return data


@permission_required("inventory.change_deliverynote")
def delivery_pick(request, pk):
    """Where each line is picked from and how much; extra rows split an order line over more bins or lots."""
    delivery = get_delivery(request.user, pk)
    require_operate(request.user, delivery.warehouse)
    if delivery.status != st.DocStatus.DRAFT:
        messages.error(request, ImmutableDocument.default_message)
        return redirect("inventory:delivery_detail", pk=pk)
    lines = list(delivery_lines(delivery))
    locations, lots = pick_choices(delivery, lines)
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_row" in data:
        data = with_add_row(data)
    sheet = PickSheet(data, lines=lines, locations=locations, lots=lots)
    errors = []
    if data is not None and "add_row" not in data and sheet.is_valid():
        try:
            services.delivery_save_picks(delivery=delivery, lines=sheet.service_lines(), actor=request.user)
        except (DomainError, ValidationError) as exc:
            errors.extend(exc.messages if isinstance(exc, ValidationError) else [exc.message])
        else:
            messages.success(request, _("%(document)s: picks saved.") % {"document": delivery.reference})
            return redirect("inventory:delivery_detail", pk=pk)
    return render(request, "inventory/deliveries/pick.html", {
        "delivery": delivery, "sheet": sheet, "errors": errors, "stock": stock_by_item(delivery, lines),
        "first_split_number": len(lines) + 1,
    })


# Status changes ------------------------------------------------------------------------------


@permission_required("inventory.change_deliverynote")
@require_POST
def delivery_post(request, pk):
    delivery = get_delivery(request.user, pk)
    require_operate(request.user, delivery.warehouse)
    try:
        delivery = services.delivery_post(delivery=delivery, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        backorder = DeliveryNote.objects.filter(backorder_of=delivery).order_by("-pk").first()
        if backorder is None:
            messages.success(request, _("%(document)s posted: the goods are shipped.")
                             % {"document": delivery.reference})
        else:
            messages.success(request, _("%(document)s posted: the goods are shipped. Backorder %(backorder)s "
                                        "holds what is still to ship.")
                             % {"document": delivery.reference, "backorder": backorder.reference})
    return redirect("inventory:delivery_detail", pk=pk)


@permission_required("inventory.change_deliverynote")
@require_POST
def delivery_cancel(request, pk):
    delivery = get_delivery(request.user, pk)
    require_operate(request.user, delivery.warehouse)
    try:
        services.delivery_cancel(delivery=delivery, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(document)s cancelled.") % {"document": delivery.reference})
    return redirect("inventory:delivery_detail", pk=pk)


# Print ---------------------------------------------------------------------------------------


@permission_required("inventory.view_deliverynote")
def delivery_print(request, pk):
    delivery = get_delivery(request.user, pk)
    posted = delivery.status == st.DocStatus.POSTED
    lines = [line for line in delivery_lines(delivery) if not posted or line.picked > 0]
    for line in lines:
        line.shown_quantity = line.picked if posted else line.quantity
    return render(request, "inventory/deliveries/print.html", {
        "delivery": delivery, "company": delivery.company,
        "lines": lines, "posted": posted,
        "signatures": (_("Shipped by"), _("Carrier"), _("Received by (customer)")),
    })
