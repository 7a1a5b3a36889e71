"""Screens of the inventory documents: goods receipts, stock issues, transfers, adjustments, stock counts.

Each is a ``DocumentKind`` (erp.document_screens): a list (filters, pagination, XLSX/CSV export), a
detail page with the actions its status allows, a print page, and (except counts) a create/edit page
for drafts with a line formset. Counts are created from a header only and have two screens of their
own here: the count sheet for the counted quantities and the form for found items.

Documents are read through the user's warehouse scope (``selectors.documents_for_user``); every write
is one call to ``inventory.services.documents``; editing, posting or cancelling also needs the right
to operate the document's warehouse (``selectors.can_operate``; receiving a transfer: its destination),
otherwise 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from erp.document_screens import (
    COST,
    Cell,
    Column,
    DocumentKind,
    Entry,
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
from erp.document_screens.views import DocumentView
from erp.errors import DomainError
from erp.forms import line_lookup_query, show_error
from erp.permissions import permission_required
from inventory import selectors
from inventory import status as st
from inventory.forms import documents as forms
from inventory.models import (
    GoodsReceipt,
    Item,
    StockAdjustment,
    StockCount,
    StockIssue,
    StockTransfer,
)
from inventory.selectors import can_operate, warehouses_for_user
from inventory.services import documents as services
from inventory.units import to_base

DRAFT = st.DocStatus.DRAFT
TEMPLATES = Templates(list="inventory/documents/list.html", detail="inventory/documents/detail.html",
                      form="inventory/documents/form.html")


# Who may work on a document -------------------------------------------------------------------


def operates_warehouse(user: Any, document: Any) -> bool:
    return bool(can_operate(user, document.warehouse))


def operates_destination(user: Any, transfer: Any) -> bool:
    """Receiving is done by whoever operates the destination warehouse."""
    return bool(can_operate(user, transfer.to_warehouse))


def operates_chosen_warehouse(user: Any, header: dict[str, Any]) -> bool:
    return bool(can_operate(user, header["warehouse"]))


# Lists ---------------------------------------------------------------------------------------


def filter_choices(model: type[Model]) -> Callable[[HttpRequest], dict[str, Any]]:
    """The filter form's choices: the model's statuses, the user's warehouses."""
    def kwargs(request: HttpRequest) -> dict[str, Any]:
        return {"statuses": model._meta.get_field("status").choices,  # type: ignore[union-attr]
                "warehouses": warehouses_for_user(request.user).order_by("code")}
    return kwargs


def with_line_count(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.annotate(line_count=Count("lines"))


def list_columns(*extra: Column) -> tuple[Column, ...]:
    return (
        number_column(), date_column(),
        Column(_l("Warehouse"), lambda d: d.warehouse.code, display=lambda d: f"{d.warehouse.code} {d.warehouse.name}"),
        *extra,
        status_column(), line_count_column(),
        Column(_l("Notes"), lambda d: d.notes, listed=False),
        created_by_column(),
        posted_at_column(listed=False),
    )


def selector_of(model: type[Model], *related: str) -> Callable[[Any], QuerySet[Any]]:
    def selector(user: Any) -> QuerySet[Any]:
        return selectors.documents_for_user(user, model, ("warehouse", "created_by", *related))
    return selector


# Lines ---------------------------------------------------------------------------------------


def factors_of(item: Item) -> dict[int, Any]:
    return {unit.unit_id: unit.factor for unit in item.units.all()}  # prefetched with the lines


def item_cell(line: Any) -> Cell:
    return Cell(f"{line.item.code} {line.item.name}")


def quantity_cell(line: Any) -> Cell:
    return Cell(line.quantity, line.unit, num=True)


def base_cell(line: Any, quantity: Any = None) -> Cell:
    quantity = line.quantity if quantity is None else quantity
    return Cell(to_base(line.item, quantity, line.unit, factors_of(line.item)), line.item.base_unit, num=True)


def lot_cell(line: Any) -> Cell:
    return Cell(line.lot.number if line.lot_id else "")


def text(header: Any, value: Callable[[Any], Any]) -> Column:
    return Column(header, lambda line: Cell(value(line)))


def number(header: Any, cell: Callable[[Any], Cell]) -> Column:
    return Column(header, cell, numeric=True)


ITEM, LOT = Column(_l("Item"), item_cell), Column(_l("Lot"), lot_cell)
QUANTITY, BASE = number(_l("Quantity"), quantity_cell), number(_l("Base quantity"), base_cell)
LOCATION = text(_l("Location"), lambda line: line.location)
UNIT_COST = number(_l("Unit cost"), lambda line: Cell(line.unit_cost, num=True, fmt=COST))
BASE_LINE_RELATED = ("item", "item__base_unit", "unit")


def lines_of(*related: str, units: bool = True) -> Callable[[Any], QuerySet[Any]]:
    def lines(document: Any) -> QuerySet[Any]:
        rows = document.lines.select_related(*related)
        return rows.prefetch_related("item__units") if units else rows
    return lines


# Detail and print ----------------------------------------------------------------------------


def header_rows(document: Any, *middle: tuple[Any, Any]) -> list[tuple[Any, Any]]:
    """Warehouse, date, what the kind adds, who created it and when it was posted, the notes."""
    return with_notes(document, [(_("Warehouse"), document.warehouse), (_("Date"), document.document_date), *middle,
                                 (_("Created by"), document.created_by), (_("Posted at"), document.posted_at)])


def transfer_header_rows(transfer: Any) -> list[tuple[Any, Any]]:
    """The warehouses, dates and people; a transfer made for a shortage names the document it serves."""
    made_for = [(_("For document"), transfer.source_reference)] if transfer.source_reference else []
    return with_notes(transfer, [
        (_("From warehouse"), transfer.warehouse), (_("To warehouse"), transfer.to_warehouse), *made_for,
        (_("Date"), transfer.document_date), (_("Created by"), transfer.created_by),
        (_("Shipped at"), transfer.shipped_at), (_("Received at"), transfer.received_at)])


def with_notes(document: Any, rows: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [*rows, (_("Notes"), document.notes)] if document.notes else rows


def with_moves(request: HttpRequest, document: Any, context: dict[str, Any]) -> dict[str, Any]:
    return {"moves": selectors.document_moves(document)}


def signatures(first: Any, second: Any = None) -> tuple[Any, ...]:
    return first, second or _l("Received by"), _l("Approved by")


# Actions -------------------------------------------------------------------------------------


def cancelled_message(document: Any, before: str, result: Any) -> str:
    if before in document.EDITABLE:
        return _("%(document)s voided.") % {"document": document.reference}
    return _("%(document)s voided: its stock moves were reversed.") % {"document": document.reference}


def cancel_action(service: Callable[..., Any]) -> ServiceAction:
    """Void (作廢) a draft, or void and reverse a posted document, where its status table allows it;
    the reason is asked for and kept on the document."""
    return ServiceAction(
        name="cancel", service=service, success=cancelled_message, style="outline-danger", reason=True,
        label=lambda d: _("Void") if d.status in d.EDITABLE else _("Void and reverse"),
        confirm=lambda d: (_("Void this draft?") if d.status in d.EDITABLE
                           else _("Void this document and reverse its stock moves?")),
        when=lambda d: "cancelled" in d.TRANSITIONS.get(d.status, ()))


def post_action(service: Callable[..., Any]) -> ServiceAction:
    return ServiceAction(name="post", label=_l("Post"), service=service, success=_l("%(document)s posted."),
                         statuses=(DRAFT,), confirm=_l("Post this document? Its stock moves are final."))


# Create and edit -----------------------------------------------------------------------------


def form_choices(request: HttpRequest) -> dict[str, Any]:
    return {"querysets": selectors.document_form_choices(request.user)}


def chosen_warehouse(data: Any, initial: Any, field: str, line_field: str, choices: QuerySet[Any]) -> Any:
    """The warehouse chosen in the header (posted), else the draft's (its lines' locations), else the
    user's only one: its locations are the ones the lines offer."""
    value: Any = data.get(field, "") if data is not None else ""
    if data is None:
        value = next((getattr(row.get(line_field), "warehouse_id", "") for row in initial or ()
                      if row.get(line_field)), "")
    if str(value).isdigit():
        return int(value)
    only = list(choices.values_list("pk", flat=True)[:2])
    return only[0] if len(only) == 1 else None


def line_choices(request: HttpRequest, data: Any, initial: Any, shared: dict[str, Any]) -> dict[str, Any]:
    """The lines offer the locations of the warehouse chosen in the header only; items are found with
    the item lookup. The choices are evaluated once per formset."""
    querysets = dict(shared["querysets"])
    warehouse = chosen_warehouse(data, initial, "warehouse", "location", querysets["warehouses"])
    querysets["locations"] = querysets["locations"].filter(warehouse_id=warehouse)
    return {"querysets": querysets, "choices": {}}


def transfer_line_choices(request: HttpRequest, data: Any, initial: Any, shared: dict[str, Any]) -> dict[str, Any]:
    """A transfer's lines: from the locations of the warehouse it leaves, to those of its destination."""
    querysets = dict(shared["querysets"])
    source = chosen_warehouse(data, initial, "warehouse", "from_location", querysets["warehouses"])
    destination = chosen_warehouse(data, initial, "to_warehouse", "to_location", querysets["all_warehouses"])
    querysets["locations"] = querysets["locations"].filter(warehouse_id=source)
    querysets["all_locations"] = querysets["all_locations"].filter(warehouse_id=destination)
    return {"querysets": querysets, "choices": {}}


def drafts(header_form: type[Any], formset: type[Any], save: Callable[..., Any],
           lines: Callable[[Any], QuerySet[Any]], line_kwargs: Callable[..., dict[str, Any]] = line_choices) -> Entry:
    """The entry of a document with lines, edited while a draft."""

    def initial(document: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        header = {name: getattr(document, name) for name in [*header_form.base_fields, "notes"]}
        rows = [{name: getattr(line, name) for name in formset.form.base_fields} for line in lines(document)]
        return header, rows

    return Entry(header_form=header_form, formset=formset, save=save, form_kwargs=form_choices,
                 line_kwargs=line_kwargs, initial=initial, guard=operates_chosen_warehouse)


# The five kinds ------------------------------------------------------------------------------

RECEIPT_LINES = lines_of(*BASE_LINE_RELATED, "location__warehouse", "posted_location")


def receipt_location(line: Any) -> str:
    """Where the line's goods are: its location, or the quarantine location while they wait for inspection."""
    posted = line.posted_location
    if posted is not None and posted.kind == st.LocationKind.QUARANTINE:
        return _("%(location)s — in quarantine (%(quarantine)s) until inspected") % {
            "location": line.location, "quarantine": posted.code}
    return str(line.location)


def receipt_header_rows(receipt: Any) -> list[tuple[Any, Any]]:
    made_for = [(_("Source document"), receipt.source_reference)] if receipt.source_reference else []
    return header_rows(receipt, (_("Supplier / reference"), receipt.supplier_reference), *made_for)
RECEIPTS = DocumentKind(
    namespace="inventory", key="receipt", segment="receipts", model=GoodsReceipt,
    title=_l("Goods receipt"), title_plural=_l("Goods receipts"), new_title=_l("New goods receipt"),
    selector=selector_of(GoodsReceipt), filter_form=forms.DocumentFilterForm,
    filter_kwargs=filter_choices(GoodsReceipt),
    columns=list_columns(Column(_l("Supplier / reference"), lambda d: d.supplier_reference)),
    search_fields=("number", "supplier_reference"), list_rows=with_line_count, export_filename="goods_receipts",
    header_rows=receipt_header_rows,
    lines=RECEIPT_LINES, line_columns=(
        ITEM, text(_l("Location"), receipt_location), text(_l("Lot number"), lambda line: line.lot_number),
        text(_l("Expires on"), lambda line: line.expires_on), QUANTITY, BASE, UNIT_COST),
    detail_context=with_moves, signatures=signatures(_l("Delivered by")),
    entry=drafts(forms.ReceiptForm, forms.ReceiptLineFormSet, services.receipt_save, RECEIPT_LINES),
    actions=(post_action(services.receipt_post), cancel_action(services.receipt_cancel)),
    guard=operates_warehouse, templates=TEMPLATES,
)


def has_reservations(issue: Any) -> bool:
    return bool(selectors.document_reservations(issue).exists())


ISSUE_LINES = lines_of(*BASE_LINE_RELATED, "location__warehouse", "lot")
ISSUES = DocumentKind(
    namespace="inventory", key="issue", segment="issues", model=StockIssue,
    title=_l("Stock issue"), title_plural=_l("Stock issues"), new_title=_l("New stock issue"),
    selector=selector_of(StockIssue), filter_form=forms.DocumentFilterForm, filter_kwargs=filter_choices(StockIssue),
    columns=list_columns(Column(_l("Purpose"), lambda d: d.purpose)),
    search_fields=("number", "purpose"), list_rows=with_line_count, export_filename="stock_issues",
    header_rows=lambda d: header_rows(d, (_("Purpose"), d.purpose)),
    lines=ISSUE_LINES, line_columns=(ITEM, LOCATION, LOT, QUANTITY, BASE),
    detail_context=with_moves, signatures=signatures(_l("Issued by")),
    entry=drafts(forms.IssueForm, forms.IssueLineFormSet, services.issue_save, ISSUE_LINES),
    actions=(
        post_action(services.issue_post),
        ServiceAction(name="release", label=_l("Release reservation"), service=services.issue_release,
                      success=_l("%(document)s: reservation released."), statuses=(DRAFT,), when=has_reservations,
                      style="outline-secondary"),
        ServiceAction(name="reserve", label=_l("Reserve stock"), service=services.issue_reserve,
                      success=_l("%(document)s: stock reserved."), statuses=(DRAFT,),
                      when=lambda issue: not has_reservations(issue), style="outline-primary"),
        cancel_action(services.issue_cancel),
    ),
    guard=operates_warehouse, templates=TEMPLATES,
)


def shipped_message(transfer: Any, before: str, result: Any) -> str:
    return _("%(document)s shipped: the goods are in transit to %(warehouse)s.") % {
        "document": transfer.reference, "warehouse": transfer.to_warehouse.code}


TRANSFER_LINES = lines_of(*BASE_LINE_RELATED, "from_location__warehouse", "to_location__warehouse", "lot")
TRANSFERS = DocumentKind(
    namespace="inventory", key="transfer", segment="transfers", model=StockTransfer,
    title=_l("Stock transfer"), title_plural=_l("Stock transfers"), new_title=_l("New stock transfer"),
    selector=selector_of(StockTransfer, "to_warehouse"), filter_form=forms.DocumentFilterForm,
    filter_kwargs=filter_choices(StockTransfer),
    filters={"warehouse": lambda rows, warehouse: rows.filter(Q(warehouse=warehouse) | Q(to_warehouse=warehouse))},
    columns=list_columns(Column(_l("To warehouse"), lambda d: d.to_warehouse.code)),
    list_rows=with_line_count, export_filename="stock_transfers",
    header_rows=transfer_header_rows,
    lines=TRANSFER_LINES, line_columns=(
        ITEM, text(_l("From location"), lambda line: line.from_location),
        text(_l("To location"), lambda line: line.to_location), LOT, QUANTITY, BASE),
    detail_context=with_moves, signatures=signatures(_l("Shipped by")),
    entry=drafts(forms.TransferForm, forms.TransferLineFormSet, services.transfer_save, TRANSFER_LINES,
                 transfer_line_choices),
    actions=(
        ServiceAction(name="ship", label=_l("Ship"), service=services.transfer_ship, success=shipped_message,
                      statuses=(DRAFT,), when=lambda transfer: transfer.is_two_step,
                      confirm=lambda transfer: _("Ship the goods to %(warehouse)s?")
                      % {"warehouse": transfer.to_warehouse.code}),
        # A transfer within one warehouse is posted at once ("Post"); between two it is received.
        ServiceAction(name="receive", service=services.transfer_receive, success=_l("%(document)s received."),
                      statuses=(DRAFT, st.TransferStatus.SHIPPED), guard=operates_destination,
                      when=lambda transfer: transfer.status == st.TransferStatus.SHIPPED or not transfer.is_two_step,
                      label=lambda transfer: _("Post") if transfer.status == DRAFT else _("Receive"),
                      confirm=lambda transfer: _("Post this transfer?") if transfer.status == DRAFT
                      else _("Receive the goods into the bins?")),
        cancel_action(services.transfer_cancel),
    ),
    guard=operates_warehouse, templates=TEMPLATES,
)

ADJUSTMENT_LINES = lines_of(*BASE_LINE_RELATED, "location__warehouse", "lot")
ADJUSTMENTS = DocumentKind(
    namespace="inventory", key="adjustment", segment="adjustments", model=StockAdjustment,
    title=_l("Stock adjustment"), title_plural=_l("Stock adjustments"), new_title=_l("New stock adjustment"),
    selector=selector_of(StockAdjustment, "reason"), filter_form=forms.DocumentFilterForm,
    filter_kwargs=filter_choices(StockAdjustment),
    columns=list_columns(Column(_l("Reason"), lambda d: str(d.reason))),
    list_rows=with_line_count, export_filename="stock_adjustments",
    header_rows=lambda d: header_rows(d, (_("Reason"), d.reason)),
    lines=ADJUSTMENT_LINES, line_columns=(
        ITEM, LOCATION, LOT,
        number(_l("Quantity change"), lambda line: Cell(line.quantity_change, line.unit, num=True)),
        number(_l("Base quantity"), lambda line: base_cell(line, line.quantity_change)), UNIT_COST),
    detail_context=with_moves, signatures=signatures(_l("Prepared by"), _l("Checked by")),
    entry=drafts(forms.AdjustmentForm, forms.AdjustmentLineFormSet, services.adjustment_save, ADJUSTMENT_LINES),
    actions=(post_action(services.adjustment_post), cancel_action(services.adjustment_cancel)),
    guard=operates_warehouse, templates=TEMPLATES,
)


def count_location(count: Any) -> Any:
    return count.location.code if count.location_id else _("The whole warehouse")


def count_context(request: HttpRequest, count: Any, context: dict[str, Any]) -> dict[str, Any]:
    return {"moves": selectors.document_moves(count),
            "summary": count.lines.aggregate(total=Count("pk"), counted=Count("counted_quantity"))}


def base_quantity(header: Any, attribute: str) -> Column:
    return number(header, lambda line: Cell(getattr(line, attribute), line.item.base_unit, num=True))


COUNTING = st.CountStatus.COUNTING
lines_of_count = lines_of("item", "item__base_unit", "location__warehouse", "lot", units=False)
COUNTS = DocumentKind(
    namespace="inventory", key="count", segment="counts", model=StockCount,
    title=_l("Stock count"), title_plural=_l("Stock counts"), new_title=_l("New stock count"),
    selector=selector_of(StockCount, "location"), filter_form=forms.DocumentFilterForm,
    filter_kwargs=filter_choices(StockCount),
    columns=list_columns(Column(_l("Location"), count_location)),
    list_rows=with_line_count, export_filename="stock_counts",
    header_rows=lambda d: header_rows(d, (_("Location"), d.location or _("The whole warehouse"))),
    lines=lines_of_count, paginate_lines=True,
    line_columns=(ITEM, LOCATION, LOT, base_quantity(_l("Expected"), "expected_quantity"),
                  base_quantity(_l("Counted"), "counted_quantity"), base_quantity(_l("Variance"), "variance")),
    detail_context=count_context, signatures=signatures(_l("Counted by"), _l("Checked by")),
    entry=Entry(header_form=forms.CountCreateForm, save=services.count_create, form_kwargs=form_choices, edit=False,
                guard=operates_chosen_warehouse, submit=_l("Create count sheet"),
                saved=_l("%(document)s created: start counting when the goods are ready.")),
    actions=(
        ServiceAction(name="start", label=_l("Start counting"), service=services.count_start, statuses=(DRAFT,),
                      success=lambda count, before, result: _("Counting started: %(n)s lines on the sheet.")
                      % {"n": count.lines.count()},
                      confirm=_l("Start counting? The expected quantities are taken now.")),
        LinkAction(name="sheet", label=_l("Enter counted quantities"), url_name="count_sheet", statuses=(COUNTING,)),
        ServiceAction(name="post", label=_l("Post count"), service=services.count_post, statuses=(COUNTING,),
                      success=_l("%(document)s posted: the variances are booked."),
                      confirm=_l("Post the variances of this count as stock moves?")),
        cancel_action(services.count_cancel),
    ),
    guard=operates_warehouse, templates=TEMPLATES,
)

KINDS = (RECEIPTS, ISSUES, TRANSFERS, ADJUSTMENTS, COUNTS)


# The count sheet -----------------------------------------------------------------------------


class CountingView(DocumentView):
    """A count's sheet, while it is being counted, by whoever operates its warehouse."""

    def counting(self, pk: int) -> tuple[Any, HttpResponse | None]:
        """The count, if its sheet can be worked on now; else a redirect to its page with a message."""
        count = self.get_document(pk)
        self.check_guard(count)
        if count.status != COUNTING:
            messages.error(self.request, _("Counted quantities can be entered only while the count is in progress."))
            return count, redirect("inventory:count_detail", pk=pk)
        return count, None

    def sheet_lines(self, count: Any) -> list[Any]:
        lines = lines_of_count(count)
        params = self.request.GET
        location = params.get("location", "")
        if location.isdigit():
            lines = lines.filter(location_id=int(location))
        if search := params.get("q", "").strip():
            lines = lines.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
        return list(lines)

    def render_sheet(self, count: Any, *, sheet: Any = None, add_form: Any = None, errors: Any = ()) -> HttpResponse:
        querysets = selectors.document_form_choices(self.user)
        querysets["locations"] = querysets["locations"].filter(warehouse=count.warehouse)
        if count.location_id:
            querysets["locations"] = querysets["locations"].filter(pk=count.location_id)
        if sheet is None:
            sheet = forms.CountSheetForm(lines=self.sheet_lines(count))
        if add_form is None:
            add_form = forms.CountAddLineForm(querysets=querysets)
        return render(self.request, "inventory/documents/count_sheet.html", {
            "kind": self.kind, "document": count, "errors": errors, "sheet": sheet, "add_form": add_form,
            "locations": querysets["locations"], "query": self.request.GET.urlencode(),
        })

    def back_to_sheet(self, pk: int) -> HttpResponse:
        return redirect(f"{reverse('inventory:count_sheet', args=[pk])}?{self.request.GET.urlencode()}")


class CountSheetView(CountingView):
    """Counted quantities (base unit) of all lines shown, typed in one form. Empty fields are left as they are."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        count, refused = self.counting(pk)
        return refused or self.render_sheet(count)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        count, refused = self.counting(pk)
        if refused:
            return refused
        sheet = forms.CountSheetForm(request.POST, lines=self.sheet_lines(count))
        errors: list[Any] = []
        if sheet.is_valid():
            counted = sheet.counted()
            if not counted:
                messages.info(request, _("No counted quantity was changed."))
                return self.back_to_sheet(pk)
            try:
                services.count_record(count=count, counted=counted, actor=self.user)
            except DomainError as exc:
                errors.append(exc.message)
            else:
                messages.success(request, _("%(n)s counted quantities saved.") % {"n": len(counted)})
                return self.back_to_sheet(pk)
        return self.render_sheet(count, sheet=sheet, errors=errors)


class CountAddLineView(CountingView):
    """Something found that is not on the sheet."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        count, refused = self.counting(pk)
        if refused:
            return refused
        form = forms.CountAddLineForm(request.POST, querysets=selectors.document_form_choices(self.user))
        errors: list[str] = []
        if form.is_valid():
            try:
                line = services.count_add_line(count=count, actor=self.user, **form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                show_error(exc, form, errors)
            else:
                messages.success(request, _("%(item)s at %(location)s added to the sheet.")
                                 % {"item": line.item.code, "location": line.location})
                return redirect("inventory:count_sheet", pk=pk)
        return self.render_sheet(count, add_form=form, errors=errors)


# Line entry helper (htmx) --------------------------------------------------------------------


@permission_required("inventory.view_item")
def item_lookup(request: HttpRequest) -> HttpResponse:
    """The items matching what was typed in a line's item field (htmx; the same lookup as order
    entry): choosing one fills the line; Enter (a scanner's) takes the exact match at once."""
    params = request.GET
    prefix, text = line_lookup_query(params)
    items = selectors.item_lookup(request.user, text, items=selectors.document_form_choices(request.user)["items"])
    chosen = selectors.item_lookup_pick(items, text) if params.get("pick") else None
    return render(request, "inventory/partials/item_lookup.html", {
        "items": items, "prefix": prefix, "text": text, "picked": chosen.pk if chosen is not None else None})


@permission_required("inventory.view_item")
def unit_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the unit select of a line: the chosen item's base and alternative units (htmx)."""
    item_id = next((value for name, value in request.GET.items() if name.endswith("item")), "")
    item = None
    if item_id.isdigit():
        item = selectors.item_list(request.user).filter(pk=int(item_id)).select_related("base_unit").first()
    units: list[tuple[Any, Any]]
    if item is None:
        units = [(unit, None) for unit in selectors.units_for_user(request.user, active=True)]
    else:
        units = [(item.base_unit, None)] + [(alt.unit, alt.factor) for alt in
                                            item.units.select_related("unit").order_by("unit__code")]
    return render(request, "inventory/documents/_unit_options.html", {"item": item, "units": units})

