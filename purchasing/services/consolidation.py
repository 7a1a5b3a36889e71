"""Consolidation: the buyers' selected open requisition lines become draft purchase orders, one per
supplier and warehouse, one order line per item and unit of purchase — quantities rounded up to the
supplier's minimum and multiple, priced from its price list for the date and quantity, expected after
its lead time. Set-based: a constant number of statements whatever the number of lines."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp import audit, messages
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from erp.money import round_quantity
from erp.sql import bulk_set
from inventory.models import Item, ItemUnit, UnitOfMeasure
from office.services import tasks_close_for_document
from office.status import TaskStatus
from purchasing import status as st
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseRequisitionLine, Supplier, SupplierItem
from purchasing.scoping import can_buy_from
from purchasing.selectors.pricing import (
    lead_time_days,
    preferred_supplier_items,
    price_for,
    price_rows,
    purchasing_settings,
    rounded_order_quantity,
    valid_on,
)
from purchasing.services.requisitions import BUY_SHORTAGE, close_done
from purchasing.services.totals import document_totals, line_amount
from sales.models import SalesOrder

ZERO = Decimal("0")


@dataclass(frozen=True)
class Skipped:
    """A selected line that was not ordered, and why (translated)."""

    line_id: int
    reason: str


@dataclass
class ConsolidationResult:
    orders: list[PurchaseOrder] = field(default_factory=list)
    order_lines: list[PurchaseOrderLine] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Target:
    """Where one requisition line goes: the supplier, and the supplier's item when it sells it."""

    supplier_id: int
    supplier_item: SupplierItem | None


def supplier_items_for(pairs: set[tuple[int, int]], on_date: datetime.date) -> dict[tuple[int, int], SupplierItem]:
    """{(supplier id, item id): the supplier's active item valid on the date} for ``pairs``, the
    preferred one first when the supplier sells an item in several units (one query)."""
    if not pairs:
        return {}
    rows = (SupplierItem.objects.filter(supplier_id__in={s for s, _i in pairs}, item_id__in={i for _s, i in pairs},
                                        is_active=True)
            .filter(valid_on(on_date)).select_related("unit").order_by("item_id", "-is_preferred", "pk"))
    found: dict[tuple[int, int], SupplierItem] = {}
    for row in rows:
        found.setdefault((row.supplier_id, row.item_id), row)
    return found


def round_up(quantity: Decimal, unit: UnitOfMeasure) -> Decimal:
    """Up to the unit's decimals (a box is whole)."""
    places = Decimal(1).scaleb(-min(int(unit.decimals), 4))
    return quantity.quantize(places, rounding=ROUND_CEILING)


def targets_of(lines: list[PurchaseRequisitionLine], *, company: Company, supplier: Supplier | None,
               on_date: datetime.date) -> dict[int, Target]:
    """{requisition line id: its target} for the lines that have a supplier: the one given, else the
    line's suggested supplier, else the item's preferred supplier on the date (two queries)."""
    item_ids = {line.item_id for line in lines}
    preferred = preferred_supplier_items(company, item_ids, on_date)
    chosen: dict[int, int] = {}
    for line in lines:
        supplier_id = supplier.pk if supplier is not None else line.supplier_id
        if supplier_id is None and line.item_id in preferred:
            supplier_id = preferred[line.item_id].supplier_id
        if supplier_id is not None:
            chosen[line.pk] = supplier_id
    named = supplier_items_for({(s, line.item_id) for line in lines if (s := chosen.get(line.pk)) is not None
                                and not (line.item_id in preferred and preferred[line.item_id].supplier_id == s)},
                               on_date)
    targets = {}
    for line in lines:
        supplier_id = chosen.get(line.pk)
        if supplier_id is None:
            continue
        row = preferred.get(line.item_id)
        if row is None or row.supplier_id != supplier_id:
            row = named.get((supplier_id, line.item_id))
        targets[line.pk] = Target(supplier_id, row)
    return targets


@atomic_with_retry
def requisition_lines_consolidate(*, company: Company, line_ids: list[int], actor: User | None,
                                  order_date: datetime.date | None = None, supplier: Supplier | None = None
                                  ) -> ConsolidationResult:
    """Turn the open requisition lines ``line_ids`` into draft purchase orders (see the module). The
    lines are locked in id order, so two buyers consolidating the same lines at once make one order
    line: the second finds them ordered and reports them skipped. Lines no longer open, or with no
    supplier, are reported, not ordered. Refused (nothing written) when ``actor`` may not buy from a
    target supplier."""
    order_date = order_date or timezone.localdate()
    result = ConsolidationResult()
    if supplier is not None and (supplier.company_id != company.pk or not supplier.is_active):
        raise DomainError(_("Choose an active supplier of this company."), field="supplier")
    ids = sorted({int(pk) for pk in line_ids})
    if not ids:
        raise DomainError(_("Select at least one requisition line."), field="lines")
    rows = list(PurchaseRequisitionLine.objects.select_for_update(of=("self",))
                .filter(pk__in=ids, requisition__company=company)
                .select_related("item", "requisition", "sales_order_line").order_by("pk"))
    found = {row.pk for row in rows}
    result.skipped += [Skipped(pk, _("No such requisition line.")) for pk in ids if pk not in found]
    lines = []
    for row in rows:
        if row.status != st.RequisitionLineStatus.OPEN:
            result.skipped.append(Skipped(row.pk, _("Already on a purchase order.")
                                          if row.status == st.RequisitionLineStatus.ORDERED else _("Cancelled.")))
        elif row.requisition.status != st.RequisitionStatus.OPEN:
            result.skipped.append(Skipped(row.pk, _("Its requisition is not open (submit it first).")))
        else:
            lines.append(row)
    targets = targets_of(lines, company=company, supplier=supplier, on_date=order_date)
    result.skipped += [Skipped(line.pk, _("No supplier: suggest one or set the item's preferred supplier."))
                       for line in lines if line.pk not in targets]
    lines = [line for line in lines if line.pk in targets]
    if not lines:
        return result
    suppliers = Supplier.objects.select_related("tax_code").in_bulk({t.supplier_id for t in targets.values()})
    refused = sorted(s.code for s in suppliers.values() if not can_buy_from(actor, s) or not s.is_active)
    if refused:
        raise DomainError(_("You may not order from supplier %(suppliers)s: ask a Purchasing manager.")
                          % {"suppliers": ", ".join(refused)}, field="supplier")
    make_orders(lines, targets, suppliers, company=company, actor=actor, order_date=order_date, result=result)
    close_shortage_tasks(lines, actor)
    return result


def make_orders(lines: list[PurchaseRequisitionLine], targets: dict[int, Target], suppliers: dict[int, Supplier], *,
                company: Company, actor: User | None, order_date: datetime.date, result: ConsolidationResult) -> None:
    settings = purchasing_settings(company)
    supplier_items = {t.supplier_item.pk: t.supplier_item for t in targets.values() if t.supplier_item is not None}
    prices = price_rows(supplier_items.values(), order_date)
    item_ids = {line.item_id for line in lines}
    factors: dict[tuple[int, int], Decimal] = {
        (row["item_id"], row["unit_id"]): row["factor"]
        for row in ItemUnit.objects.filter(item_id__in=item_ids).values("item_id", "unit_id", "factor")}
    base_units = UnitOfMeasure.objects.in_bulk({line.item.base_unit_id for line in lines})
    # (supplier, warehouse) → (item, unit) → [requisition lines]
    groups: dict[tuple[int, int], dict[tuple[int, int], list[PurchaseRequisitionLine]]] = defaultdict(dict)
    for line in lines:
        target = targets[line.pk]
        unit_id = target.supplier_item.unit_id if target.supplier_item is not None else line.item.base_unit_id
        groups[(target.supplier_id, line.requisition.warehouse_id)].setdefault((line.item_id, unit_id), []).append(line)
    orders, order_lines, served = [], [], []
    for (supplier_id, warehouse_id), by_item in groups.items():
        supplier = suppliers[supplier_id]
        order = PurchaseOrder(
            company=company, supplier=supplier, warehouse_id=warehouse_id, buyer_id=supplier.buyer_id or (
                actor.pk if actor is not None else None), currency=supplier.currency,
            payment_term_id=supplier.payment_term_id, tax_code=supplier.tax_code, document_date=order_date,
            created_by=actor, updated_by=actor)
        tax_rate = supplier.tax_code.rate if supplier.tax_code is not None else ZERO
        mine = []
        for n, ((item_id, unit_id), reqs) in enumerate(by_item.items(), start=1):
            item: Item = reqs[0].item
            supplier_item = targets[reqs[0].pk].supplier_item
            unit = supplier_item.unit if supplier_item is not None else base_units[item.base_unit_id]
            factor = Decimal(1) if unit_id == item.base_unit_id else factors.get((item_id, unit_id))
            if factor is None:  # the unit is no longer one of the item's units: order in the base unit
                unit, factor = base_units[item.base_unit_id], Decimal(1)
            needed = sum((req.quantity_base for req in reqs), ZERO)
            quantity = round_up(needed / factor, unit)
            if supplier_item is not None:
                quantity = rounded_order_quantity(supplier_item, quantity)
            price = price_for(prices.get(supplier_item.pk, []), quantity) if supplier_item is not None else None
            if price is None:
                price = ZERO
                result.warnings.append(_("%(supplier)s has no price for %(item)s on %(date)s: the order line's "
                                         "price is 0.") % {"supplier": supplier.code, "item": item.code,
                                                           "date": order_date.isoformat()})
            days = lead_time_days(supplier_item, supplier, settings)
            new_line = PurchaseOrderLine(
                order=order, line_no=n, item=item, unit=unit, quantity=quantity,
                quantity_base=round_quantity(quantity * factor), unit_price=price, tax_rate=tax_rate,
                net_amount=line_amount(quantity, price), expected_date=order_date + datetime.timedelta(days=days),
                description=item.name[:300],
                supplier_part_number=supplier_item.supplier_part_number if supplier_item is not None else "")
            mine.append(new_line)
            served.append((new_line, reqs))
        order.net_amount, order.tax_amount, order.total_amount = document_totals(
            (each.net_amount, each.tax_rate) for each in mine)
        order.expected_date = max(each.expected_date for each in mine if each.expected_date is not None)
        orders.append(order)
        order_lines += mine
    PurchaseOrder.objects.bulk_create(orders)
    for each in order_lines:
        each.order = each.order  # its id, now that the order has one (keeps the cached order)
    PurchaseOrderLine.objects.bulk_create(order_lines)
    audit.record_created([*orders, *order_lines], actor=actor)
    before = audit.snapshot(lines)
    for order_line, reqs in served:
        for req in reqs:
            req.status = st.RequisitionLineStatus.ORDERED
            req.order_line = order_line
    # One UPDATE … FROM (VALUES …): bulk_update's CASE per row took minutes for 10,000 lines (bench/README.md).
    bulk_set(PurchaseRequisitionLine, ["status", "order_line"],
             {req.pk: (req.status, req.order_line_id) for req in lines})
    audit.record_updated(lines, before, ["status", "order_line"], actor=actor)
    close_done({line.requisition_id for line in lines}, actor=actor)
    result.orders, result.order_lines = orders, order_lines


def close_shortage_tasks(lines: list[PurchaseRequisitionLine], actor: User | None) -> None:
    """The "Buy for SO-…" task of each sales order whose requisition lines are now all ordered is done."""
    order_ids = {line.sales_order_line.order_id for line in lines if line.sales_order_line is not None}
    if not order_ids:
        return
    waiting = set(PurchaseRequisitionLine.objects.filter(
        sales_order_line__order_id__in=order_ids, status=st.RequisitionLineStatus.OPEN,
    ).values_list("sales_order_line__order_id", flat=True))
    done = list(SalesOrder.objects.filter(pk__in=order_ids - waiting).order_by("pk"))
    if done:
        tasks_close_for_document(documents=done, kinds=[BUY_SHORTAGE], status=TaskStatus.DONE, actor=actor,
                                 note=messages.message(gettext_noop("Every item to buy is on a purchase order.")))
