"""Demand lines: a planner's forecasts and expected orders (item, date, base quantity), saved,
deactivated (MRP leaves them out) and deleted while no MRP run has pegged a planned order to them."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from erp.money import round_quantity
from inventory.errors import InUse
from inventory.models import Item
from production.models import Demand, PlannedOrderPeg

MAX_QUANTITY = Decimal("99999999999999")


def clean_quantity(quantity: Decimal | str | int | None) -> Decimal:
    try:
        value = Decimal(str(quantity)) if quantity not in (None, "") else None
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise DomainError(_("Enter the quantity."), field="quantity")
    if value <= 0:
        raise DomainError(_("The quantity must be more than zero."), field="quantity")
    if value > MAX_QUANTITY:
        raise DomainError(_("The quantity is too large."), field="quantity")
    rounded = round_quantity(value)
    if rounded <= 0:
        raise DomainError(_("The quantity must be more than zero."), field="quantity")
    return rounded


@atomic_with_retry
def demand_save(*, company: Company, actor: User | None, item: Item | None, date: datetime.date | None,
                quantity: Decimal | str | int | None, reference: str = "", demand: Demand | None = None,
                is_active: bool = True) -> Demand:
    """Create a demand line, or change ``demand`` (locked): an active item of the company, a date and
    a quantity above zero in the item's base unit."""
    if item is None or item.company_id != company.pk:
        raise DomainError(_("Choose an item."), field="item")
    if not item.is_active:
        raise DomainError(_("Item %(code)s is inactive.") % {"code": item.code}, field="item")
    if date is None:
        raise DomainError(_("Enter the required date."), field="date")
    value = clean_quantity(quantity)
    reference = (reference or "").strip()
    if len(reference) > 100:
        raise DomainError(_("At most 100 characters."), field="reference")
    if demand is None:
        return Demand.objects.create(company=company, item=item, date=date, quantity=value, reference=reference,
                                     is_active=is_active, created_by=actor)
    row = Demand.objects.select_for_update().get(pk=demand.pk)
    if row.company_id != company.pk:
        raise DomainError(_("This demand line belongs to another company."))
    row.item, row.date, row.quantity, row.reference, row.is_active = item, date, value, reference, is_active
    row.save()
    return row


@atomic_with_retry
def demand_deactivate(*, demand: Demand, actor: User | None) -> Demand:
    """MRP leaves the line out from the next run on; the runs that used it keep their pegging."""
    row = Demand.objects.select_for_update().get(pk=demand.pk)
    if row.is_active:
        row.is_active = False
        row.save(update_fields=["is_active"])
    return row


@atomic_with_retry
def demand_delete(*, demand: Demand, actor: User | None) -> None:
    """Delete a demand line no MRP run has used; one that is pegged is deactivated instead."""
    row = Demand.objects.select_for_update().get(pk=demand.pk)
    if PlannedOrderPeg.objects.filter(demand=row).exists():
        raise InUse(_("An MRP run planned for this demand line: deactivate it instead of deleting it."))
    row.delete()
