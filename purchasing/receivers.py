"""What purchasing does when another department announces something."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import Company, OutboxEvent
from erp.roles import PURCHASING
from inventory.status import Procurement
from office import signals as office_signals
from office.services import task_assign_for_event, tasks_restate_or_close
from purchasing.approvals import seed_order_rules
from purchasing.models import PurchaseOrder
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


@subscribe(sales_signals.shortage_reduced, "purchasing.shortage_covered")
def shortage_covered(event: OutboxEvent) -> None:
    """Stock that arrived was reserved for an order we were asked about: the request now asks only
    for what is still short, and once nothing of our items is short its task is done."""
    left = sales_signals.shortage_left(event.payload, Procurement.BUY)
    order = SalesOrder.objects.filter(pk=event.payload["order_id"]).first() if left is not None else None
    if order is not None and left is not None:
        tasks_restate_or_close(document=order, kinds=[BUY_SHORTAGE], description=left, note=messages.message(
            gettext_noop("Covered by stock that arrived: nothing of %(order)s is left to buy."),
            order=event.payload["order_number"]))


def record_order_decision(sender, request, outcome, actor, **kwargs):
    """The approval engine decided a purchase order: approved, or back to draft (rejected/returned)."""
    from purchasing.services.orders import order_record_decision

    order_record_decision(order_id=request.document_id, request=request, outcome=outcome, actor=actor)


office_signals.approval_decided.connect(record_order_decision, sender=PurchaseOrder,
                                        dispatch_uid="purchasing-record-order-decision")


@receiver(post_save, sender=Company, dispatch_uid="purchasing-seed-order-rules-for-new-company")
def seed_order_rules_for_new_company(sender, instance, created, raw=False, **kwargs):
    # In the company's transaction: purchase orders above the thresholds need approval from the start.
    if created and not raw:
        seed_order_rules(instance)
