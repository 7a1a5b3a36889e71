"""What sales does when something happens: after its own confirmation (the delivery note draft, on the
event bus); when inventory has stock to reserve again (the waiting order lines take it, on the bus);
and while inventory posts a delivery note whose source is a sales order (inventory's in-transaction
hooks: sales locks the order, checks the picks and records what was shipped); when the approval engine
decides an order's credit-limit exception (office's in-transaction hook); and when a company is made
(its default credit-exception rule)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from erp.events import subscribe
from erp.models import Company
from inventory import signals as inventory_signals
from office import signals as office_signals
from sales import signals
from sales.approvals import seed_credit_rule
from sales.models import SalesOrder
from sales.services import orders, waiting


@subscribe(signals.order_confirmed, "sales.prepare_delivery")
def prepare_delivery(event):
    """A confirmed order's reserved stock gets a delivery note draft and the keepers a pick task."""
    orders.order_prepare_delivery(order_id=event.payload["order_id"], source_event=event.pk)


@subscribe(inventory_signals.stock_available, "sales.reserve_waiting")
def reserve_waiting(event):
    """Stock arrived (or was released): the order lines waiting for it are reserved, fairly."""
    waiting.reserve_waiting(company=event.company, stock_pairs=event.payload["stock"])


def lock_order_for_delivery(sender, delivery, **kwargs):
    orders.order_for_delivery(delivery.source_id)


def check_order_picks(sender, delivery, picked, **kwargs):
    orders.order_check_picks(order_id=delivery.source_id, picked=picked)


def record_order_delivery(sender, delivery, shipped, actor, **kwargs):
    orders.order_record_delivery(order=orders.order_for_delivery(delivery.source_id), delivered=shipped, actor=actor)


inventory_signals.delivery_posting.connect(lock_order_for_delivery, sender=SalesOrder,
                                           dispatch_uid="sales-lock-order-for-delivery")
inventory_signals.delivery_picking.connect(check_order_picks, sender=SalesOrder, dispatch_uid="sales-check-picks")
inventory_signals.delivery_shipped.connect(record_order_delivery, sender=SalesOrder,
                                           dispatch_uid="sales-record-delivery")


def record_credit_decision(sender, request, outcome, actor, **kwargs):
    """The approval engine decided a credit-limit exception: an approval is recorded on the order."""
    orders.credit_record_decision(order_id=request.document_id, request=request, outcome=outcome, actor=actor)


office_signals.approval_decided.connect(record_credit_decision, sender=SalesOrder,
                                        dispatch_uid="sales-record-credit-decision")


@receiver(post_save, sender=Company, dispatch_uid="sales-seed-credit-rule-for-new-company")
def seed_credit_rule_for_new_company(sender, instance, created, raw=False, **kwargs):
    # In the company's transaction: the sales managers approve credit exceptions from the start.
    if created and not raw:
        seed_credit_rule(instance)
