"""Screens of work orders (erp.document_screens): the list (filters, pagination, export), the page
(header, components with required, reserved, issued and short, operations, standard vs actual cost,
history; release, reserve, issue, complete, close and cancel, each one service), draft entry with
inventory's item lookup, and the print page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from erp.document_screens import (
    COST,
    QTY,
    Cell,
    Column,
    DocumentKind,
    Entry,
    ServiceAction,
    Templates,
    created_by_column,
    date_column,
    number_column,
    status_column,
)
from erp.money import format_quantity
from erp.permissions import user_company
from inventory import status as inventory_status
from inventory.models import Item, Location
from inventory.selectors import warehouses_for_user
from production import status as st
from production.forms import workorders as forms
from production.models import Bom, Routing, WorkOrder
from production.selectors.workorders import (
    byproduct_rows,
    component_rows,
    operation_rows,
    work_order_rows,
    work_orders_for_user,
)
from production.services import workorders as services

OPEN = (st.WorkOrderStatus.RELEASED, st.WorkOrderStatus.IN_PROGRESS)


def quantity_cell(order: WorkOrder, value: Decimal) -> Cell:
    return Cell(value, order.item.base_unit, num=True, fmt=QTY)


def sales_order_cell(order: WorkOrder) -> Cell:
    line = order.sales_order_line
    if line is None:
        return Cell("")
    return Cell(line.order.reference, url=reverse("sales:order_detail", args=[line.order_id]),
                note=_("line %(n)s") % {"n": line.line_no})


COLUMNS = (
    number_column(),
    Column(_l("Item"), lambda o: o.item.code, display=lambda o: Cell(o.item.code, note=o.item.name)),
    Column(_l("Quantity"), lambda o: o.quantity, display=lambda o: quantity_cell(o, o.quantity), numeric=True),
    Column(_l("Completed"), lambda o: o.completed_quantity,
           display=lambda o: quantity_cell(o, o.completed_quantity), numeric=True),
    Column(_l("Warehouse"), lambda o: o.warehouse.code),
    date_column(_l("Start date"), "start_date"),
    date_column(_l("Due date"), "due_date"),
    status_column(),
    Column(_l("Source"), lambda o: o.get_source_display()),
    Column(_l("Sales order"), lambda o: o.sales_order_line.order.reference if o.sales_order_line_id else "",
           display=sales_order_cell),
    Column(_l("BOM"), lambda o: str(o.bom or ""), listed=False),
    Column(_l("Actual cost"), lambda o: o.actual_material + o.actual_labour + o.actual_overhead, listed=False),
    created_by_column(listed=False),
)


def component_cell(row: Any) -> Cell:
    item = row.line.component
    return Cell(item.code, note=item.name)


def short_cell(row: Any) -> Cell:
    return Cell(row.short, row.line.component.base_unit, num=True, fmt=QTY,
                flag=_("short") if row.short > 0 else "")


def qty_of(row: Any, value: Decimal) -> Cell:
    return Cell(value, row.line.component.base_unit, num=True, fmt=QTY)


LINE_COLUMNS = (
    Column(_l("Component"), lambda r: r.line.component.code, display=component_cell),
    Column(_l("Per unit"), lambda r: r.line.quantity_per, display=lambda r: qty_of(r, r.line.quantity_per),
           numeric=True),
    Column(_l("Required"), lambda r: r.line.quantity_required,
           display=lambda r: qty_of(r, r.line.quantity_required), numeric=True),
    Column(_l("Reserved"), lambda r: r.reserved, display=lambda r: qty_of(r, r.reserved), numeric=True),
    Column(_l("Issued"), lambda r: r.line.issued_quantity, display=lambda r: qty_of(r, r.line.issued_quantity),
           numeric=True),
    Column(_l("Short"), lambda r: r.short, display=short_cell, numeric=True),
    Column(_l("Unit cost issued"), lambda r: r.line.unit_cost_issued,
           display=lambda r: Cell(r.line.unit_cost_issued, num=True, fmt=COST), numeric=True),
    Column(_l("Backflush"), lambda r: _("yes") if r.line.backflush else ""),
)


def header_rows(order: WorkOrder) -> list[tuple[Any, Any]]:
    rows: list[tuple[Any, Any]] = [
        (_("Item"), f"{order.item.code} {order.item.name}"),
        (_("Quantity"), format_quantity(order.quantity, order.item.base_unit, with_unit=True)),
        (_("Completed"), format_quantity(order.completed_quantity, order.item.base_unit, with_unit=True)),
        (_("Warehouse"), order.warehouse),
        (_("BOM version"), order.bom or _("default on the start date")),
        (_("Routing"), order.routing.code if order.routing_id else "—"),
        (_("Start date"), order.start_date), (_("Due date"), order.due_date),
        (_("Source"), order.get_source_display()),
        (_("Backflush components at completion"), _("yes") if order.backflush else _("no")),
        (_("Overhead (percent of labour)"), order.overhead_percent),
    ]
    if order.sales_order_line_id:
        rows.append((_("For sales order"), f"{order.sales_order_line.order.reference} "
                                           f"{_('line %(n)s') % {'n': order.sales_order_line.line_no}}"))
    return [*rows, (_("Notes"), order.notes)] if order.notes else rows


def cost_rows(order: WorkOrder) -> list[dict[str, Any]]:
    """Standard vs actual by element (standard for the ordered quantity until closed, then for the
    completed quantity), with the variance once closed."""
    closed = order.status == st.WorkOrderStatus.CLOSED
    rows = []
    for label, standard, actual, variance in (
            (_("Material"), order.standard_material, order.actual_material, order.material_variance),
            (_("Labour"), order.standard_labour, order.actual_labour, order.labour_variance),
            (_("Overhead"), order.standard_overhead, order.actual_overhead, order.overhead_variance)):
        rows.append({"label": label, "standard": standard, "actual": actual, "variance": variance if closed else None})
    rows.append({"label": _("Total"), "standard": sum((r["standard"] for r in rows), Decimal("0")),
                 "actual": sum((r["actual"] for r in rows), Decimal("0")),
                 "variance": sum((r["variance"] for r in rows), Decimal("0")) if closed else None, "total": True})
    return rows


def detail_context(request: HttpRequest, order: WorkOrder, context: dict[str, Any]) -> dict[str, Any]:
    may_change = request.user.has_perm("production.change_workorder")
    open_ = order.status in OPEN
    shortages = [row for row in context.get("lines", []) if row.short > 0]
    return {
        "operations": list(operation_rows(order)), "costs": cost_rows(order), "shortages": shortages,
        "can_issue": may_change and open_, "can_complete": may_change and open_,
        "left_to_complete": order.quantity - order.completed_quantity,
        "locations": list(Location.objects.filter(warehouse=order.warehouse, is_active=True)
                          .exclude(kind=inventory_status.LocationKind.TRANSIT).order_by("code"))
        if may_change and open_ else [],
        "received_value": order.received_value, "byproduct_value": order.byproduct_value,
        "byproducts": byproduct_rows(order),
    }


def filter_choices(request: HttpRequest) -> dict[str, Any]:
    return {"warehouses": warehouses_for_user(request.user).order_by("code")}


def form_choices(request: HttpRequest) -> dict[str, Any]:
    company = user_company(request.user)
    return {"querysets": {
        # Any active item: a bought one is refused by the service with the reason beside the field.
        "item": Item.objects.filter(company=company, is_active=True),
        "warehouse": warehouses_for_user(request.user).filter(is_active=True).order_by("code"),
        "bom": Bom.objects.restrict(request.user).filter(is_active=True).select_related("item")
        .order_by("item__code", "version"),
        "routing": Routing.objects.restrict(request.user).filter(is_active=True).order_by("code"),
    }}


def initial(order: WorkOrder) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    fields = ("item", "quantity", "warehouse", "start_date", "due_date", "bom", "routing", "backflush",
              "overhead_percent", "notes")
    return {name: getattr(order, name) for name in fields}, []


def save(*, company: Any, actor: Any, work_order: WorkOrder | None = None, **header: Any) -> WorkOrder:
    return services.work_order_save(
        company=company, actor=actor, work_order=work_order, item=header["item"], warehouse=header["warehouse"],
        quantity=header["quantity"], start_date=header["start_date"], due_date=header.get("due_date"),
        bom=header.get("bom"), routing=header.get("routing"), backflush=bool(header.get("backflush")),
        overhead_percent=header.get("overhead_percent") or Decimal("0"), notes=header.get("notes") or "")


def issue_params(request: HttpRequest) -> dict[str, Any]:
    """The issue form's rows: ``quantity_<component row id>`` with an optional ``location_<id>`` and
    ``lot_<id>``; empty quantities are skipped (the service refuses an issue of nothing)."""
    data = request.POST
    lines = []
    locations = {str(loc.pk): loc for loc in Location.objects.restrict(request.user).filter(
        pk__in=[v for k, v in data.items() if k.startswith("location_") and v.isdigit()])}
    for key, value in data.items():
        if not key.startswith("quantity_") or not key[9:].isdigit() or not value.strip():
            continue
        row_id = key[9:]
        lines.append(services.IssueLine(component=int(row_id), quantity=value,
                                        location=locations.get(data.get(f"location_{row_id}", "")),
                                        lot_number=data.get(f"lot_{row_id}", "")))
    return {"lines": lines}


def complete_params(request: HttpRequest) -> dict[str, Any]:
    return {"quantity": request.POST.get("quantity", ""), "lot_number": request.POST.get("lot_number", "")}


def released(order: WorkOrder, before: str, result: Any) -> tuple[int, str]:
    if result.shortages:
        return messages.WARNING, _("%(order)s released; short: %(shortages)s.") % {
            "order": order.reference, "shortages": "; ".join(s.text() for s in result.shortages)}
    return messages.SUCCESS, _("%(order)s released: every component is reserved.") % {"order": order.reference}


def reserved(order: WorkOrder, before: str, result: Any) -> tuple[int, str]:
    if result.shortages:
        return messages.WARNING, _("Still short: %(shortages)s.") % {
            "shortages": "; ".join(s.text() for s in result.shortages)}
    return messages.SUCCESS, _("Every component of %(order)s is reserved.") % {"order": order.reference}


WORK_ORDERS = DocumentKind(
    namespace="production", key="work_order", segment="work-orders", model=WorkOrder,
    title=_l("Work order"), title_plural=_l("Work orders"), new_title=_l("New work order"),
    selector=work_orders_for_user, filter_form=forms.WorkOrderFilterForm, filter_kwargs=filter_choices,
    rows=work_order_rows, columns=COLUMNS, export_filename="work_orders",
    empty=_l("No work orders match the filters."),
    header_rows=header_rows, lines=component_rows, line_columns=LINE_COLUMNS, detail_context=detail_context,
    signatures=(_l("Planned by"), _l("Received by")),
    entry=Entry(header_form=forms.WorkOrderForm, save=save, form_kwargs=form_choices, initial=initial),
    actions=(
        ServiceAction(name="release", label=_l("Release"), service=services.work_order_release, success=released,
                      statuses=(st.WorkOrderStatus.DRAFT,),
                      confirm=_l("Release this work order? Its components are reserved as far as the stock goes.")),
        ServiceAction(name="reserve", label=_l("Reserve shortages"), service=services.work_order_reserve,
                      success=reserved, statuses=OPEN, style="outline-primary"),
        ServiceAction(name="issue", label=_l("Issue components"), service=services.work_order_issue,
                      params=issue_params, statuses=OPEN, button=False,
                      success=_l("Components issued to %(document)s.")),
        ServiceAction(name="complete", label=_l("Complete"), service=services.work_order_complete,
                      params=complete_params, statuses=OPEN, button=False,
                      success=_l("Finished goods of %(document)s received.")),
        ServiceAction(name="close", label=_l("Close"), service=services.work_order_close,
                      statuses=(st.WorkOrderStatus.IN_PROGRESS, st.WorkOrderStatus.COMPLETED),
                      success=_l("%(document)s closed: its variances are recorded."),
                      confirm=_l("Close this work order? Its costs are settled and what it still holds is released.")),
        ServiceAction(name="cancel", label=pgettext_lazy("work order action", "Cancel"),
                      service=services.work_order_cancel,
                      statuses=(st.WorkOrderStatus.DRAFT, st.WorkOrderStatus.RELEASED), style="outline-danger",
                      success=_l("%(document)s cancelled: its reservations are released."),
                      confirm=_l("Cancel this work order?")),
    ),
    templates=Templates(detail="production/workorders/detail.html", form="production/workorders/form.html"),
    section="work_orders",
)
