"""Reads of the supplier master data, through ``restrict`` (a buyer sees the suppliers granted to them
and what hangs off those; the Purchasing manager sees all)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from erp.models import User
from erp.permissions import user_company
from erp.roles import PURCHASING, PURCHASING_MANAGER
from erp.scoping import VIEW
from inventory.models import Item
from purchasing.models import PurchasingSettings, Supplier, SupplierItem, SupplierPrice
from purchasing.scoping import sees_all_suppliers  # noqa: F401  (the views ask here too)


def suppliers_for_user(user: User, action: str = VIEW) -> QuerySet[Supplier]:
    return Supplier.objects.restrict(user, action)


def supplier_list(user: User, *, search: str = "", buyer: User | None = None, active: bool | None = None
                  ) -> QuerySet[Supplier]:
    suppliers = suppliers_for_user(user).select_related("buyer", "payment_term", "tax_code")
    if search:
        suppliers = suppliers.filter(Q(code__icontains=search) | Q(name__icontains=search)
                                     | Q(short_name__icontains=search) | Q(tax_id=search.strip()))
    if buyer is not None:
        suppliers = suppliers.filter(buyer=buyer)
    if active is not None:
        suppliers = suppliers.filter(is_active=active)
    return suppliers.order_by("code")


def supplier_get_for_user(user: User, pk: int) -> Supplier | None:
    return (suppliers_for_user(user).filter(pk=pk)
            .select_related("buyer", "payment_term", "tax_code").first())


def prices_prefetch() -> Prefetch[str]:
    return Prefetch("prices", queryset=SupplierPrice.objects.order_by("min_quantity", "valid_from", "pk"))


def supplier_items_for_user(user: User, action: str = VIEW) -> QuerySet[SupplierItem]:
    return SupplierItem.objects.restrict(user, action)


def supplier_item_list(user: User, *, supplier: Supplier | None = None, item: Item | None = None,
                       search: str = "", preferred: bool | None = None, active: bool | None = None,
                       supplier_code: str = "", item_code: str = "") -> QuerySet[SupplierItem]:
    rows = (supplier_items_for_user(user).select_related("supplier", "item", "unit")
            .prefetch_related(prices_prefetch()).annotate(price_count=Count("prices")))
    if supplier is not None:
        rows = rows.filter(supplier=supplier)
    if item is not None:
        rows = rows.filter(item=item)
    if supplier_code:
        rows = rows.filter(supplier__code=supplier_code)
    if item_code:
        rows = rows.filter(item__code=item_code)
    if search:
        rows = rows.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search)
                           | Q(supplier__code__icontains=search) | Q(supplier__name__icontains=search)
                           | Q(supplier_part_number__icontains=search))
    if preferred is not None:
        rows = rows.filter(is_preferred=preferred)
    if active is not None:
        rows = rows.filter(is_active=active)
    return rows.order_by("item__code", "supplier__code", "unit__code", "pk")


def supplier_item_get_for_user(user: User, pk: int, action: str = VIEW) -> SupplierItem | None:
    return (supplier_items_for_user(user, action).filter(pk=pk).select_related("supplier", "item", "unit")
            .prefetch_related(prices_prefetch()).first())


def buyers(user: User) -> QuerySet[User]:
    """The company's active purchasing users (for the buyer filter and choice)."""
    return User.objects.filter(company=user_company(user), is_active=True).filter(
        Q(groups__name__in=[PURCHASING, PURCHASING_MANAGER])).distinct().order_by("username")


def settings_for_user(user: User) -> PurchasingSettings | None:
    """The user's company's purchasing settings (unsaved defaults when none are stored)."""
    company = user_company(user)
    if company is None:
        return None
    found = PurchasingSettings.objects.restrict(user).filter(company=company).first()
    return found if found is not None else PurchasingSettings(company=company)
