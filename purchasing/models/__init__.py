"""Purchasing: suppliers and their price lists, requisitions, purchase orders (with revisions),
incoming inspections, supplier returns and supplier invoices.

Money is Decimal with 2 places, unit prices 4 places, quantities as entered (4 places) plus the item's
base unit (6 places, the unit of stock moves): the settings of ``erp.money``. Receipts are inventory's
goods receipts whose source is a purchase order (inventory cannot name purchasing's models: a generic
reference, as a delivery note names its sales order).
"""

from purchasing.models.invoices import *  # noqa: F403
from purchasing.models.orders import *  # noqa: F403
from purchasing.models.receiving import *  # noqa: F403
from purchasing.models.requisitions import *  # noqa: F403
from purchasing.models.settings import *  # noqa: F403
from purchasing.models.suppliers import *  # noqa: F403
