"""Writes of the supplier master data: suppliers (with their buyer's object permission), contacts,
supplier items with their price breaks.

A supplier's buyer holds ``purchasing.buy_from_supplier`` on it (django-guardian), exactly as a
customer's sales rep holds ``serve_customer``: that grant is what scopes a buyer's suppliers and
documents. Only a user who sees every supplier (the Purchasing manager) sets or changes the buyer; a
buyer's new supplier is their own (BuyerRefused, a 403, otherwise).

One preferred supplier per item and date: checked here under a lock on the item's row (naming the other
supplier); the exclusion constraint ``supplier_item_one_preferred`` is the backstop, and its
IntegrityError becomes the same message."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from erp.money import Number
from inventory import status as inventory_status
from inventory.errors import InUse
from inventory.models import Item, ItemUnit, UnitOfMeasure
from purchasing.models import Supplier, SupplierContact, SupplierItem, SupplierPrice
from purchasing.scoping import BUY, can_buy_from, sees_all_suppliers

ONE_PREFERRED = "supplier_item_one_preferred"


class BuyerRefused(DomainError):
    """A user who does not see every supplier tried to set or change a supplier's buyer."""

    http_status = 403
    default_message = gettext_lazy("Only a Purchasing manager may change the buyer.")


class PriceInput(TypedDict):
    """One price break of ``supplier_item_save``."""

    price: Decimal | None
    min_quantity: NotRequired[Number | None]
    valid_from: NotRequired[datetime.date | None]
    valid_to: NotRequired[datetime.date | None]


def check_same_company(company: Company, **related: models.Model | None) -> None:
    for field, obj in related.items():
        if obj is not None and getattr(obj, "company_id", company.pk) != company.pk:
            raise DomainError(_("This record belongs to another company."), field=field)


def check_buyer(company: Company, buyer: User | None) -> None:
    if buyer is not None and buyer.company_id not in (None, company.pk):
        raise DomainError(_("That user works for another company."), field="buyer")


def may_set_buyer(actor: User | None) -> bool:
    return actor is None or sees_all_suppliers(actor)


def check_can_buy(actor: User | None, supplier: Supplier, field: str = "supplier") -> None:
    if not can_buy_from(actor, supplier):
        raise DomainError(_("You do not buy from supplier %(supplier)s: only its buyer or a Purchasing manager "
                            "may.") % {"supplier": supplier.code}, field=field)


def grant_buyer(supplier: Supplier, old_buyer_id: int | None = None) -> None:
    """The supplier's buyer holds buy_from_supplier on it; a new buyer takes it over."""
    if old_buyer_id and old_buyer_id != supplier.buyer_id:
        old = User.objects.filter(pk=old_buyer_id).first()
        if old is not None:
            remove_perm(BUY, old, supplier)
    if supplier.buyer_id:
        assign_perm(BUY, supplier.buyer, supplier)


@atomic_with_retry
def supplier_create(*, company: Company, actor: User | None = None, contacts: Iterable[Mapping[str, Any]] = (),
                    **fields: Any) -> Supplier:
    check_same_company(company, **{k: fields.get(k) for k in ("tax_code", "payment_term")})
    check_buyer(company, fields.get("buyer"))
    if not may_set_buyer(actor):
        if fields.get("buyer") not in (None, actor):
            raise BuyerRefused(field="buyer")
        fields["buyer"] = actor  # a buyer's new supplier is their own
    fields.setdefault("currency", company.base_currency or "TWD")
    supplier = Supplier(company=company, **fields)
    supplier.full_clean()
    supplier.save()
    grant_buyer(supplier)
    for contact in contacts:
        contact_save(supplier=supplier, actor=actor, **contact)
    return supplier


@atomic_with_retry
def supplier_update(*, supplier: Supplier, actor: User | None = None, **fields: Any) -> Supplier:
    check_can_buy(actor, supplier)
    check_same_company(supplier.company, **{k: fields.get(k) for k in ("tax_code", "payment_term")})
    if "buyer" in fields:
        check_buyer(supplier.company, fields["buyer"])
        new_id = fields["buyer"].pk if fields["buyer"] is not None else None
        if new_id != supplier.buyer_id and not may_set_buyer(actor):
            raise BuyerRefused(field="buyer")
    old_buyer_id = supplier.buyer_id
    for name, value in fields.items():
        setattr(supplier, name, value)
    supplier.full_clean()
    supplier.save()
    grant_buyer(supplier, old_buyer_id)
    return supplier


@atomic_with_retry
def supplier_delete(*, instance: Supplier, actor: User | None = None, deactivatable: bool = True) -> None:
    """Delete a supplier no document uses (its contacts, items and prices go with it); one in use is
    refused (InUse, a 409): deactivate it instead."""
    check_can_buy(actor, instance)
    buyer = instance.buyer
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError):
        if deactivatable:
            message = _("Supplier %(code)s is used by purchasing documents and cannot be deleted. "
                        "Deactivate it instead (is_active = false).")
        else:
            message = _("Supplier %(code)s is used by purchasing documents and cannot be deleted.")
        raise InUse(message % {"code": instance.code}) from None
    if buyer is not None:
        from guardian.models import UserObjectPermission

        UserObjectPermission.objects.filter(user=buyer, object_pk=str(instance.pk),
                                            content_type__app_label="purchasing",
                                            content_type__model="supplier").delete()


@atomic_with_retry
def contact_save(*, supplier: Supplier, actor: User | None = None, contact: SupplierContact | None = None,
                 **fields: Any) -> SupplierContact:
    if contact is None:
        contact = SupplierContact(supplier=supplier)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        others = SupplierContact.objects.filter(supplier=supplier, is_primary=True).exclude(pk=contact.pk)
        audit.update_queryset(others, actor=actor, is_primary=False)
    return contact


# Supplier items ---------------------------------------------------------------------------------


def item_units(item: Item) -> set[int]:
    """The ids of the units ``item`` may be bought in: its base unit and its alternative units."""
    return {item.base_unit_id, *ItemUnit.objects.filter(item=item).values_list("unit_id", flat=True)}


def is_buyable(item: Item) -> bool:
    return (item.procurement == inventory_status.Procurement.BUY
            or item.item_type == inventory_status.ItemType.SERVICE)


def check_item(supplier: Supplier, item: Item, unit: UnitOfMeasure, *, new_item: bool) -> None:
    if item.company_id != supplier.company_id:
        raise DomainError(_("This record belongs to another company."), field="item")
    if new_item and not item.is_active:
        raise DomainError(_("Item %(code)s is inactive.") % {"code": item.code}, field="item")
    if new_item and not is_buyable(item):
        raise DomainError(_("Item %(code)s is not bought: only items procured by buying and services have "
                            "suppliers.") % {"code": item.code}, field="item")
    if unit.company_id != supplier.company_id or unit.pk not in item_units(item):
        raise DomainError(_("%(item)s has no unit %(unit)s: use its base unit or one of its alternative units.")
                          % {"item": item.code, "unit": unit.code}, field="unit")


def overlapping_preferred(row: SupplierItem) -> SupplierItem | None:
    """Another active preferred supplier item of the same item whose dates overlap ``row``'s."""
    others = SupplierItem.objects.filter(item_id=row.item_id, is_preferred=True, is_active=True)
    if row.pk is not None:
        others = others.exclude(pk=row.pk)
    if row.valid_to is not None:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=row.valid_to))
    if row.valid_from is not None:
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=row.valid_from))
    return others.select_related("supplier").order_by("pk").first()


def preferred_message(item: Item, other: SupplierItem | None) -> str:
    if other is None:
        return _("%(item)s already has a preferred supplier on these dates.") % {"item": item.code}
    return _("%(item)s already has a preferred supplier on these dates: %(supplier)s %(name)s. Take the preferred "
             "flag off there first, or give the two different dates.") % {
        "item": item.code, "supplier": other.supplier.code, "name": other.supplier.name}


def is_one_preferred_violation(error: IntegrityError) -> bool:
    cause = error.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    return name == ONE_PREFERRED or ONE_PREFERRED in str(error)


def check_prices(prices: Iterable[PriceInput]) -> list[SupplierPrice]:
    rows: list[SupplierPrice] = []
    seen: set[tuple[Decimal, datetime.date | None]] = set()
    for n, fields in enumerate(prices, start=1):
        prefix = _("Price line %(n)s: ") % {"n": n}
        price = fields.get("price")
        if price is None:
            raise DomainError(prefix + _("the price is missing."), field="prices")
        if price < 0:
            raise DomainError(prefix + _("The price must not be negative."), field="prices")
        min_quantity = Decimal(fields.get("min_quantity") or 0)
        if min_quantity < 0:
            raise DomainError(prefix + _("the quantity must not be negative."), field="prices")
        valid_from, valid_to = fields.get("valid_from"), fields.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            raise DomainError(prefix + _("the end date is before the start date."), field="prices")
        key = (min_quantity, valid_from)
        if key in seen:
            raise DomainError(prefix + _("the same quantity break and start date appear twice."), field="prices")
        seen.add(key)
        rows.append(SupplierPrice(min_quantity=min_quantity, price=price, valid_from=valid_from, valid_to=valid_to))
    return rows


@atomic_with_retry
def supplier_item_save(*, supplier: Supplier, supplier_item: SupplierItem | None = None,
                       prices: Iterable[PriceInput] | None = None, actor: User | None = None,
                       **fields: Any) -> SupplierItem:
    """Create or change what ``supplier`` sells us of an item; ``prices`` (if given) replaces the
    item's price breaks as a whole: [{min_quantity, price, valid_from, valid_to}]."""
    check_can_buy(actor, supplier)
    fields.pop("supplier", None)
    row = supplier_item if supplier_item is not None else SupplierItem(supplier=supplier)
    if row.pk is not None and row.supplier_id != supplier.pk:
        raise DomainError(_("This supplier item belongs to another supplier."), field="supplier")
    old_item_id = row.item_id if row.pk is not None else None
    for name, value in fields.items():
        setattr(row, name, value)
    if row.item_id is None:
        raise DomainError(_("Choose the item."), field="item")
    if row.unit_id is None:
        row.unit = row.item.base_unit
    # The lock that makes "one preferred supplier per item and date" hold: every save of the item's
    # supplier items queues here, then reads what the others committed.
    item = Item.objects.select_for_update().get(pk=row.item_id)
    check_item(supplier, item, row.unit, new_item=row.pk is None or old_item_id != item.pk)
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")
    price_rows = check_prices(prices) if prices is not None else None
    if row.is_preferred and row.is_active:
        other = overlapping_preferred(row)
        if other is not None:
            raise DomainError(preferred_message(item, other), field="is_preferred")
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        if is_one_preferred_violation(error):
            raise DomainError(preferred_message(item, overlapping_preferred(row)), field="is_preferred") from None
        if "supplier_item_unique" in str(error):
            raise DomainError(_("The supplier already sells %(item)s in %(unit)s.")
                              % {"item": item.code, "unit": row.unit.code}, field="unit") from None
        raise
    if price_rows is not None:
        SupplierPrice.objects.filter(supplier_item=row).delete()
        for price_row in price_rows:
            price_row.supplier_item = row
        audit.record_created(SupplierPrice.objects.bulk_create(price_rows), actor=actor)
    return row


@atomic_with_retry
def supplier_item_delete(*, instance: SupplierItem, actor: User | None = None, deactivatable: bool = True) -> None:
    check_can_buy(actor, instance.supplier)
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError):
        message = _("This supplier item is used by purchasing documents and cannot be deleted.")
        if deactivatable:
            message += " " + _("Deactivate it instead (is_active = false).")
        raise InUse(message) from None
