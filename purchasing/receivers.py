"""What purchasing does when another department announces something."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import OutboxEvent
from erp.roles import PURCHASING
from inventory import signals as inventory_signals
from inventory.models import GoodsReceipt
from inventory.status import Procurement
from office.services import task_assign_for_event, tasks_restate_or_close
from purchasing.models import PurchaseOrder
from purchasing.services import receiving
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


# Goods receipts (inventory's in-transaction hooks) --------------------------------------------


def lock_order_for_receipt(sender, receipt, **kwargs):
    """A receipt of an order is being posted: lock the order (and its lines), refuse if it cannot receive."""
    receiving.order_for_receipt(receipt.source_id)


def record_order_receipt(sender, receipt, received, lines, actor, **kwargs):
    """The receipt is posted: the order's received quantities (within the tolerance), its status, and an
    inspection for each line posted to quarantine."""
    order = receiving.order_for_receipt(receipt.source_id)
    receiving.order_record_receipt(order=order, receipt=receipt, lines=lines, received=received, actor=actor)
    receiving.inspections_open(receipt=receipt, lines=lines, order=order, actor=actor)


def open_inspections(sender, receipt, lines, actor, **kwargs):
    """A receipt without a purchase order posted goods to quarantine: they wait for an inspection too."""
    receiving.inspections_open(receipt=receipt, lines=lines, order=None, actor=actor)


def reverse_order_receipt(sender, receipt, received, actor, **kwargs):
    order = PurchaseOrder.objects.filter(pk=receipt.source_id).first()
    receiving.order_reverse_receipt(order=order, receipt=receipt, received=received, actor=actor)


def reverse_unsourced_receipt(sender, receipt, received, actor, **kwargs):
    receiving.order_reverse_receipt(order=None, receipt=receipt, received=received, actor=actor)


inventory_signals.receipt_posting.connect(lock_order_for_receipt, sender=PurchaseOrder,
                                          dispatch_uid="purchasing-lock-order-for-receipt")
inventory_signals.receipt_posted.connect(record_order_receipt, sender=PurchaseOrder,
                                         dispatch_uid="purchasing-record-order-receipt")
inventory_signals.receipt_posted.connect(open_inspections, sender=GoodsReceipt,
                                         dispatch_uid="purchasing-open-inspections")
inventory_signals.receipt_reversed.connect(reverse_order_receipt, sender=PurchaseOrder,
                                           dispatch_uid="purchasing-reverse-order-receipt")
inventory_signals.receipt_reversed.connect(reverse_unsourced_receipt, sender=GoodsReceipt,
                                           dispatch_uid="purchasing-reverse-unsourced-receipt")
