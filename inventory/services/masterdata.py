"""Writes of the item master: units, items with their alternative units, warehouses, locations, lots."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from inventory import status as st
from inventory.errors import InUse
from inventory.models import (
    AdjustmentReason,
    Item,
    ItemCategory,
    ItemUnit,
    Location,
    Lot,
    StockMove,
    UnitOfMeasure,
    Warehouse,
)
from inventory.units import SEEDED_UNITS, seeded_english

ModelT = TypeVar("ModelT", bound=Model)
# Alternative units of an item: [(unit, base units per unit)].
UnitPairs = Iterable[tuple[UnitOfMeasure, Decimal | None]]

DEFAULT_REASONS = {
    "DAMAGE": "Damaged goods",
    "EXPIRED": "Expired",
    "FOUND": "Found stock",
    "LOST": "Lost or stolen",
    "SAMPLE": "Samples",
    "CORRECTION": "Correction of a mistake",
}


@atomic_with_retry
def units_seed(*, company: Company) -> int:
    """The standard units (pcs, kg, box…) and adjustment reasons for a company; idempotent. Set-based
    (every company, and so every test, starts with it): two reads, two inserts and one audit insert,
    instead of a get_or_create with its savepoint and audit entry per row."""
    have_units = set(UnitOfMeasure.objects.filter(company=company).values_list("code", flat=True))
    units = UnitOfMeasure.objects.bulk_create([
        UnitOfMeasure(company=company, code=code, name=seeded_english(code), decimals=decimals)
        for code, (_label, decimals) in SEEDED_UNITS.items() if code not in have_units])
    have_reasons = set(AdjustmentReason.objects.filter(company=company).values_list("code", flat=True))
    reasons = AdjustmentReason.objects.bulk_create([
        AdjustmentReason(company=company, code=code, name=name)
        for code, name in DEFAULT_REASONS.items() if code not in have_reasons])
    audit.record_created([*units, *reasons])
    return len(units) + len(reasons)


TRANSIT_CODE = "TRANSIT"
QUARANTINE_CODE = "QC"


@atomic_with_retry
def warehouse_create(*, company: Company, code: str, name: str, address: str = "",
                     actor: User | None = None) -> Warehouse:
    warehouse = Warehouse(company=company, code=code, name=name, address=address)
    warehouse.full_clean()
    warehouse.save()
    Location.objects.create(company=company, warehouse=warehouse, code=TRANSIT_CODE, name=_("In transit"),
                            kind=st.LocationKind.TRANSIT)
    Location.objects.create(company=company, warehouse=warehouse, code=QUARANTINE_CODE, name=_("Quarantine"),
                            kind=st.LocationKind.QUARANTINE)
    return warehouse


def transit_location(warehouse: Warehouse) -> Location:
    location, _created = Location.objects.get_or_create(
        warehouse=warehouse, code=TRANSIT_CODE,
        defaults={"company_id": warehouse.company_id, "name": "In transit", "kind": st.LocationKind.TRANSIT},
    )
    return location


def quarantine_location(warehouse: Warehouse) -> Location:
    """The warehouse's quarantine location (goods waiting for incoming inspection: never available)."""
    location = Location.objects.filter(warehouse=warehouse, kind=st.LocationKind.QUARANTINE).order_by("pk").first()
    if location is None:  # a warehouse made before quarantine existed (its code QC may be taken)
        taken = Location.objects.filter(warehouse=warehouse, code=QUARANTINE_CODE).exists()
        location = Location.objects.create(company_id=warehouse.company_id, warehouse=warehouse,
                                           code="QUARANTINE" if taken else QUARANTINE_CODE, name="Quarantine",
                                           kind=st.LocationKind.QUARANTINE)
    return location


@atomic_with_retry
def location_create(*, warehouse: Warehouse, code: str, name: str, parent: Location | None = None,
                    actor: User | None = None) -> Location:
    if parent is not None and parent.warehouse_id != warehouse.pk:
        raise DomainError(_("The parent location must be in the same warehouse."), field="parent")
    location = Location(company_id=warehouse.company_id, warehouse=warehouse, code=code, name=name, parent=parent)
    location.full_clean()
    location.save()
    return location


LOT_FIELDS = ("lot_size", "lot_minimum", "lot_multiple")


def check_lot_sizing(item: Item) -> None:
    """MRP's lot sizing rule, said beside the field to blame (the database's CHECK constraints are the
    backstop): no negative lot figures; a fixed lot size greater than zero. With "minimum and
    multiple" both may be 0 (no minimum; any quantity)."""
    for name in LOT_FIELDS:
        value = getattr(item, name)
        if value is not None and value < 0:
            raise DomainError(_("Lot quantities must not be negative."), field=name)
    if item.lot_sizing == st.LotSizing.FIXED and not (item.lot_size and item.lot_size > 0):
        raise DomainError(_("A fixed lot size must be greater than zero."), field="lot_size")


@atomic_with_retry
def item_create(*, company: Company, units: UnitPairs = (), actor: User | None = None, **fields: Any) -> Item:
    """Create an item; ``units`` is [(UnitOfMeasure, factor)] of alternative units."""
    item = Item(company=company, **fields)
    check_lot_sizing(item)
    item.full_clean()
    item.save()
    item_set_units(item=item, units=units)
    return item


@atomic_with_retry
def item_update(*, item: Item, units: UnitPairs | None = None, actor: User | None = None, **fields: Any) -> Item:
    """Change an item. Its base unit and lot tracking are fixed once it has stock moves: the ledger's
    quantities are in that unit and its lots would no longer make sense."""
    stored = Item.objects.get(pk=item.pk)
    for name, message in (("base_unit", _("The base unit cannot change once the item has stock moves.")),
                          ("lot_tracked", _("Lot tracking cannot change once the item has stock moves."))):
        new = fields.get(name, getattr(item, name))
        if new != getattr(stored, name) and StockMove.objects.filter(item=item).exists():
            raise DomainError(message, field=name)
    for name, value in fields.items():
        setattr(item, name, value)
    check_lot_sizing(item)
    item.full_clean()
    item.save()
    if units is not None:
        item_set_units(item=item, units=units)
    return item


def item_set_units(*, item: Item, units: UnitPairs) -> None:
    seen: set[int] = set()
    for unit, factor in units:
        if unit.pk == item.base_unit_id:
            raise DomainError(_("The base unit needs no conversion."), field="units")
        if unit.pk in seen:
            raise DomainError(_("Unit %(unit)s is listed twice.") % {"unit": unit.code}, field="units")
        if factor is None or factor <= 0:
            raise DomainError(_("The conversion factor must be greater than zero."), field="units")
        seen.add(unit.pk)
    ItemUnit.objects.filter(item=item).exclude(unit_id__in=seen).delete()
    for unit, factor in units:
        ItemUnit.objects.update_or_create(item=item, unit=unit, defaults={"factor": factor})


def lot_for_receipt(*, item: Item, number: str | None, manufactured_on: datetime.date | None = None,
                    expires_on: datetime.date | None = None) -> Lot:
    """The lot a receipt line puts stock into: an existing one of the item or a new one.
    A new lot's expiry defaults to manufacture (or today) + the item's shelf life."""
    number = (number or "").strip()
    lot = Lot.objects.filter(item=item, number=number).first()
    if lot is not None:
        return lot
    if expires_on is None and item.shelf_life_days:
        expires_on = (manufactured_on or datetime.date.today()) + datetime.timedelta(days=item.shelf_life_days)
    return Lot.objects.create(company_id=item.company_id, item=item, number=number,
                              manufactured_on=manufactured_on, expires_on=expires_on)


@atomic_with_retry
def unit_create(*, company: Company, code: str, name: str, decimals: int = 0,
                actor: User | None = None) -> UnitOfMeasure:
    unit = UnitOfMeasure(company=company, code=code, name=name, decimals=decimals)
    unit.full_clean()
    unit.save()
    return unit


@atomic_with_retry
def category_create(*, company: Company, code: str, name: str, parent: ItemCategory | None = None,
                    actor: User | None = None) -> ItemCategory:
    if parent is not None and parent.company_id != company.pk:
        raise DomainError(_("The parent category belongs to another company."), field="parent")
    category = ItemCategory(company=company, code=code, name=name, parent=parent)
    category.full_clean()
    category.save()
    return category


@atomic_with_retry
def unit_update(*, unit: UnitOfMeasure, actor: User | None = None, **fields: Any) -> UnitOfMeasure:
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean()
    unit.save()
    return unit


@atomic_with_retry
def location_update(*, location: Location, actor: User | None = None, **fields: Any) -> Location:
    for name, value in fields.items():
        setattr(location, name, value)
    parent = location.parent
    if parent is not None:
        if parent.warehouse_id != location.warehouse_id:
            raise DomainError(_("The parent location must be in the same warehouse."), field="parent")
        ancestor: Location | None = parent
        while ancestor is not None:
            if ancestor.pk == location.pk:
                raise DomainError(_("A location cannot be placed inside itself."), field="parent")
            ancestor = ancestor.parent
    location.full_clean()
    location.save()
    return location


@atomic_with_retry
def items_create_bulk(*, company: Company, rows: Iterable[Mapping[str, Any]],
                      actor: User | None = None) -> list[Item]:
    """Create many items at once (imports): ``rows`` are dicts of Item fields plus ``units``
    [(UnitOfMeasure, factor)]. Each item is validated like ``item_create`` (field rules, and
    uniqueness of codes and barcodes against the database and within ``rows``), then all are
    written with a few bulk INSERTs and one audit entry each. All or nothing."""

    items, units = [], []
    for row in rows:
        fields = dict(row)
        alternatives = fields.pop("units", ())
        item = Item(company=company, **fields)
        try:
            check_lot_sizing(item)
        except DomainError as error:
            raise DomainError(_("%(item)s: %(message)s") % {"item": item.code, "message": error.message},
                              field=error.field) from None
        # Uniqueness is checked below for all rows together, not with two queries per row.
        item.full_clean(validate_unique=False, validate_constraints=False)
        items.append(item)
        units.append(alternatives)
    codes = [item.code for item in items]
    barcodes = [item.barcode for item in items if item.barcode]
    taken = set(Item.objects.filter(company=company, code__in=codes).values_list("code", flat=True))
    taken_barcodes = set(Item.objects.filter(company=company, barcode__in=barcodes).values_list("barcode", flat=True))
    if taken or len(set(codes)) != len(codes):
        duplicate = sorted(taken) or sorted({c for c in codes if codes.count(c) > 1})
        raise ValidationError({"code": _("Item code %(code)s is already used.") % {"code": duplicate[0]}})
    if taken_barcodes or len(set(barcodes)) != len(barcodes):
        duplicate = sorted(taken_barcodes) or sorted({b for b in barcodes if barcodes.count(b) > 1})
        raise ValidationError({"barcode": _("Barcode %(code)s is already used.") % {"code": duplicate[0]}})
    for item, alternatives in zip(items, units, strict=True):
        for unit, factor in alternatives:
            if unit.pk == item.base_unit_id or factor is None or factor <= 0:
                raise DomainError(_("%(item)s: the base unit needs no conversion and factors must be greater than "
                                    "zero.") % {"item": item.code}, field="units")
    Item.objects.bulk_create(items)
    item_units = ItemUnit.objects.bulk_create([
        ItemUnit(item=item, unit=unit, factor=factor)
        for item, alternatives in zip(items, units, strict=True) for unit, factor in alternatives
    ])
    with audit.batch():  # the items' and their units' entries in one INSERT
        audit.record_created(items, actor=actor)
        audit.record_created(item_units, actor=actor)
    return items


def _save_with(instance: ModelT, fields: Mapping[str, Any]) -> ModelT:
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


@atomic_with_retry
def warehouse_update(*, warehouse: Warehouse, actor: User | None = None, **fields: Any) -> Warehouse:
    return _save_with(warehouse, fields)


@atomic_with_retry
def lot_create(*, item: Item, actor: User | None = None, **fields: Any) -> Lot:
    if not item.lot_tracked:
        raise DomainError(_("%(item)s is not lot-tracked.") % {"item": item.code}, field="item")
    return _save_with(Lot(company_id=item.company_id, item=item), fields)


@atomic_with_retry
def lot_update(*, lot: Lot, actor: User | None = None, **fields: Any) -> Lot:
    return _save_with(lot, fields)


@atomic_with_retry
def master_record_delete(*, instance: Model, actor: User | None = None, deactivatable: bool = True) -> None:
    """Delete an unused master record (a warehouse takes its empty transit location along), or
    refuse with InUse when other records still refer to it."""
    try:
        with transaction.atomic():
            if isinstance(instance, Warehouse):
                Location.objects.filter(warehouse=instance, kind=st.LocationKind.TRANSIT, code=TRANSIT_CODE).delete()
                Location.objects.filter(warehouse=instance, kind=st.LocationKind.QUARANTINE,
                                        code=QUARANTINE_CODE).delete()
            instance.delete()
    except (ProtectedError, RestrictedError):
        if deactivatable:
            message = _("%(object)s is still used by other records and cannot be deleted. "
                        "Deactivate it instead (is_active = false).")
        else:
            message = _("%(object)s is still used by other records and cannot be deleted.")
        raise InUse(message % {"object": instance}) from None
