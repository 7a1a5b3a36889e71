"""Who sees which purchasing rows (registered in PurchasingConfig.ready; see erp.scoping).

A user holding ``purchasing.buy_from_supplier`` globally (the Purchasing manager, managers, and the
departments that work with every supplier: warehouse, quality, finance, production) sees every
supplier of the company; a buyer only the suppliers granted ``buy_from_supplier`` to them or to one of
their groups (django-guardian; a supplier's buyer holds it on the supplier) and what hangs off those
suppliers: contacts, supplier items and prices, purchase orders, inspections, returns and invoices,
with their lines. Requisitions are the buyers' shared pool: every purchasing user of the company sees
them. Reading and changing are scoped alike.
"""

from __future__ import annotations

from typing import Any

from erp.scoping import GrantScope, Through, register_scope
from inventory.scoping import OPERATE, SEE_ALL, WAREHOUSE
from purchasing.models import Supplier

BUY = "purchasing.buy_from_supplier"
ACCEPT_MISMATCH = "purchasing.accept_invoice_mismatch"
SUPPLIER = "purchasing.supplier"

SUPPLIERS = GrantScope(paths=("pk",), perm=BUY, model=SUPPLIER)
OF_SUPPLIER = GrantScope(paths=("supplier_id",), perm=BUY, model=SUPPLIER)

THROUGH = {  # model: (path to its parent, parent model)
    "suppliercontact": ("supplier", "supplier"),
    "supplieritem": ("supplier", "supplier"),
    "supplierprice": ("supplier_item", "supplieritem"),
    "purchaseorderline": ("order", "purchaseorder"),
    "purchaseorderrevision": ("order", "purchaseorder"),
    "purchaserequisitionline": ("requisition", "purchaserequisition"),
    "supplierreturnline": ("supplier_return", "supplierreturn"),
    "supplierinvoiceline": ("invoice", "supplierinvoice"),
}


# Inspections and supplier returns lie in a warehouse too: a keeper of another warehouse (who holds
# neither view_all_warehouses nor operate_warehouse globally) sees neither. Changing a return posts
# stock: only who operates its warehouse; recording an inspection is the inspectors' (change_inspection).
INSPECTION_WAREHOUSE = GrantScope(paths=("warehouse_id",), perm=OPERATE, model=WAREHOUSE, view_bypass=(SEE_ALL,),
                                  bypass=("purchasing.change_inspection",))
RETURN_WAREHOUSE = GrantScope(paths=("warehouse_id",), perm=OPERATE, model=WAREHOUSE, view_bypass=(SEE_ALL,))


def sees_all_suppliers(user: Any) -> bool:
    return SUPPLIERS.sees_all(user)


def can_buy_from(user: Any, supplier: Supplier) -> bool:
    """Whether ``user`` may work on ``supplier`` and its documents (None: the system itself)."""
    return user is None or SUPPLIERS.allows(user, supplier)


def register() -> None:
    register_scope(Supplier, SUPPLIERS)
    for model in ("purchaseorder", "supplierreturn", "supplierinvoice", "inspection"):
        register_scope(f"purchasing.{model}", OF_SUPPLIER)
    for model, (path, parent) in THROUGH.items():
        register_scope(f"purchasing.{model}", Through(path, f"purchasing.{parent}"))
    register_scope("purchasing.inspection", INSPECTION_WAREHOUSE)
    register_scope("purchasing.supplierreturn", RETURN_WAREHOUSE)
