"""Screens of the inventory documents: goods receipts, stock issues, transfers, adjustments, stock counts.

Every document has a list (filters, pagination, XLSX/CSV export), a detail page with the actions its
status allows, a print page, and (except counts) a create/edit page for drafts with a line formset.
Counts have a create page, a count sheet for entering counted quantities and a form for found items.

Views are thin: documents are read through the user's warehouse scope (``documents_for_user``), every
write is exactly one call to ``inventory.services.documents``; a refused action (DomainError) becomes a
message beside the field or above the page, never a 500. Saving, posting or cancelling also needs the
right to operate the document's warehouse (``selectors.can_operate``), otherwise 403.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.errors import DomainError, ImmutableDocument
from erp.exports import export_response
from erp.forms import show_error
from erp.history import history_for
from erp.permissions import permission_required, user_company
from inventory import selectors
from inventory import status as st
from inventory.forms import documents as forms
from inventory.models import (
    GoodsReceipt,
    StockAdjustment,
    StockCount,
    StockIssue,
    StockTransfer,
)
from inventory.selectors import can_operate, warehouses_for_user
from inventory.services import documents as services
from inventory.units import to_base

PAGE_SIZE = 25
EXPORT_FORMATS = ("xlsx", "csv")


# What differs between the five documents -----------------------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str  # URL name prefix and the service's keyword for the document
    model: type
    title: object
    title_plural: object
    new_title: object
    filename: str
    header_form: type
    formset: type | None = None
    save: object = None
    related: tuple = ()  # select_related of lists and detail pages
    line_related: tuple = ()
    search: tuple = ()  # text fields searched besides the number
    extra: tuple = ()  # (header, getter) columns of the list and the export
    columns: tuple = ()  # (header, cell function, numeric) columns of the lines table

    def url(self, action):
        return f"inventory:{self.key}_{action}"

    @property
    def list_url(self):
        return reverse(self.url("list"))

    def perm(self, action):
        return f"inventory.{action}_{self.model._meta.model_name}"

    @property
    def statuses(self):
        return self.model._meta.get_field("status").choices


@dataclass
class Cell:
    value: object
    unit: str = ""
    num: bool = False


def factors_of(item):
    return {unit.unit_id: unit.factor for unit in item.units.all()}  # prefetched with the lines


def item_cell(line):
    return Cell(f"{line.item.code} {line.item.name}")


def quantity_cell(line):
    return Cell(line.quantity, line.unit.code, num=True)


def base_cell(line, quantity=None):
    quantity = line.quantity if quantity is None else quantity
    return Cell(to_base(line.item, quantity, line.unit, factors_of(line.item)), line.item.base_unit.code, num=True)


def lot_cell(line):
    return Cell(line.lot.number if line.lot_id else "")


BASE_LINE_RELATED = ("item", "item__base_unit", "unit")
HEADER_RELATED = ("warehouse", "created_by")

RECEIPTS = Kind(
    key="receipt", model=GoodsReceipt, title=gettext_lazy("Goods receipt"),
    title_plural=gettext_lazy("Goods receipts"), new_title=gettext_lazy("New goods receipt"),
    filename="goods_receipts", header_form=forms.ReceiptForm,
    formset=forms.ReceiptLineFormSet, save=services.receipt_save, related=HEADER_RELATED,
    line_related=(*BASE_LINE_RELATED, "location__warehouse"), search=("supplier_reference",),
    extra=((gettext_lazy("Supplier / reference"), lambda d: d.supplier_reference),),
    columns=(
        (gettext_lazy("Item"), item_cell, False),
        (gettext_lazy("Location"), lambda line: Cell(line.location), False),
        (gettext_lazy("Lot number"), lambda line: Cell(line.lot_number), False),
        (gettext_lazy("Expires on"), lambda line: Cell(line.expires_on), False),
        (gettext_lazy("Quantity"), quantity_cell, True),
        (gettext_lazy("Base quantity"), base_cell, True),
        (gettext_lazy("Unit cost"), lambda line: Cell(line.unit_cost, num=True), True),
    ),
)
ISSUES = Kind(
    key="issue", model=StockIssue, title=gettext_lazy("Stock issue"),
    title_plural=gettext_lazy("Stock issues"), new_title=gettext_lazy("New stock issue"),
    filename="stock_issues", header_form=forms.IssueForm, formset=forms.IssueLineFormSet,
    save=services.issue_save, related=HEADER_RELATED,
    line_related=(*BASE_LINE_RELATED, "location__warehouse", "lot"), search=("purpose",),
    extra=((gettext_lazy("Purpose"), lambda d: d.purpose),),
    columns=(
        (gettext_lazy("Item"), item_cell, False),
        (gettext_lazy("Location"), lambda line: Cell(line.location), False),
        (gettext_lazy("Lot"), lot_cell, False),
        (gettext_lazy("Quantity"), quantity_cell, True),
        (gettext_lazy("Base quantity"), base_cell, True),
    ),
)
TRANSFERS = Kind(
    key="transfer", model=StockTransfer, title=gettext_lazy("Stock transfer"),
    title_plural=gettext_lazy("Stock transfers"), new_title=gettext_lazy("New stock transfer"),
    filename="stock_transfers", header_form=forms.TransferForm,
    formset=forms.TransferLineFormSet, save=services.transfer_save, related=(*HEADER_RELATED, "to_warehouse"),
    line_related=(*BASE_LINE_RELATED, "from_location__warehouse", "to_location__warehouse", "lot"),
    extra=((gettext_lazy("To warehouse"), lambda d: d.to_warehouse.code),),
    columns=(
        (gettext_lazy("Item"), item_cell, False),
        (gettext_lazy("From location"), lambda line: Cell(line.from_location), False),
        (gettext_lazy("To location"), lambda line: Cell(line.to_location), False),
        (gettext_lazy("Lot"), lot_cell, False),
        (gettext_lazy("Quantity"), quantity_cell, True),
        (gettext_lazy("Base quantity"), base_cell, True),
    ),
)
ADJUSTMENTS = Kind(
    key="adjustment", model=StockAdjustment, title=gettext_lazy("Stock adjustment"),
    title_plural=gettext_lazy("Stock adjustments"), new_title=gettext_lazy("New stock adjustment"),
    filename="stock_adjustments", header_form=forms.AdjustmentForm,
    formset=forms.AdjustmentLineFormSet, save=services.adjustment_save, related=(*HEADER_RELATED, "reason"),
    line_related=(*BASE_LINE_RELATED, "location__warehouse", "lot"),
    extra=((gettext_lazy("Reason"), lambda d: str(d.reason)),),
    columns=(
        (gettext_lazy("Item"), item_cell, False),
        (gettext_lazy("Location"), lambda line: Cell(line.location), False),
        (gettext_lazy("Lot"), lot_cell, False),
        (gettext_lazy("Quantity change"), lambda line: Cell(line.quantity_change, line.unit.code, num=True), True),
        (gettext_lazy("Base quantity"), lambda line: base_cell(line, line.quantity_change), True),
        (gettext_lazy("Unit cost"), lambda line: Cell(line.unit_cost, num=True), True),
    ),
)
COUNTS = Kind(
    key="count", model=StockCount, title=gettext_lazy("Stock count"),
    title_plural=gettext_lazy("Stock counts"), new_title=gettext_lazy("New stock count"),
    filename="stock_counts", header_form=forms.CountCreateForm, related=(*HEADER_RELATED, "location"),
    line_related=("item", "item__base_unit", "location__warehouse", "lot"),
    extra=((gettext_lazy("Location"), lambda d: d.location.code if d.location_id else _("The whole warehouse")),),
    columns=(
        (gettext_lazy("Item"), item_cell, False),
        (gettext_lazy("Location"), lambda line: Cell(line.location), False),
        (gettext_lazy("Lot"), lot_cell, False),
        (gettext_lazy("Expected"), lambda line: Cell(line.expected_quantity, line.item.base_unit.code, num=True), True),
        (gettext_lazy("Counted"), lambda line: Cell(line.counted_quantity, line.item.base_unit.code, num=True), True),
        (gettext_lazy("Variance"), lambda line: Cell(line.variance, line.item.base_unit.code, num=True), True),
    ),
)


# Reads, scoped to the user's company and warehouses -------------------------------------------


def get_document(user, kind, pk):
    return get_object_or_404(selectors.documents_for_user(user, kind.model, kind.related), pk=pk)


def document_lines(kind, document):
    lines = document.lines.select_related(*kind.line_related)
    if kind.key != "count":
        lines = lines.prefetch_related("item__units")
    return lines


def require_operate(user, warehouse):
    if not can_operate(user, warehouse):
        raise PermissionDenied


@permission_required("inventory.view_item")
def unit_options(request):
    """The <option>s of the unit select of a line: the chosen item's base and alternative units (htmx)."""
    item_id = next((value for name, value in request.GET.items() if name.endswith("item")), "")
    item = None
    if item_id.isdigit():
        item = selectors.item_list(request.user).filter(pk=int(item_id)).select_related("base_unit").first()
    if item is None:
        units = [(unit, None) for unit in selectors.units_for_user(request.user, active=True)]
    else:
        units = [(item.base_unit, None)] + [(alt.unit, alt.factor) for alt in
                                            item.units.select_related("unit").order_by("unit__code")]
    return render(request, "inventory/documents/_unit_options.html", {"item": item, "units": units})


# Lists ---------------------------------------------------------------------------------------


def filtered_documents(user, kind, filters):
    documents = selectors.documents_for_user(user, kind.model, kind.related)
    data = {}
    if filters.is_bound:
        filters.is_valid()  # the valid filters apply even when another one is wrong (its error is shown)
        data = filters.cleaned_data
    if data.get("q"):
        condition = Q(number__icontains=data["q"])
        for name in kind.search:
            condition |= Q(**{f"{name}__icontains": data["q"]})
        documents = documents.filter(condition)
    if data.get("status"):
        documents = documents.filter(status=data["status"])
    if data.get("warehouse"):
        if kind.model is StockTransfer:
            documents = documents.filter(Q(warehouse=data["warehouse"]) | Q(to_warehouse=data["warehouse"]))
        else:
            documents = documents.filter(warehouse=data["warehouse"])
    if data.get("date_from"):
        documents = documents.filter(document_date__gte=data["date_from"])
    if data.get("date_to"):
        documents = documents.filter(document_date__lte=data["date_to"])
    return documents.annotate(line_count=Count("lines")).order_by("-document_date", "-pk")


def export_columns(kind):
    return [
        (_("Number"), lambda d: str(d.reference)),
        (_("Date"), lambda d: d.document_date),
        (_("Warehouse"), lambda d: d.warehouse.code),
        *kind.extra,
        (_("Status"), lambda d: d.get_status_display()),
        (_("Lines"), lambda d: d.line_count),
        (_("Notes"), lambda d: d.notes),
        (_("Created by"), lambda d: str(d.created_by or "")),
        (_("Posted at"), lambda d: d.posted_at),
    ]


def document_list(request, kind):
    filters = forms.DocumentFilterForm(request.GET or None, statuses=kind.statuses,
                                       warehouses=warehouses_for_user(request.user).order_by("code"))
    documents = filtered_documents(request.user, kind, filters)
    fmt = request.GET.get("export")
    if fmt in EXPORT_FORMATS:
        return export_response(request, rows=documents, columns=export_columns(kind), filename=kind.filename,
                               fmt=fmt)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (document, reverse(kind.url("detail"), args=[document.pk]), [getter(document) for _h, getter in kind.extra])
        for document in page
    ]
    return render(request, "inventory/documents/list.html", {
        "kind": kind, "filters": filters, "page": page, "rows": rows,
        "extra_headers": [header for header, _getter in kind.extra],
        "can_add": request.user.has_perm(kind.perm("add")),
        "create_url": reverse(kind.url("create")),
        "export_query": request.GET.copy(),
    })


# Create and edit drafts ----------------------------------------------------------------------


def initial_values(kind, document):
    header = {name: getattr(document, name) for name in [*kind.header_form.base_fields, "notes"]}
    lines = [
        {name: getattr(line, name) for name in kind.formset.form.base_fields}
        for line in document_lines(kind, document)
    ]
    return header, lines


def build_formset(kind, data, querysets, initial):
    options = {"prefix": "lines", "form_kwargs": {"querysets": querysets, "choices": {}}}
    if data is None:
        return kind.formset(initial=initial, extra=1 if initial else 3, **options)
    if "add_line" in data:
        data = data.copy()
        try:
            total = int(data.get("lines-TOTAL_FORMS") or 0)
        except ValueError:
            total = 0
        data["lines-TOTAL_FORMS"] = str(min(total, 999) + 1)
    return kind.formset(data, **options)


def document_form(request, kind, document=None):
    user = request.user
    if document is not None:
        require_operate(user, document.warehouse)
        if not document.is_editable:
            messages.error(request, ImmutableDocument.default_message)
            return redirect(kind.url("detail"), pk=document.pk)
    querysets = selectors.document_form_choices(user)
    header_initial, lines_initial = initial_values(kind, document) if document is not None else ({}, None)
    data = request.POST if request.method == "POST" else None
    header = kind.header_form(data, querysets=querysets, initial=header_initial)
    formset = build_formset(kind, data, querysets, lines_initial)
    errors = []
    if data is not None and "add_line" not in data:
        valid = [header.is_valid(), formset.is_valid()]
        if all(valid):
            require_operate(user, header.cleaned_data["warehouse"])
            try:
                saved = kind.save(company=user_company(user), actor=user, lines=formset.lines(),
                                     **{kind.key: document}, **header.cleaned_data)
            except (DomainError, ValidationError) as exc:
                show_error(exc, header, errors)
            else:
                messages.success(request, _("%(document)s saved.") % {"document": saved.reference})
                return redirect(kind.url("detail"), pk=saved.pk)
    return render(request, "inventory/documents/form.html", {
        "kind": kind, "document": document, "form": header, "formset": formset, "errors": errors,
        "line_headers": [f.label for f in formset.empty_form.visible_fields() if f.name != "DELETE"],
        "cancel_url": reverse(kind.url("detail"), args=[document.pk]) if document else reverse(kind.url("list")),
    })


# Detail and print ----------------------------------------------------------------------------


def shown(value):
    """A header value as text: dates and times in the user's format, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return value


def header_rows(kind, document):
    rows = [(_("Warehouse"), document.warehouse)]
    if kind.key == "transfer":
        rows[0] = (_("From warehouse"), document.warehouse)
        rows.append((_("To warehouse"), document.to_warehouse))
    rows.append((_("Date"), document.document_date))
    if kind.key == "receipt":
        rows.append((_("Supplier / reference"), document.supplier_reference))
    elif kind.key == "issue":
        rows.append((_("Purpose"), document.purpose))
    elif kind.key == "adjustment":
        rows.append((_("Reason"), document.reason))
    elif kind.key == "count":
        rows.append((_("Location"), document.location or _("The whole warehouse")))
    rows.append((_("Created by"), document.created_by))
    if kind.key == "transfer":
        rows += [(_("Shipped at"), document.shipped_at), (_("Received at"), document.received_at)]
    else:
        rows.append((_("Posted at"), document.posted_at))
    if document.notes:
        rows.append((_("Notes"), document.notes))
    return [(label, shown(value)) for label, value in rows]


def line_headers(kind):
    """[(header, numeric?)] of the lines table: numeric columns are right-aligned."""
    return [(header, numeric) for header, _cell, numeric in kind.columns]


def line_rows(kind, lines):
    return [(line, [cell(line) for _header, cell, _numeric in kind.columns]) for line in lines]


@dataclass
class Action:
    label: str
    url: str
    style: str = "primary"
    confirm: str = ""
    link: bool = False  # a GET link (edit, count sheet) instead of a POST button


def detail_actions(kind, document, user):
    if not user.has_perm(kind.perm("change")):
        return []
    status = document.status
    here = can_operate(user, document.warehouse)

    def url(action):
        return reverse(kind.url(action), args=[document.pk])

    actions = []
    if status == "draft" and here and kind.key != "count":
        actions.append(Action(_("Edit"), url("edit"), "outline-primary", link=True))
    if kind.key == "transfer":
        if status == "draft" and here:
            if document.is_two_step:
                actions.append(Action(_("Ship"), url("ship"), confirm=_("Ship the goods to %(warehouse)s?")
                                      % {"warehouse": document.to_warehouse.code}))
            else:
                actions.append(Action(_("Post"), url("receive"), confirm=_("Post this transfer?")))
        if status == "shipped" and can_operate(user, document.to_warehouse):
            actions.append(Action(_("Receive"), url("receive"), confirm=_("Receive the goods into the bins?")))
    elif kind.key == "count":
        if status == "draft" and here:
            actions.append(Action(_("Start counting"), url("start"),
                                  confirm=_("Start counting? The expected quantities are taken now.")))
        if status == "counting" and here:
            actions.append(Action(_("Enter counted quantities"), url("sheet"), link=True))
            actions.append(Action(_("Post count"), url("post"),
                                  confirm=_("Post the variances of this count as stock moves?")))
    elif status == "draft" and here:
        actions.append(Action(_("Post"), url("post"), confirm=_("Post this document? Its stock moves are final.")))
        if kind.key == "issue":
            if selectors.document_reservations(document).exists():
                actions.append(Action(_("Release reservation"), url("release"), "outline-secondary"))
            else:
                actions.append(Action(_("Reserve stock"), url("reserve"), "outline-primary"))
    if here and "cancelled" in kind.model.TRANSITIONS.get(status, ()):
        if status in document.EDITABLE:
            actions.append(Action(_("Cancel"), url("cancel"), "outline-danger",
                                  confirm=_("Cancel this draft?")))
        else:
            actions.append(Action(_("Cancel and reverse"), url("cancel"), "outline-danger",
                                  confirm=_("Cancel this document and reverse its stock moves?")))
    return actions


def document_detail(request, kind, pk):
    document = get_document(request.user, kind, pk)
    lines = document_lines(kind, document)
    context = {
        "kind": kind, "document": document, "header_rows": header_rows(kind, document),
        "line_headers": line_headers(kind),
        "moves": selectors.document_moves(document), "history": history_for(document),
        "actions": detail_actions(kind, document, request.user),
        "print_url": reverse(kind.url("print"), args=[document.pk]),
        "reservations": selectors.document_reservations(document) if kind.key == "issue" else None,
    }
    if kind.key == "count":
        context["page"] = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
        context["rows"] = line_rows(kind, context["page"])
        context["summary"] = lines.aggregate(total=Count("pk"), counted=Count("counted_quantity"))
    else:
        context["rows"] = line_rows(kind, lines)
    return render(request, "inventory/documents/detail.html", context)


SIGNATURES = {
    "receipt": (gettext_lazy("Delivered by"), gettext_lazy("Received by"), gettext_lazy("Approved by")),
    "issue": (gettext_lazy("Issued by"), gettext_lazy("Received by"), gettext_lazy("Approved by")),
    "transfer": (gettext_lazy("Shipped by"), gettext_lazy("Received by"), gettext_lazy("Approved by")),
    "adjustment": (gettext_lazy("Prepared by"), gettext_lazy("Checked by"), gettext_lazy("Approved by")),
    "count": (gettext_lazy("Counted by"), gettext_lazy("Checked by"), gettext_lazy("Approved by")),
}


def document_print(request, kind, pk):
    document = get_document(request.user, kind, pk)
    return render(request, "inventory/documents/print.html", {
        "kind": kind, "document": document, "company": document.company,
        "header_rows": header_rows(kind, document),
        "line_headers": line_headers(kind),
        "rows": line_rows(kind, document_lines(kind, document)),
        "signatures": SIGNATURES[kind.key],
    })


# Status changes: one service each ------------------------------------------------------------


def run_action(request, kind, pk, service, success, *, warehouse="warehouse"):
    """Call ``service`` on the document; a refusal becomes an error message on the detail page."""
    document = get_document(request.user, kind, pk)
    require_operate(request.user, getattr(document, warehouse))
    before = document.status
    try:
        service(**{kind.key: document, "actor": request.user})
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success(document, before))
    return redirect(kind.url("detail"), pk=pk)


def posted_message(document, before):
    return _("%(document)s posted.") % {"document": document.reference}


def cancelled_message(document, before):
    if before in document.EDITABLE:
        return _("%(document)s cancelled.") % {"document": document.reference}
    return _("%(document)s cancelled: its stock moves were reversed.") % {"document": document.reference}


# Goods receipts ------------------------------------------------------------------------------


@permission_required("inventory.view_goodsreceipt")
def receipt_list(request):
    return document_list(request, RECEIPTS)


@permission_required("inventory.add_goodsreceipt")
def receipt_create(request):
    return document_form(request, RECEIPTS)


@permission_required("inventory.change_goodsreceipt")
def receipt_edit(request, pk):
    return document_form(request, RECEIPTS, get_document(request.user, RECEIPTS, pk))


@permission_required("inventory.view_goodsreceipt")
def receipt_detail(request, pk):
    return document_detail(request, RECEIPTS, pk)


@permission_required("inventory.view_goodsreceipt")
def receipt_print(request, pk):
    return document_print(request, RECEIPTS, pk)


@permission_required("inventory.change_goodsreceipt")
@require_POST
def receipt_post(request, pk):
    return run_action(request, RECEIPTS, pk, services.receipt_post, posted_message)


@permission_required("inventory.change_goodsreceipt")
@require_POST
def receipt_cancel(request, pk):
    return run_action(request, RECEIPTS, pk, services.receipt_cancel, cancelled_message)


# Stock issues --------------------------------------------------------------------------------


@permission_required("inventory.view_stockissue")
def issue_list(request):
    return document_list(request, ISSUES)


@permission_required("inventory.add_stockissue")
def issue_create(request):
    return document_form(request, ISSUES)


@permission_required("inventory.change_stockissue")
def issue_edit(request, pk):
    return document_form(request, ISSUES, get_document(request.user, ISSUES, pk))


@permission_required("inventory.view_stockissue")
def issue_detail(request, pk):
    return document_detail(request, ISSUES, pk)


@permission_required("inventory.view_stockissue")
def issue_print(request, pk):
    return document_print(request, ISSUES, pk)


@permission_required("inventory.change_stockissue")
@require_POST
def issue_post(request, pk):
    return run_action(request, ISSUES, pk, services.issue_post, posted_message)


@permission_required("inventory.change_stockissue")
@require_POST
def issue_reserve(request, pk):
    return run_action(request, ISSUES, pk, services.issue_reserve,
                      lambda document, before: _("%(document)s: stock reserved.") % {"document": document.reference})


@permission_required("inventory.change_stockissue")
@require_POST
def issue_release(request, pk):
    return run_action(request, ISSUES, pk, services.issue_release,
                      lambda document, before: _("%(document)s: reservation released.")
                      % {"document": document.reference})


@permission_required("inventory.change_stockissue")
@require_POST
def issue_cancel(request, pk):
    return run_action(request, ISSUES, pk, services.issue_cancel, cancelled_message)


# Transfers -----------------------------------------------------------------------------------


@permission_required("inventory.view_stocktransfer")
def transfer_list(request):
    return document_list(request, TRANSFERS)


@permission_required("inventory.add_stocktransfer")
def transfer_create(request):
    return document_form(request, TRANSFERS)


@permission_required("inventory.change_stocktransfer")
def transfer_edit(request, pk):
    return document_form(request, TRANSFERS, get_document(request.user, TRANSFERS, pk))


@permission_required("inventory.view_stocktransfer")
def transfer_detail(request, pk):
    return document_detail(request, TRANSFERS, pk)


@permission_required("inventory.view_stocktransfer")
def transfer_print(request, pk):
    return document_print(request, TRANSFERS, pk)


def shipped_message(document, before):
    return _("%(document)s shipped: the goods are in transit to %(warehouse)s.") % {
        "document": document.reference, "warehouse": document.to_warehouse.code}


def received_message(document, before):
    return _("%(document)s received.") % {"document": document.reference}


@permission_required("inventory.change_stocktransfer")
@require_POST
def transfer_ship(request, pk):
    return run_action(request, TRANSFERS, pk, services.transfer_ship, shipped_message)


@permission_required("inventory.change_stocktransfer")
@require_POST
def transfer_receive(request, pk):
    """Receiving is done by whoever operates the destination warehouse."""
    return run_action(request, TRANSFERS, pk, services.transfer_receive, received_message,
                      warehouse="to_warehouse")


@permission_required("inventory.change_stocktransfer")
@require_POST
def transfer_cancel(request, pk):
    return run_action(request, TRANSFERS, pk, services.transfer_cancel, cancelled_message)


# Adjustments ---------------------------------------------------------------------------------


@permission_required("inventory.view_stockadjustment")
def adjustment_list(request):
    return document_list(request, ADJUSTMENTS)


@permission_required("inventory.add_stockadjustment")
def adjustment_create(request):
    return document_form(request, ADJUSTMENTS)


@permission_required("inventory.change_stockadjustment")
def adjustment_edit(request, pk):
    return document_form(request, ADJUSTMENTS, get_document(request.user, ADJUSTMENTS, pk))


@permission_required("inventory.view_stockadjustment")
def adjustment_detail(request, pk):
    return document_detail(request, ADJUSTMENTS, pk)


@permission_required("inventory.view_stockadjustment")
def adjustment_print(request, pk):
    return document_print(request, ADJUSTMENTS, pk)


@permission_required("inventory.change_stockadjustment")
@require_POST
def adjustment_post(request, pk):
    return run_action(request, ADJUSTMENTS, pk, services.adjustment_post, posted_message)


@permission_required("inventory.change_stockadjustment")
@require_POST
def adjustment_cancel(request, pk):
    return run_action(request, ADJUSTMENTS, pk, services.adjustment_cancel, cancelled_message)


# Stock counts --------------------------------------------------------------------------------


@permission_required("inventory.view_stockcount")
def count_list(request):
    return document_list(request, COUNTS)


@permission_required("inventory.add_stockcount")
def count_create(request):
    user = request.user
    form = forms.CountCreateForm(request.POST or None, querysets=selectors.document_form_choices(user))
    errors = []
    if request.method == "POST" and form.is_valid():
        require_operate(user, form.cleaned_data["warehouse"])
        try:
            count = services.count_create(company=user_company(user), actor=user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            show_error(exc, form, errors)
        else:
            messages.success(request, _("%(document)s created: start counting when the goods are ready.")
                             % {"document": count.reference})
            return redirect("inventory:count_detail", pk=count.pk)
    return render(request, "inventory/documents/form.html", {
        "kind": COUNTS, "document": None, "form": form, "formset": None, "errors": errors,
        "cancel_url": reverse("inventory:count_list"),
    })


@permission_required("inventory.view_stockcount")
def count_detail(request, pk):
    return document_detail(request, COUNTS, pk)


@permission_required("inventory.view_stockcount")
def count_print(request, pk):
    return document_print(request, COUNTS, pk)


def count_started_message(count, before):
    return _("Counting started: %(n)s lines on the sheet.") % {"n": count.lines.count()}


@permission_required("inventory.change_stockcount")
@require_POST
def count_start(request, pk):
    return run_action(request, COUNTS, pk, services.count_start, count_started_message)


def sheet_lines(count, params):
    lines = document_lines(COUNTS, count)
    location = params.get("location", "")
    if location.isdigit():
        lines = lines.filter(location_id=int(location))
    search = params.get("q", "").strip()
    if search:
        lines = lines.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
    return list(lines)


def render_count_sheet(request, count, *, sheet=None, add_form=None, errors=(), status=200):
    querysets = selectors.document_form_choices(request.user)
    querysets["locations"] = querysets["locations"].filter(warehouse=count.warehouse)
    if count.location_id:
        querysets["locations"] = querysets["locations"].filter(pk=count.location_id)
    if sheet is None:
        sheet = forms.CountSheetForm(lines=sheet_lines(count, request.GET))
    if add_form is None:
        add_form = forms.CountAddLineForm(querysets=querysets)
    return render(request, "inventory/documents/count_sheet.html", {
        "kind": COUNTS, "document": count, "sheet": sheet, "add_form": add_form, "errors": errors,
        "locations": querysets["locations"], "query": request.GET.urlencode(),
    }, status=status)


def counting_count(request, pk):
    """The count, if its sheet can be worked on now; else a redirect to its page with a message."""
    count = get_document(request.user, COUNTS, pk)
    require_operate(request.user, count.warehouse)
    if count.status != st.CountStatus.COUNTING:
        messages.error(request, _("Counted quantities can be entered only while the count is in progress."))
        return count, redirect("inventory:count_detail", pk=pk)
    return count, None


@permission_required("inventory.change_stockcount")
def count_sheet(request, pk):
    """Counted quantities (base unit) of all lines shown, typed in one form. Empty fields are left as they are."""
    count, refused = counting_count(request, pk)
    if refused:
        return refused
    if request.method != "POST":
        return render_count_sheet(request, count)
    sheet = forms.CountSheetForm(request.POST, lines=sheet_lines(count, request.GET))
    errors = []
    if sheet.is_valid():
        counted = sheet.counted()
        if not counted:
            messages.info(request, _("No counted quantity was changed."))
            return redirect(f"{reverse('inventory:count_sheet', args=[pk])}?{request.GET.urlencode()}")
        try:
            services.count_record(count=count, counted=counted, actor=request.user)
        except DomainError as exc:
            errors.append(exc.message)
        else:
            messages.success(request, _("%(n)s counted quantities saved.") % {"n": len(counted)})
            return redirect(f"{reverse('inventory:count_sheet', args=[pk])}?{request.GET.urlencode()}")
    return render_count_sheet(request, count, sheet=sheet, errors=errors)


@permission_required("inventory.change_stockcount")
@require_POST
def count_add_line(request, pk):
    """Something found that is not on the sheet."""
    count, refused = counting_count(request, pk)
    if refused:
        return refused
    querysets = selectors.document_form_choices(request.user)
    form = forms.CountAddLineForm(request.POST, querysets=querysets)
    errors = []
    if form.is_valid():
        try:
            line = services.count_add_line(count=count, actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            show_error(exc, form, errors)
        else:
            messages.success(request, _("%(item)s at %(location)s added to the sheet.")
                             % {"item": line.item.code, "location": line.location})
            return redirect("inventory:count_sheet", pk=pk)
    return render_count_sheet(request, count, add_form=form, errors=errors)


def count_posted_message(count, before):
    return _("%(document)s posted: the variances are booked.") % {"document": count.reference}


@permission_required("inventory.change_stockcount")
@require_POST
def count_post(request, pk):
    return run_action(request, COUNTS, pk, services.count_post, count_posted_message)


@permission_required("inventory.change_stockcount")
@require_POST
def count_cancel(request, pk):
    return run_action(request, COUNTS, pk, services.count_cancel, cancelled_message)
