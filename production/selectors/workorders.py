"""Reads of work orders for the screens, the API and the sales order's panel: the user's scoped work
orders, the list's filters, an order's components with what is reserved and short, its operations,
and the BOM version a new order uses by default."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from erp.money import round_quantity
from erp.scoping import VIEW
from inventory.models import Item
from inventory.selectors import held_by_line
from production import status as st
from production.models import Bom, WorkOrder, WorkOrderComponent, WorkOrderOperation

ZERO = Decimal("0")


def work_orders_for_user(user: Any, action: str = VIEW) -> QuerySet[WorkOrder]:
    """The work orders the user may see (``action``: or change), with what their pages and lists show."""
    return WorkOrder.objects.restrict(user, action).select_related(
        "item", "item__base_unit", "bom", "routing", "warehouse", "sales_order_line__order", "responsible")


def work_order_rows(user: Any, values: dict[str, Any]) -> QuerySet[WorkOrder]:
    """The list: filtered by number or item text (``q``), status, item, warehouse, source and the start
    and due dates; newest first."""
    rows = work_orders_for_user(user)
    if values.get("q"):
        text = str(values["q"]).strip()
        rows = rows.filter(Q(number__icontains=text) | Q(item__code__icontains=text) | Q(item__name__icontains=text))
    if values.get("status"):
        rows = rows.filter(status=values["status"])
    if values.get("source"):
        rows = rows.filter(source=values["source"])
    if values.get("item"):
        item = values["item"]
        rows = rows.filter(item__code__iexact=item.strip()) if isinstance(item, str) else rows.filter(item=item)
    if values.get("warehouse"):
        rows = rows.filter(warehouse=values["warehouse"])
    if values.get("date_from"):
        rows = rows.filter(due_date__gte=values["date_from"])
    if values.get("date_to"):
        rows = rows.filter(start_date__lte=values["date_to"])
    return rows.order_by("-created_at", "-pk")


def default_bom(item: Item, on_date: datetime.date) -> Bom | None:
    """The item's active default BOM version valid on ``on_date`` (one at most: an exclusion
    constraint keeps defaults from overlapping)."""
    return (Bom.objects.filter(item=item, is_active=True, is_default=True)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on_date))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
            .select_related("routing").order_by("pk").first())


@dataclass
class ComponentRow:
    """A component of an order as its page shows it: required, issued, reserved now and short."""

    line: WorkOrderComponent
    reserved: Decimal
    short: Decimal


def component_rows(work_order: WorkOrder) -> list[ComponentRow]:
    """The order's components with their active reservations and shortages (two queries). Short is
    what is still to issue beyond what is reserved, while the order is released or in progress."""
    lines = list(work_order.components.select_related("component", "component__base_unit").order_by("sequence", "pk"))
    held = held_by_line([work_order]) if work_order.pk else {}
    open_ = work_order.status in (st.WorkOrderStatus.RELEASED, st.WorkOrderStatus.IN_PROGRESS)
    rows = []
    for line in lines:
        reserved = held.get(line.pk, ZERO)
        outstanding = max(line.quantity_required - line.issued_quantity, ZERO)
        short = max(outstanding - reserved, ZERO) if open_ and line.component.is_stocked else ZERO
        rows.append(ComponentRow(line, reserved, short))
    return rows


def byproducts_of(bom: Bom) -> list[tuple[Item, Decimal]]:
    """The BOM's by-product lines as (item, base quantity per base unit of the BOM's item), summed per
    item; a phantom's by-products stay with the phantom's own BOM (they are not the order's)."""
    yields: dict[int, tuple[Item, Decimal]] = {}
    for line in bom.lines.filter(kind=st.BomLineKind.BY_PRODUCT).select_related("component").order_by("sequence", "pk"):
        item, per = yields.get(line.component_id, (line.component, ZERO))
        yields[line.component_id] = (item, per + line.quantity_base / bom.quantity)
    return list(yields.values())


@dataclass
class ByproductRow:
    """A by-product of an order: per unit of the order's item, expected for the order's quantity and
    received so far (completions receive it rounded on the completed total)."""

    item: Item
    per_unit: Decimal
    expected: Decimal
    received: Decimal


def byproduct_rows(work_order: WorkOrder) -> list[ByproductRow]:
    if work_order.bom is None:
        return []
    return [ByproductRow(item, per, round_quantity(per * work_order.quantity),
                         round_quantity(per * work_order.completed_quantity))
            for item, per in byproducts_of(work_order.bom)]


def operation_rows(work_order: WorkOrder) -> QuerySet[WorkOrderOperation]:
    return work_order.operations.select_related("work_center").order_by("sequence", "pk")


def work_orders_for_sales_order(user: Any, order_id: int) -> list[WorkOrder]:
    """The work orders made for the lines of sales order ``order_id`` that the user may see (one query)."""
    return list(work_orders_for_user(user).filter(sales_order_line__order_id=order_id)
                .order_by("sales_order_line__line_no", "pk"))
