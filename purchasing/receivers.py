"""What purchasing does when another department announces something."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import Company, OutboxEvent
from erp.roles import PURCHASING
from erp.signals import document_status_changed
from inventory import signals as inventory_signals
from inventory.models import GoodsReceipt, Item
from inventory.status import Procurement
from office import signals as office_signals
from office.services import task_assign_for_event, tasks_restate_or_close
from purchasing import status as st
from purchasing.approvals import seed_order_rules
from purchasing.models import PurchaseOrder, PurchaseOrderLine
from purchasing.services import receiving
from purchasing.services.requisitions import (  # BUY_SHORTAGE: the subscriber key, also its task's kind
    BUY_SHORTAGE,
    ShortageLine,
    requisition_for_reorder,
    requisition_for_shortage,
    requisition_lines_restate,
)
from sales import signals as sales_signals
from sales.models import SalesOrder


def sales_key(line_id: int) -> str:
    """The source key of the requisition line asked for by a sales order line."""
    return f"sales:{line_id}"


@subscribe(sales_signals.purchase_requested, BUY_SHORTAGE)
def buy_shortage(event: OutboxEvent) -> None:
    """A confirmed order is short of items we buy: one open requisition with a line per short line
    (pegged to the sales order line, needed by its required date), and a task for the buyers that
    closes when every line is ordered. A redelivered event or a second one for the same line adds
    nothing (the line's source key)."""
    order = SalesOrder.objects.select_related("company", "warehouse").filter(pk=event.payload["order_id"]).first()
    if order is None:
        return
    description, due = sales_signals.shortage_description(event.payload)
    task_assign_for_event(event=event, kind=BUY_SHORTAGE, document=order, role=PURCHASING, description=description,
                          due_date=due,
                          title=messages.message(gettext_noop("Buy for %(order)s"),
                                                 order=event.payload["order_number"]))
    requisition_for_shortage(
        company=order.company, warehouse=order.warehouse, source=st.RequisitionSource.SALES, source_event=event.pk,
        lines=[ShortageLine(item_id=line["item_id"], quantity_base=Decimal(line["quantity"]),
                            source_key=sales_key(line["line_id"]), sales_order_line_id=line["line_id"],
                            required_date=datetime.date.fromisoformat(line["required_date"]))
               for line in event.payload["lines"]])


@subscribe(sales_signals.shortage_reduced, "purchasing.shortage_covered")
def shortage_covered(event: OutboxEvent) -> None:
    """Stock that arrived was reserved for an order we were asked about: its open requisition lines
    ask only for what is still short (cancelled when nothing is), the task is restated, and once
    nothing of our items is short the task is done."""
    ours = [line for line in event.payload["lines"] if line["procurement"] == Procurement.BUY]
    order = SalesOrder.objects.select_related("company").filter(pk=event.payload["order_id"]).first()
    if order is None:
        return
    requisition_lines_restate(company=order.company,
                              still_short={sales_key(line["line_id"]): Decimal(line["short"]) for line in ours})
    left = sales_signals.shortage_left(event.payload, Procurement.BUY)
    if left is not None:
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
@subscribe(inventory_signals.reorder_needed, "purchasing.reorder")
def reorder(event: OutboxEvent) -> None:
    """An item fell below its reorder point: a requisition line for what brings it up to the reorder
    point plus safety stock, less what is already asked for or on order (none when that is enough)."""
    item = Item.objects.filter(pk=event.payload["item_id"]).first()
    if item is not None:
        requisition_for_reorder(item=item, available=Decimal(str(event.payload["available"])),
                                reorder_point=Decimal(str(event.payload["reorder_point"])), event_id=event.pk)
@receiver(document_status_changed, sender=PurchaseOrder, dispatch_uid="purchasing-keep-lines-receivable")
def keep_lines_receivable(sender, document, old_status, new_status, **kwargs):
    """The order's lines carry whether it can receive (the workbench's late lines are found by it): one
    UPDATE when a transition changes that, in the transition's transaction."""
    now = new_status in st.RECEIVABLE_ORDER_STATUSES
    if now != (old_status in st.RECEIVABLE_ORDER_STATUSES):
        PurchaseOrderLine.objects.filter(order_id=document.pk).update(order_receivable=now)


# Goods receipts (inventory's in-transaction hooks) --------------------------------------------


def lock_order_for_receipt(sender, receipt, **kwargs):
    """A receipt of an order is being posted: lock the order (and its lines), refuse if it cannot receive."""
    receiving.order_for_receipt(receipt.source_id)


def record_order_receipt(sender, receipt, received, lines, actor, **kwargs):
    """The receipt is posted: the order's received quantities (within the tolerance), its status, and an
    inspection for each line posted to quarantine."""
    # Locked and checked by lock_order_for_receipt in this transaction: read again, not locked again.
    order = PurchaseOrder.objects.select_related("supplier", "company").get(pk=receipt.source_id)
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
