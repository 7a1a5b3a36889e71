"""Supplier items and prices as of a date: which supplier is preferred for an item, what a quantity
costs, and how long it takes to arrive. Consolidation, order entry, the API and (later) MRP read them
here, so the rule is written once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.db.models import Q, QuerySet

from erp.models import Company
from purchasing.models import PurchasingSettings, Supplier, SupplierItem, SupplierPrice

ZERO = Decimal("0")


def valid_on(date: datetime.date, prefix: str = "") -> Q:
    """Rows whose valid_from/valid_to (empty: open) include ``date``."""
    return ((Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": date}))
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": date})))


def purchasing_settings(company: Company) -> PurchasingSettings:
    """The company's purchasing settings (the defaults until someone saves them)."""
    found = PurchasingSettings.objects.filter(company=company).first()
    return found if found is not None else PurchasingSettings(company=company)


def preferred_supplier_items(company: Company, item_ids: Iterable[int], date: datetime.date
                             ) -> dict[int, SupplierItem]:
    """{item id: the active preferred supplier item valid on ``date``} for the items that have one
    (one query, whatever the number of items; the exclusion constraint makes it at most one each)."""
    rows = (SupplierItem.objects.filter(item_id__in=list(item_ids), is_preferred=True, is_active=True,
                                        supplier__company=company, supplier__is_active=True)
            .filter(valid_on(date)).select_related("supplier", "unit"))
    return {row.item_id: row for row in rows}


def supplier_items_of(supplier: Supplier, item_ids: Iterable[int], date: datetime.date) -> dict[int, SupplierItem]:
    """{item id: the supplier's active item valid on ``date``} (the preferred one first when the
    supplier sells an item in several units)."""
    rows = (SupplierItem.objects.filter(supplier=supplier, item_id__in=list(item_ids), is_active=True)
            .filter(valid_on(date)).select_related("supplier", "unit").order_by("item_id", "-is_preferred", "pk"))
    found: dict[int, SupplierItem] = {}
    for row in rows:
        found.setdefault(row.item_id, row)
    return found


def price_rows(supplier_items: Iterable[SupplierItem], date: datetime.date) -> dict[int, list[SupplierPrice]]:
    """{supplier item id: its prices valid on ``date``, highest break first} in one query."""
    ids = [row.pk for row in supplier_items]
    rows = SupplierPrice.objects.filter(supplier_item_id__in=ids).filter(valid_on(date)).order_by(
        "supplier_item_id", "-min_quantity", "-valid_from")
    found: dict[int, list[SupplierPrice]] = {}
    for row in rows:
        found.setdefault(row.supplier_item_id, []).append(row)
    return found


def price_for(prices: list[SupplierPrice], quantity: Decimal) -> Decimal | None:
    """The unit price of ``quantity`` (in the supplier item's unit) from the item's valid prices
    (highest break first): the highest break not above the quantity; None when no break applies."""
    for row in prices:
        if row.min_quantity <= quantity:
            return row.price
    return None


def supplier_price(supplier_item: SupplierItem, quantity: Decimal, date: datetime.date) -> Decimal | None:
    """The unit price of ``quantity`` of a supplier item on ``date`` (None: no price for it)."""
    return price_for(price_rows([supplier_item], date).get(supplier_item.pk, []), quantity)


def rounded_order_quantity(supplier_item: SupplierItem, quantity: Decimal) -> Decimal:
    """``quantity`` (in the supplier item's unit) raised to the minimum order quantity, then up to a
    whole multiple of the order multiple."""
    quantity = max(quantity, supplier_item.min_order_quantity)
    multiple = supplier_item.order_multiple
    if multiple > 0:
        quantity = (quantity / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple
    return quantity


def lead_time_days(supplier_item: SupplierItem | None, supplier: Supplier | None, settings: PurchasingSettings
                   ) -> int:
    """Days from order to arrival: the supplier item's, else the supplier's, else the company's default."""
    if supplier_item is not None and supplier_item.lead_time_days is not None:
        return supplier_item.lead_time_days
    if supplier is not None and supplier.lead_time_days is not None:
        return supplier.lead_time_days
    return settings.default_lead_time_days


@dataclass(frozen=True)
class PurchaseTerms:
    """What buying ``quantity`` of an item from a supplier on a date comes to."""

    supplier_item: SupplierItem | None
    quantity: Decimal  # in ``unit``, rounded up to MOQ and multiple
    unit_price: Decimal | None  # None: the price list has no price for it
    lead_time_days: int
    expected_date: datetime.date


def active_suppliers(company: Company) -> QuerySet[Supplier]:
    return Supplier.objects.filter(company=company, is_active=True)
