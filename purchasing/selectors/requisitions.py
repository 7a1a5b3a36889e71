"""Reads of requisitions and their open lines (the buyers' shared pool: every purchasing user of the
company sees them, purchasing.scoping), for the screens, the API and consolidation's preview."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from erp.scoping import VIEW
from inventory.models import ItemUnit
from purchasing import status as st
from purchasing.models import PurchaseRequisition, PurchaseRequisitionLine, Supplier, SupplierItem
from purchasing.selectors.pricing import (
    preferred_supplier_items,
    price_for,
    price_rows,
    rounded_order_quantity,
    valid_on,
)

ZERO = Decimal("0")


def requisitions_for_user(user: Any, action: str = VIEW) -> QuerySet[PurchaseRequisition]:
    """The requisitions the user may see (``action``: or change)."""
    return PurchaseRequisition.objects.restrict(user, action).select_related("warehouse", "requested_by")


def requisition_rows(user: Any, values: dict[str, Any]) -> QuerySet[PurchaseRequisition]:
    """The list: filtered by status, source, warehouse, item (any line), number and date."""
    rows = requisitions_for_user(user).annotate(line_count=Count("lines")).order_by("-document_date", "-pk")
    if values.get("status"):
        rows = rows.filter(status=values["status"])
    if values.get("source"):
        rows = rows.filter(source=values["source"])
    if values.get("warehouse"):
        rows = rows.filter(warehouse=values["warehouse"])
    if values.get("item"):
        rows = rows.filter(pk__in=PurchaseRequisitionLine.objects.filter(item=values["item"]).values("requisition_id"))
    if values.get("q"):
        rows = rows.filter(number__icontains=values["q"])
    if values.get("date_from"):
        rows = rows.filter(document_date__gte=values["date_from"])
    if values.get("date_to"):
        rows = rows.filter(document_date__lte=values["date_to"])
    return rows


def requisition_lines(requisition: PurchaseRequisition) -> QuerySet[PurchaseRequisitionLine]:
    """A requisition's lines with their pegs: the sales order asking, the purchase order line ordering."""
    return requisition.lines.select_related("item", "unit", "supplier", "sales_order_line__order",
                                            "order_line__order")


def open_lines_for_user(user: Any, *, item: Any = None, supplier: Supplier | None = None, source: str = "",
                        warehouse: Any = None, required_before: datetime.date | None = None,
                        on_date: datetime.date | None = None) -> QuerySet[PurchaseRequisitionLine]:
    """Open lines of open requisitions the user may see, oldest need first. ``supplier``: lines
    suggesting it, or without a suggestion whose item it is the preferred supplier of on ``on_date``."""
    rows = (PurchaseRequisitionLine.objects.restrict(user, VIEW)
            .filter(status=st.RequisitionLineStatus.OPEN, requisition__status=st.RequisitionStatus.OPEN)
            .select_related("requisition", "requisition__warehouse", "item", "item__base_unit", "unit", "supplier",
                            "sales_order_line__order")
            .order_by("required_date", "pk"))
    if item is not None:
        rows = rows.filter(item=item)
    if source:
        rows = rows.filter(source=source)
    if warehouse is not None:
        rows = rows.filter(requisition__warehouse=warehouse)
    if required_before is not None:
        rows = rows.filter(required_date__lte=required_before)
    if supplier is not None:
        preferred = (SupplierItem.objects.filter(supplier=supplier, is_preferred=True, is_active=True)
                     .filter(valid_on(on_date or datetime.date.today())).values("item_id"))
        rows = rows.filter(Q(supplier=supplier) | Q(supplier__isnull=True, item_id__in=preferred))
    return rows


@dataclass(frozen=True)
class Preview:
    """What ordering one line alone would come to: supplier, quantity in its unit (rounded), price."""

    supplier: Supplier | None
    quantity: Decimal | None
    unit: Any
    unit_price: Decimal | None


def order_previews(lines: list[PurchaseRequisitionLine], company: Any, on_date: datetime.date
                   ) -> dict[int, Preview]:
    """{line id: preview} for a page of open lines (a fixed number of queries: suggested suppliers'
    items, preferred items, prices, unit factors)."""
    item_ids = {line.item_id for line in lines}
    preferred = preferred_supplier_items(company, item_ids, on_date)
    suggested_rows = (SupplierItem.objects.filter(
        supplier_id__in={line.supplier_id for line in lines if line.supplier_id}, item_id__in=item_ids,
        is_active=True).filter(valid_on(on_date)).select_related("unit", "supplier")
        .order_by("item_id", "-is_preferred", "pk"))
    suggested: dict[tuple[int, int], SupplierItem] = {}
    for row in suggested_rows:
        suggested.setdefault((row.supplier_id, row.item_id), row)
    chosen = {line.pk: (suggested.get((line.supplier_id, line.item_id)) if line.supplier_id
                        else preferred.get(line.item_id)) for line in lines}
    prices = price_rows([row for row in chosen.values() if row is not None], on_date)
    factors = {(row["item_id"], row["unit_id"]): row["factor"]
               for row in ItemUnit.objects.filter(item_id__in=item_ids).values("item_id", "unit_id", "factor")}
    previews = {}
    for line in lines:
        offer = chosen[line.pk]
        if offer is None:
            previews[line.pk] = Preview(line.supplier, None, None, None)
            continue
        factor = Decimal(1) if offer.unit_id == line.item.base_unit_id else factors.get((line.item_id, offer.unit_id))
        if factor is None:
            previews[line.pk] = Preview(offer.supplier, None, None, None)
            continue
        places = Decimal(1).scaleb(-min(int(offer.unit.decimals), 4))
        quantity = rounded_order_quantity(offer, (line.quantity_base / factor).quantize(places, rounding=ROUND_CEILING))
        previews[line.pk] = Preview(offer.supplier, quantity, offer.unit, price_for(prices.get(offer.pk, []), quantity))
    return previews
