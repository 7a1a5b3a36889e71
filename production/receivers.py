"""What production does when another department announces something."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import OutboxEvent
from erp.roles import PRODUCTION
from inventory.status import Procurement
from office.services import task_assign_for_event, tasks_restate_or_close
from sales import signals as sales_signals
from sales.models import SalesOrder

# The subscriber key, also the kind of the task it makes (one per event and order).
PLAN_SHORTAGE = "production.plan_shortage"


@subscribe(sales_signals.production_requested, PLAN_SHORTAGE)
def plan_shortage(event: OutboxEvent) -> None:
    """A confirmed order is short of items we make: the production planners get the shortage
    (item, quantity, required date) to plan; work orders will be planned from it once they exist."""
    order = SalesOrder.objects.filter(pk=event.payload["order_id"]).first()
    if order is not None:
        description, due = sales_signals.shortage_description(event.payload)
        task_assign_for_event(event=event, kind=PLAN_SHORTAGE, document=order, role=PRODUCTION, description=description,
                              due_date=due,
                              title=messages.message(gettext_noop("Plan production for %(order)s"),
                                                     order=event.payload["order_number"]))


@subscribe(sales_signals.shortage_reduced, "production.shortage_covered")
def shortage_covered(event: OutboxEvent) -> None:
    """Stock that arrived was reserved for an order we were asked about: the request now asks only
    for what is still short, and once nothing of our items is short its task is done."""
    left = sales_signals.shortage_left(event.payload, Procurement.MAKE)
    order = SalesOrder.objects.filter(pk=event.payload["order_id"]).first() if left is not None else None
    if order is not None and left is not None:
        tasks_restate_or_close(document=order, kinds=[PLAN_SHORTAGE], description=left, note=messages.message(
            gettext_noop("Covered by stock that arrived: nothing of %(order)s is left to make."),
            order=event.payload["order_number"]))
