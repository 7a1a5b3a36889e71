"""Screens of the delivery notes (出貨單): list, detail, pick sheet, post, cancel, print.

A delivery note is made by inventory for a source document, a confirmed sales order (see
inventory.services.deliveries); the keeper picks it (location and lot per line, FEFO suggested),
posts it (the stock leaves, the order is told, a backorder note takes the rest) or cancels the
draft. ``DELIVERIES`` is a ``DocumentKind`` (erp.document_screens); the pick sheet is a screen of its
own here. Notes are read through ``selectors.deliveries_for_user`` (a keeper: the warehouses granted;
a sales rep: their customers' orders); picking, posting and cancelling also need the right to
operate the note's warehouse, otherwise 403. The buttons and sections other apps add (a customer
return) come from erp.registry.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    Cell,
    Column,
    DocumentKind,
    LinkAction,
    ServiceAction,
    Templates,
    created_by_column,
    date_column,
    line_count_column,
    number_column,
    posted_at_column,
    status_column,
)
from erp.document_screens.views import DocumentView, with_added_line
from erp.errors import DomainError, ImmutableDocument
from inventory import selectors
from inventory import status as st
from inventory.forms.deliveries import DeliveryFilterForm, PickSheet
from inventory.models import DeliveryNote, Location, Lot
from inventory.services import deliveries as services
from inventory.sql import FefoKey
from inventory.views.documents import operates_warehouse

DRAFT = st.DocStatus.DRAFT
HEADER_RELATED = ("warehouse", "source_type", "backorder_of", "created_by")
LINE_RELATED = ("item", "item__base_unit", "unit", "location__warehouse", "lot")


def source_url(delivery: DeliveryNote) -> str | None:
    """The page of the note's source document (a sales order's cross-department page), if it has one."""
    source = delivery.source
    return source.get_absolute_url() if hasattr(source, "get_absolute_url") else None


def deliveries_for_user(user: Any) -> QuerySet[DeliveryNote]:
    return selectors.deliveries_for_user(user).select_related(*HEADER_RELATED)


def delivery_lines(delivery: DeliveryNote) -> QuerySet[Any]:
    return delivery.lines.select_related(*LINE_RELATED).order_by("pk")


# List ----------------------------------------------------------------------------------------


def filter_choices(request: HttpRequest) -> dict[str, Any]:
    return {"statuses": st.DocStatus.choices,
            "warehouses": selectors.warehouses_for_user(request.user).order_by("code")}


def with_source_urls(notes: list[DeliveryNote]) -> None:
    prefetch_related_objects(notes, "source")
    for note in notes:
        note.source_url = source_url(note)


def backorder_cell(note: DeliveryNote) -> Cell:
    if not note.backorder_of_id:
        return Cell()
    return Cell(note.backorder_of.reference, url=reverse("inventory:delivery_detail", args=[note.backorder_of_id]))


COLUMNS = (
    number_column(), date_column(),
    Column(_l("Warehouse"), lambda d: d.warehouse.code),
    Column(_l("Source document"), lambda d: d.source_reference,
           display=lambda d: Cell(d.source_reference, url=d.source_url or "")),
    Column(_l("Customer code"), lambda d: d.customer_code, listed=False),
    Column(_l("Customer"), lambda d: d.customer_name, display=lambda d: d.customer_display),
    status_column(),
    Column(_l("Backorder of"), lambda d: str(d.backorder_of.reference) if d.backorder_of_id else "",
           display=backorder_cell),
    line_count_column(),
    created_by_column(listed=False),
    posted_at_column(),
)


# Detail and print ----------------------------------------------------------------------------


def detail_context(request: HttpRequest, delivery: DeliveryNote, context: dict[str, Any]) -> dict[str, Any]:
    return {"source_url": source_url(delivery), "backorders": list(delivery.backorders.order_by("pk")),
            "moves": selectors.document_moves(delivery)}


def print_context(request: HttpRequest, delivery: DeliveryNote, context: dict[str, Any]) -> dict[str, Any]:
    """A posted note prints what was shipped; a draft what is to ship."""
    posted = delivery.status == st.DocStatus.POSTED
    lines = [line for line in context["lines"] if not posted or line.picked > 0]
    for line in lines:
        line.shown_quantity = line.picked if posted else line.quantity
    return {"lines": lines, "posted": posted}


def posted_message(delivery: DeliveryNote, before: str, result: DeliveryNote) -> str:
    backorder = DeliveryNote.objects.filter(backorder_of=result).order_by("-pk").first()
    if backorder is None:
        return _("%(document)s posted: the goods are shipped.") % {"document": result.reference}
    return _("%(document)s posted: the goods are shipped. Backorder %(backorder)s holds what is still to ship.") % {
        "document": result.reference, "backorder": backorder.reference}


DELIVERIES = DocumentKind(
    namespace="inventory", key="delivery", segment="deliveries", model=DeliveryNote,
    title=_l("Delivery note"), title_plural=_l("Delivery notes"), selector=deliveries_for_user,
    filter_form=DeliveryFilterForm, filter_kwargs=filter_choices, columns=COLUMNS,
    search_fields=("number", "customer_name", "source_reference", "customer_code__iexact"),
    list_rows=lambda rows: rows.annotate(line_count=Count("lines")), prepare=with_source_urls,
    export_filename="delivery_notes", empty=_l("No delivery notes."),
    lines=delivery_lines, detail_context=detail_context, print_context=print_context,
    signatures=(_l("Shipped by"), _l("Carrier"), _l("Received by (customer)")),
    actions=(
        LinkAction(name="pick", label=_l("Pick"), url_name="delivery_pick", statuses=(DRAFT,)),
        ServiceAction(name="post", label=_l("Post delivery"), service=services.delivery_post, success=posted_message,
                      statuses=(DRAFT,), confirm=_l("Ship what was picked? The stock leaves the warehouse; the rest "
                                                    "goes on a backorder.")),
        ServiceAction(name="cancel", label=_l("Void"), service=services.delivery_cancel, reason=True,
                      success=_l("%(document)s voided."), statuses=(DRAFT,), style="outline-danger",
                      confirm=_l("Void this delivery note draft?")),
    ),
    guard=operates_warehouse,
    templates=Templates(list="inventory/deliveries/list.html", results="inventory/deliveries/_list_table.html",
                        detail="inventory/deliveries/detail.html", print="inventory/deliveries/print.html"),
    section="delivery",
)


# Pick sheet ----------------------------------------------------------------------------------


def pick_choices(delivery: DeliveryNote, lines: list[Any]) -> tuple[list[Location], list[Lot]]:
    """The note's warehouse storage locations and the lots of its items (first-expiring first)."""
    locations = list(Location.objects.filter(warehouse=delivery.warehouse, kind=st.LocationKind.INTERNAL,
                                             is_active=True).select_related("warehouse").order_by("code"))
    lots = list(Lot.objects.filter(item_id__in={line.item_id for line in lines}).select_related("item")
                .order_by("item__code", FefoKey("expires_on"), "number"))
    return locations, lots


def stock_by_item(delivery: DeliveryNote, lines: list[Any]) -> list[tuple[Any, Any]]:
    """[(item, balances)] per item of the note: where it is, in FEFO order (the first row is the suggestion)."""
    items = list({line.item_id: line.item for line in lines}.values())
    return [(item, selectors.locations_for_pick(delivery.warehouse, item)) for item in items]


class DeliveryPickView(DocumentView):
    """Where each line is picked from and how much; extra rows split an order line over more bins or lots."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.handle(pk)

    def handle(self, pk: int) -> HttpResponse:
        delivery = self.get_document(pk)
        self.check_guard(delivery)
        if delivery.status != DRAFT:
            messages.error(self.request, str(ImmutableDocument.default_message))
            return redirect("inventory:delivery_detail", pk=pk)
        lines = list(delivery_lines(delivery))
        locations, lots = pick_choices(delivery, lines)
        data = self.request.POST if self.request.method == "POST" else None
        adding = data is not None and "add_row" in data
        if data is not None and adding:
            data = with_added_line(data, 100, prefix="splits")
        sheet = PickSheet(data, lines=lines, locations=locations, lots=lots)
        errors: list[str] = []
        if data is not None and not adding and sheet.is_valid():
            try:
                services.delivery_save_picks(delivery=delivery, lines=sheet.service_lines(), actor=self.user)
            except (DomainError, ValidationError) as exc:
                errors.extend(exc.messages if isinstance(exc, ValidationError) else [str(exc.message)])
            else:
                messages.success(self.request, _("%(document)s: picks saved.") % {"document": delivery.reference})
                return redirect("inventory:delivery_detail", pk=pk)
        return render(self.request, "inventory/deliveries/pick.html", {
            "kind": self.kind, "document": delivery, "sheet": sheet, "errors": errors,
            "stock": stock_by_item(delivery, lines), "first_split_number": len(lines) + 1,
        })
