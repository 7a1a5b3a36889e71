"""Feedback of supply dates to sales: the sales order lines a purchase order line serves (through
the requisition lines consolidated into it) are promised again from the order line's date.

Called when an order is approved (``orders.approve``), when an approved order's lines are re-dated
(``orders.order_redate``), and by goods receiving after a receipt is posted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext_noop

from erp import messages
from erp.models import User
from purchasing.models import PurchaseOrderLine, PurchaseRequisitionLine
from sales.models import SalesOrder
from sales.services.promises import order_lines_repromise

SUPPLY_REASON = gettext_noop("supply by purchase order %(order)s")


def supply_date(line: PurchaseOrderLine, today: datetime.date) -> datetime.date | None:
    """When the order line's goods are there: today once it is fully received, else its expected date."""
    if line.quantity_base > 0 and line.net_received >= line.quantity_base:
        return today
    return line.expected_date


def repromise_pegged_sales_lines(*, order_lines: Iterable[PurchaseOrderLine], actor: User | None
                                 ) -> list[SalesOrder]:
    """Promise again the sales order lines pegged to ``order_lines`` (requisition lines with a
    ``sales_order_line`` consolidated into them): each gets the supply date of its order line (today
    once the line is fully received, else the line's expected date; the latest when several order
    lines serve it), and sales recomputes its promised date (the supply date plus the shipping
    preparation days, never before the requested date) and notifies the order's rep when a date
    moves. Call it inside the transaction that changed the order lines — after a posted receipt
    (with the received quantities updated), an approval or a re-dating. Returns the sales orders
    whose promised date changed. A fixed number of queries per purchase order."""
    lines = {line.pk: line for line in order_lines}
    if not lines:
        return []
    today = timezone.localdate()
    pegs = list(PurchaseRequisitionLine.objects.filter(order_line_id__in=list(lines), sales_order_line__isnull=False)
                .values_list("order_line_id", "sales_order_line_id"))
    by_order: dict[int, dict[int, datetime.date]] = {}
    for order_line_id, sales_line_id in pegs:
        line = lines[order_line_id]
        date = supply_date(line, today)
        if date is None:
            continue
        promises = by_order.setdefault(line.order_id, {})
        promises[sales_line_id] = max(date, promises.get(sales_line_id, date))
    changed: list[SalesOrder] = []
    for order_id, promises in sorted(by_order.items()):
        order = next(line.order for line in lines.values() if line.order_id == order_id)
        changed += order_lines_repromise(promises=promises, actor=actor, reason=messages.message(
            SUPPLY_REASON, order=messages.reference(order)))
    return changed


__all__ = ["repromise_pegged_sales_lines", "supply_date"]
