"""Screens of purchase requisitions: the document screens (list, detail with each line's peg and its
purchase order line, entry of drafts, submit and void) and the buyers' "Requisition lines to order"
page, whose "Create purchase orders" calls the consolidation service once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from erp.document_screens import (
    COST,
    Cell,
    Column,
    DocumentKind,
    Entry,
    ServiceAction,
    Templates,
    created_by_column,
    date_column,
    line_count_column,
    number_column,
    status_column,
)
from erp.errors import DomainError
from erp.permissions import permission_required, user_company
from inventory.selectors import document_form_choices, warehouses_for_user
from purchasing import status as st
from purchasing.forms import requisitions as forms
from purchasing.models import PurchaseRequisition, PurchaseRequisitionLine, Supplier
from purchasing.selectors.requisitions import (
    open_lines_for_user,
    order_previews,
    requisition_lines,
    requisition_rows,
    requisitions_for_user,
)
from purchasing.services import requisitions as services
from purchasing.services.consolidation import requisition_lines_consolidate

ORDER_PERMISSION = "purchasing.add_purchaseorder"


def link(view: str, document: Any) -> str:
    """The URL of ``document``'s page (empty while that screen does not exist)."""
    try:
        return reverse(view, args=[document.pk])
    except NoReverseMatch:
        return ""


def peg_cell(line: PurchaseRequisitionLine) -> Cell:
    """What asked for the line: the sales order (a link), the reorder point, MRP or a person."""
    if line.sales_order_line_id:
        order = line.sales_order_line.order
        return Cell(order.reference, url=link("sales:order_detail", order),
                    note=_("line %(n)s") % {"n": line.sales_order_line.line_no})
    if line.source == st.RequisitionSource.REORDER:
        return Cell(_("Reorder point"))
    return Cell(st.RequisitionSource(line.source).label)


def ordered_cell(line: PurchaseRequisitionLine) -> Cell:
    if not line.order_line_id:
        return Cell("")
    order = line.order_line.order
    return Cell(order.reference, url=link("purchasing:order_detail", order),
                note=_("line %(n)s") % {"n": line.order_line.line_no})


def status_cell(line: PurchaseRequisitionLine) -> Cell:
    return Cell(line.get_status_display(), status=line.status)


LINE_COLUMNS = (
    Column(_l("Item"), lambda line: Cell(f"{line.item.code} {line.item.name}")),
    Column(_l("Quantity"), lambda line: Cell(line.quantity, line.unit, num=True), numeric=True),
    Column(_l("Required date"), lambda line: line.required_date),
    Column(_l("Suggested supplier"), lambda line: Cell(line.supplier.code if line.supplier_id else "")),
    Column(_l("Asked for by"), peg_cell),
    Column(_l("Status"), status_cell),
    Column(_l("Purchase order"), ordered_cell),
    Column(_l("Notes"), lambda line: Cell(line.notes)),
)


def header_rows(requisition: PurchaseRequisition) -> list[tuple[Any, Any]]:
    rows = [(_("Deliver to warehouse"), requisition.warehouse), (_("Date"), requisition.document_date),
            (_("Source"), requisition.get_source_display()), (_("Requested by"), requisition.requested_by)]
    return [*rows, (_("Notes"), requisition.notes)] if requisition.notes else rows


def filter_choices(request: HttpRequest) -> dict[str, Any]:
    return {"warehouses": warehouses_for_user(request.user).order_by("code")}


def form_choices(request: HttpRequest) -> dict[str, Any]:
    choices = dict(document_form_choices(request.user))
    choices["warehouses"] = choices["all_warehouses"]  # a requisition may ask for any warehouse of the company
    choices["suppliers"] = Supplier.objects.restrict(request.user).filter(is_active=True).order_by("code")
    return {"querysets": choices}


def line_choices(request: HttpRequest, data: Any, initial: Any, shared: dict[str, Any]) -> dict[str, Any]:
    return {"querysets": shared["querysets"], "choices": {}}


def initial(requisition: PurchaseRequisition) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {"warehouse": requisition.warehouse, "document_date": requisition.document_date,
              "notes": requisition.notes}
    rows = [{"item": line.item, "quantity": line.quantity, "unit": line.unit, "required_date": line.required_date,
             "supplier": line.supplier, "notes": line.notes} for line in requisition_lines(requisition)]
    return header, rows


def save(*, company: Any, actor: Any, lines: list[dict[str, Any]], requisition: Any = None, **header: Any) -> Any:
    return services.requisition_save(company=company, actor=actor, lines=lines, requisition=requisition,
                                     warehouse=header["warehouse"], notes=header.get("notes") or "",
                                     document_date=header.get("document_date"))


REQUISITIONS = DocumentKind(
    namespace="purchasing", key="requisition", segment="requisitions", model=PurchaseRequisition,
    title=_l("Purchase requisition"), title_plural=_l("Purchase requisitions"),
    new_title=_l("New purchase requisition"),
    selector=requisitions_for_user, filter_form=forms.RequisitionFilterForm, filter_kwargs=filter_choices,
    rows=requisition_rows,
    columns=(number_column(), date_column(),
             Column(_l("Warehouse"), lambda r: r.warehouse.code),
             Column(_l("Source"), lambda r: r.get_source_display()), status_column(), line_count_column(),
             Column(_l("Requested by"), lambda r: str(r.requested_by or ""), listed=False),
             Column(_l("Notes"), lambda r: r.notes, listed=False), created_by_column(listed=False)),
    export_filename="purchase_requisitions", empty=_l("No requisitions match the filters."),
    header_rows=header_rows, lines=requisition_lines, line_columns=LINE_COLUMNS,
    signatures=(_l("Requested by"), _l("Approved by")),
    entry=Entry(header_form=forms.RequisitionForm, formset=forms.RequisitionLineFormSet, save=save,
                form_kwargs=form_choices, line_kwargs=line_choices, initial=initial),
    actions=(
        ServiceAction(name="submit", label=_l("Submit"), service=services.requisition_submit,
                      success=_l("%(document)s submitted: its lines wait for the buyers."),
                      statuses=(st.RequisitionStatus.DRAFT,), confirm=_l("Submit this requisition?")),
        ServiceAction(name="cancel", label=_l("Void"), service=services.requisition_cancel, reason=True,
                      success=_l("%(document)s voided: its open lines are cancelled."), style="outline-danger",
                      statuses=(st.RequisitionStatus.DRAFT, st.RequisitionStatus.OPEN),
                      confirm=_l("Void this requisition? Lines already ordered stay on their purchase orders.")),
    ),
    templates=Templates(form="purchasing/requisitions/form.html"),
)


# Requisition lines to order --------------------------------------------------------------------


def supplier_cell(line: PurchaseRequisitionLine, preview: Any) -> Cell:
    if preview.supplier is None:
        return Cell("", flag=_("no supplier"))
    return Cell(preview.supplier.code, note=_("suggested") if line.supplier_id else _("preferred"))


TO_ORDER_COLUMNS = (
    (_l("Requisition"), lambda line, p: Cell(line.requisition.reference,
                                             url=link("purchasing:requisition_detail", line.requisition))),
    (_l("Item"), lambda line, p: Cell(f"{line.item.code} {line.item.name}")),
    (_l("Quantity"), lambda line, p: Cell(line.quantity, line.unit, num=True)),
    (_l("Required date"), lambda line, p: Cell(line.required_date)),
    (_l("Warehouse"), lambda line, p: Cell(line.requisition.warehouse.code)),
    (_l("Asked for by"), lambda line, p: peg_cell(line)),
    (_l("Supplier"), supplier_cell),
    (_l("Order quantity"), lambda line, p: Cell(p.quantity, p.unit or "", num=True)),
    (_l("Unit price"), lambda line, p: Cell(p.unit_price, num=True, fmt=COST) if p.unit_price is not None
     else Cell("", flag=_("no price") if p.supplier is not None else "")),
)


def open_lines_filters(request: HttpRequest) -> tuple[forms.OpenLinesFilterForm, dict[str, Any]]:
    suppliers = Supplier.objects.restrict(request.user).filter(is_active=True).order_by("code")
    form = forms.OpenLinesFilterForm(request.GET or None, suppliers=suppliers,
                                     warehouses=warehouses_for_user(request.user).order_by("code"))
    values = form.cleaned_data if form.is_valid() else {}
    return form, values


@permission_required("purchasing.view_purchaserequisition")
def lines_to_order(request: HttpRequest) -> HttpResponse:
    """The open lines of open requisitions, oldest need first, 50 a page, each with the supplier it
    would go to and what it would come to alone (rounded quantity, price); tick and order."""
    form, values = open_lines_filters(request)
    today = timezone.localdate()
    rows = open_lines_for_user(request.user, supplier=values.get("supplier"), source=values.get("source") or "",
                               warehouse=values.get("warehouse"), required_before=values.get("required_before"),
                               on_date=today)
    if values.get("item"):
        rows = rows.filter(item__code__iexact=values["item"].strip())
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    lines = list(page.object_list)
    previews = order_previews(lines, user_company(request.user), today)
    context = {
        "filters": form, "page": page, "headers": [header for header, _cell in TO_ORDER_COLUMNS],
        "rows": [(line, [cell(line, previews[line.pk]) for _header, cell in TO_ORDER_COLUMNS]) for line in lines],
        "can_order": request.user.has_perm(ORDER_PERMISSION), "today": today,
        "suppliers": form.fields["supplier"].queryset,
    }
    template = "purchasing/requisitions/_lines_to_order.html" if request.htmx else \
        "purchasing/requisitions/lines_to_order.html"
    return render(request, template, context)


def result_message(result: Any) -> str:
    orders = format_html_join(", ", '<a href="{}">{}</a>', (
        (link("purchasing:order_detail", order), order.reference) for order in result.orders))
    text = format_html("{} {}", _("Purchase orders created:") if result.orders else _("No purchase order created."),
                       orders)
    if result.skipped:
        text = format_html("{}<br>{} {}", text, _("Lines skipped:"), format_html_join(
            "; ", "#{} {}", ((s.line_id, s.reason) for s in result.skipped)))
    if result.warnings:
        text = format_html("{}<br>{}", text, format_html_join(" ", "{}", ((w,) for w in result.warnings)))
    return text


@permission_required(ORDER_PERMISSION)
@require_POST
def lines_consolidate(request: HttpRequest) -> HttpResponse:
    """"Create purchase orders": the ticked lines go to one call of the consolidation service."""
    suppliers = Supplier.objects.restrict(request.user).filter(is_active=True)
    form = forms.ConsolidateForm(request.POST, suppliers=suppliers)
    back = reverse("purchasing:requisition_lines_to_order")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        result = requisition_lines_consolidate(
            company=user_company(request.user), line_ids=form.cleaned_data["lines"], actor=request.user,
            order_date=form.cleaned_data.get("order_date"), supplier=form.cleaned_data.get("supplier"))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    level = messages.SUCCESS if result.orders and not result.skipped else messages.WARNING
    messages.add_message(request, level, result_message(result))
    return redirect(back)
