"""What purchasing does when another department announces something."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import OutboxEvent
from erp.roles import PURCHASING
from office.services import task_assign_for_event
from sales import signals as sales_signals
from sales.models import SalesOrder

# The subscriber key, also the kind of the task it makes (one per event and order).
BUY_SHORTAGE = "purchasing.buy_shortage"


@subscribe(sales_signals.purchase_requested, BUY_SHORTAGE)
def buy_shortage(event: OutboxEvent) -> None:
    """A confirmed order is short of items we buy: the buyers get the shortage (item, quantity,
    required date); purchase orders will be raised from it once they exist."""
    order = SalesOrder.objects.filter(pk=event.payload["order_id"]).first()
    if order is not None:
        description, due = sales_signals.shortage_description(event.payload)
        task_assign_for_event(event=event, kind=BUY_SHORTAGE, document=order, role=PURCHASING, description=description,
                              due_date=due,
                              title=messages.message(gettext_noop("Buy for %(order)s"),
                                                     order=event.payload["order_number"]))
