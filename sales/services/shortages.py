"""A confirmed order's shortage covered from another warehouse of the company: the order page's
"Transfer from …" button. Inventory makes the transfer and the warehouse's task
(``inventory.services.replenish``); sales says what the order is short of. When the transfer is
received, the goods arrive in the order's warehouse like any other stock.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError, IllegalTransition
from erp.models import User
from inventory.models import StockTransfer, Warehouse
from inventory.services.replenish import transfer_create_for_shortage
from sales import status as st
from sales.models import SalesOrder
from sales.services.masterdata import check_can_serve
from sales.services.orders import lock_order


@atomic_with_retry
def order_transfer_shortage(*, order: SalesOrder, from_warehouse: Warehouse, actor: User) -> StockTransfer:
    """A stock transfer from ``from_warehouse`` to the order's warehouse for what the order's lines
    are short of (less what transfers for the order already bring, at most what is available
    there), with a task for the warehouse to ship it. Refused (nothing written) unless the order
    is open and short, when transfers under way already cover it, or when the warehouse has none
    of it (inventory's refusals)."""
    order = lock_order(order)
    check_can_serve(actor, order.customer)
    if order.status not in st.OPEN_ORDER_STATUSES:
        raise IllegalTransition(_("%(order)s is %(status)s: nothing is short any more.")
                                % {"order": order.reference, "status": order.get_status_display()})
    short = [(line.item, line.shortage_quantity)
             for line in order.lines.filter(shortage_quantity__gt=0).select_related("item", "item__base_unit")
             .order_by("line_no", "pk")]
    if not short:
        raise DomainError(_("%(order)s is not short of anything.") % {"order": order.reference})
    return transfer_create_for_shortage(company=order.company, source=order, to_warehouse=order.warehouse,
                                        from_warehouse=from_warehouse, lines=short, actor=actor,
                                        reference=order.reference)
