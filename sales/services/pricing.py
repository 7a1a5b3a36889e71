"""Prices and totals of sales documents, in Decimal with explicit rounding.

A line's amount is quantity × unit price × (1 − discount %), rounded half-up to the cent on the line.
The document's tax is computed per tax rate on the sum of its lines' amounts and rounded half-up to
the cent once per rate (Taiwan's uniform invoices compute business tax on the invoice, not per line);
the total is net + tax. So the document's net is exactly the sum of its lines.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import F, Q

from erp.money import Number, round_money, round_price
from inventory.models import Item, UnitOfMeasure
from sales.models import Customer, PriceList, PriceListItem

HUNDRED = Decimal("100")
ZERO = Decimal("0")


def line_amount(quantity: Number, unit_price: Number, discount_percent: Number | None = ZERO) -> Decimal:
    gross = Decimal(quantity) * Decimal(unit_price)
    return round_money(gross * (HUNDRED - Decimal(discount_percent or 0)) / HUNDRED)


def document_totals(lines: Iterable[tuple[Number, Number | None]]) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, total) of lines given as (net amount, tax rate %) pairs."""
    net_by_rate: defaultdict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for net, rate in lines:
        net_by_rate[Decimal(rate or 0)] += Decimal(net)
    net = sum(net_by_rate.values(), ZERO)
    tax = sum((round_money(amount * rate / HUNDRED) for rate, amount in net_by_rate.items()), ZERO)
    return round_money(net), round_money(tax), round_money(net) + round_money(tax)


def price_list_for(customer: Customer) -> PriceList | None:
    """The customer's price list, else the company's default one (None if neither)."""
    own = customer.price_list if customer.price_list_id else None
    if own is not None and own.is_active:
        return own
    return PriceList.objects.filter(company=customer.company_id, is_default=True, is_active=True).order_by("pk").first()


def prices_for(
    price_list: PriceList | None, item_ids: Iterable[int], on_date: datetime.date
) -> dict[int, list[PriceListItem]]:
    """{item id: [PriceListItem valid on ``on_date``]}: one query for all of a document's lines."""
    if price_list is None or not item_ids:
        return {}
    if (price_list.valid_from and on_date < price_list.valid_from) or (
        price_list.valid_to and on_date > price_list.valid_to
    ):
        return {}
    rows = PriceListItem.objects.filter(price_list=price_list, item_id__in=set(item_ids)).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on_date), Q(valid_to__isnull=True) | Q(valid_to__gte=on_date)
    ).order_by("-min_quantity", F("valid_from").desc(nulls_last=True))  # a period price beats an open-ended one
    found: defaultdict[int, list[PriceListItem]] = defaultdict(list)
    for row in rows:
        found[row.item_id].append(row)
    return found


def pick_price(
    rows: Iterable[PriceListItem], *, item: Item, unit: UnitOfMeasure, quantity: Decimal,
    quantity_base: Decimal | None,
) -> Decimal | None:
    """The list price of ``quantity`` ``unit`` of ``item`` from its rows (highest quantity break
    reached; a period price before an open-ended one), or None. A price in the base unit serves
    other units by their conversion factor."""
    for row in rows:  # ordered by break descending
        if row.unit_id == unit.pk and row.min_quantity <= quantity:
            return row.price
    if unit.pk != item.base_unit_id and quantity and quantity_base is not None:
        factor = quantity_base / Decimal(quantity)
        for row in rows:
            if row.unit_id == item.base_unit_id and row.min_quantity <= quantity_base:
                return round_price(row.price * factor)
    return None
