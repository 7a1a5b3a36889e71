"""What production does when another department announces something."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import OutboxEvent
from erp.roles import PRODUCTION
from office.services import task_assign_for_event
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
