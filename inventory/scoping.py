"""Which warehouses a user may see and work in, and everything that lives in one (registered in
InventoryConfig.ready; see erp.scoping).

- Reading (``VIEW``): a user holding ``inventory.view_all_warehouses`` (every role that reads inventory
  except Warehouse) or ``inventory.operate_warehouse`` globally sees every warehouse of the company;
  anyone else only the warehouses granted ``operate_warehouse`` to them or to one of their groups
  (django-guardian object permissions) — a keeper's own warehouses.
- Changing (``CHANGE``: editing, posting, picking, cancelling, the warehouse's master data): only
  ``operate_warehouse``, globally or granted for the warehouse; seeing every warehouse is not enough.

The scope reaches warehouses, locations, balances, moves, reservations and the stock documents with
their lines; a transfer belongs to both of its warehouses. Items, units, lots and valuations are the
company's (no warehouse scope).
"""

from __future__ import annotations

from typing import Any

from erp.scoping import CHANGE, GrantScope, Through, register_scope
from inventory.models import Warehouse

OPERATE = "inventory.operate_warehouse"
SEE_ALL = "inventory.view_all_warehouses"
WAREHOUSE = "inventory.warehouse"


def in_warehouses(*paths: str) -> GrantScope:
    """Rows whose warehouse (any of ``paths``) the user may see or operate."""
    return GrantScope(paths=paths, perm=OPERATE, model=WAREHOUSE, view_bypass=(SEE_ALL,))


WAREHOUSES = in_warehouses("pk")
IN_WAREHOUSE = in_warehouses("warehouse_id")
TRANSFER = in_warehouses("warehouse_id", "to_warehouse_id")

IN_ONE_WAREHOUSE = ("location", "stockbalance", "stockmove", "reservation", "goodsreceipt", "stockissue",
                    "stockadjustment", "stockcount", "deliverynote")
LINES = {  # line model: (path to the document, document model)
    "goodsreceiptline": ("document", "goodsreceipt"),
    "stockissueline": ("document", "stockissue"),
    "stocktransferline": ("document", "stocktransfer"),
    "stockadjustmentline": ("document", "stockadjustment"),
    "stockcountline": ("document", "stockcount"),
    "deliverynoteline": ("document", "deliverynote"),
    "itemunit": ("item", "item"),  # an item's alternative units are the item's
}


def sees_every_warehouse(user: Any) -> bool:
    """Whether ``user`` reads every warehouse of the company (no keeper's scope)."""
    return WAREHOUSES.sees_all(user)


def can_operate(user: Any, warehouse: Warehouse) -> bool:
    """Whether ``user`` may post stock moves in ``warehouse`` (and change what is in it)."""
    return WAREHOUSES.allows(user, warehouse, CHANGE)


def register() -> None:
    register_scope(f"{WAREHOUSE}", WAREHOUSES)
    for model in IN_ONE_WAREHOUSE:
        register_scope(f"inventory.{model}", IN_WAREHOUSE)
    register_scope("inventory.stocktransfer", TRANSFER)
    for line, (path, document) in LINES.items():
        register_scope(f"inventory.{line}", Through(path, f"inventory.{document}"))
