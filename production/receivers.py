"""What production does when another department announces something, and what it answers when
another department asks (in-transaction hooks)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import OutboxEvent
from erp.roles import PRODUCTION
from inventory.status import Procurement
from office.selectors.notifications import users_of_role
from office.services import tasks_restate_or_close
from office.services.notifications import notify
from production import status as st
from production.models import WorkOrder
from sales import signals as sales_signals
from sales.models import SalesOrder, SalesOrderLine
from sales.status import ShortageState

# The subscriber key (kept from when the shortage made a task: deliveries already recorded under it stay
# its own) and the kind of notification the planners get.
PLAN_SHORTAGE = "production.plan_shortage"
DEMAND_ARRIVED = "production.demand_arrived"
# The title of the planning tasks made before (still shown in the reader's language: erp.messages).
gettext_noop("Plan production for %(order)s")


@subscribe(sales_signals.production_requested, PLAN_SHORTAGE)
def plan_shortage(event: OutboxEvent) -> None:
    """A confirmed order is short of items we make. The order's undelivered lines already are demand
    for MRP (production.selectors.mrp_inputs reads them), so nothing is copied and no task is made: the
    planners are told once per event that new demand waits for the next MRP run, with a link to the
    runs. The order page shows the request as planned once work orders are pegged to its lines
    (``shortage_planned`` below)."""
    order = SalesOrder.objects.select_related("company").filter(pk=event.payload["order_id"]).first()
    if order is None:
        return
    description, due = sales_signals.shortage_description(event.payload)
    role = Group.objects.filter(name=PRODUCTION).first()
    if role is None:
        return
    notify(company=order.company, recipients=users_of_role(order.company, role), kind=DEMAND_ARRIVED,
           key=f"shortage:{event.pk}",
           link=reverse("production:mrp_run_list"), document=order,
           message=[messages.message(
               gettext_noop("%(order)s is short of items we make (needed from %(date)s): the next MRP run plans them."),
               order=event.payload["order_number"], date=due), *description])


@subscribe(sales_signals.shortage_reduced, "production.shortage_covered")
def shortage_covered(event: OutboxEvent) -> None:
    """Stock that arrived was reserved for an order we were asked about. MRP nets it by itself; a
    planning task made before shortages became MRP demand (databases from before) now asks only for
    what is still short, and is done once nothing of our items is short."""
    left = sales_signals.shortage_left(event.payload, Procurement.MAKE)
    order = SalesOrder.objects.filter(pk=event.payload["order_id"]).first() if left is not None else None
    if order is not None and left is not None:
        tasks_restate_or_close(document=order, kinds=[PLAN_SHORTAGE], description=left, note=messages.message(
            gettext_noop("Covered by stock that arrived: nothing of %(order)s is left to make."),
            order=event.payload["order_number"]))


@receiver(sales_signals.shortage_worked)
def shortage_planned(sender: Any, *, order: SalesOrder, lines: list[SalesOrderLine], **_kwargs: Any) -> dict[int, str]:
    """The order's lines that work orders (not cancelled) are pegged to: planned by production."""
    pegged = (WorkOrder.objects.filter(sales_order_line__in=[line.pk for line in lines])
              .exclude(status=st.WorkOrderStatus.CANCELLED).order_by().values_list("sales_order_line_id", flat=True)
              .distinct())
    return {line_id: ShortageState.PLANNED for line_id in pegged}
