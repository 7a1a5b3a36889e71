"""Inventory's kinds of import, on the core's import engine (``erp.imports``): units of measure, items
(with alternative units, creating missing categories) and opening balances (OPENING stock moves).

Each module declares one ``ImportKind``: its columns (with the zh-Hant and zh-Hans headers people
type), its row checks (existing codes, units, categories and warehouses are read once into dicts, so
the number of queries does not grow with the number of rows) and its write through inventory's
services. ``InventoryConfig.ready()`` registers them; ``inventory.views.imports`` gives them their
screens.
"""

from inventory.imports.items import ITEMS
from inventory.imports.opening import OPENING
from inventory.imports.units import UNITS

# In the order the screens offer them.
KINDS = (UNITS, ITEMS, OPENING)

__all__ = ["ITEMS", "KINDS", "OPENING", "UNITS"]
