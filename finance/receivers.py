"""What finance does when another department announces something. Until invoices and credit notes
exist, the accountants get a task per delivery to invoice and per return to credit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_noop

from erp import messages
from erp.events import subscribe
from erp.models import OutboxEvent
from erp.roles import FINANCE
from finance.models import JournalEntry
from inventory import signals as inventory_signals
from inventory.models import DeliveryNote
from office import signals as office_signals
from office.services import task_assign_for_event
from production import signals as production_signals
from production.models import WorkOrder
from purchasing import signals as purchasing_signals
from purchasing.models import SupplierInvoice
from sales import signals as sales_signals
from sales.models import CustomerReturn

# Each handler's subscriber key is also the kind of the task it makes (one per event and document).
INVOICE_DELIVERY = "finance.invoice_delivery"
CREDIT_RETURNED_GOODS = "finance.credit_returned_goods"


def finance_task(event: OutboxEvent, *, kind: str, model: type[models.Model], pk: int, title: messages.Message,
                 description: messages.Message) -> None:
    document = model._default_manager.filter(pk=pk).first()
    if document is not None:
        task_assign_for_event(event=event, kind=kind, document=document, role=FINANCE, title=title,
                              description=description)


@subscribe(inventory_signals.delivery_posted, INVOICE_DELIVERY)
def invoice_delivery(event: OutboxEvent) -> None:
    p = event.payload
    finance_task(event, kind=INVOICE_DELIVERY, model=DeliveryNote, pk=p["delivery_id"],
                 title=messages.message(gettext_noop("Invoice %(dn)s (%(customer)s)"), dn=p["delivery_number"],
                                        customer=p["customer"]),
                 description=messages.message(gettext_noop("%(source)s: %(count)s line(s) delivered."),
                                              source=p["source_reference"], count=len(p["lines"])))


@subscribe(sales_signals.return_posted, CREDIT_RETURNED_GOODS)
def credit_returned_goods(event: OutboxEvent) -> None:
    p = event.payload
    finance_task(event, kind=CREDIT_RETURNED_GOODS, model=CustomerReturn, pk=p["return_id"],
                 title=messages.message(gettext_noop("Issue a credit note for %(sr)s (%(customer)s)"),
                                        sr=p["return_number"], customer=p["customer"]),
                 description=messages.message(gettext_noop("Returned against %(dn)s of sales order %(order)s."),
                                              dn=p["delivery_number"], order=p["order_number"]))


# Automatic postings -------------------------------------------------------------------------------

BOOK_STOCK = "finance.book_stock"
BOOK_SUPPLIER_INVOICE = "finance.book_supplier_invoice"
BOOK_WORK_ORDER_CLOSE = "finance.book_work_order_close"


@subscribe(inventory_signals.stock_posted, BOOK_STOCK)
def book_stock(event: OutboxEvent) -> None:
    from finance.services.postings import stock_moves_book

    if event.company is not None:
        stock_moves_book(company=event.company, move_ids=event.payload["move_ids"],
                         reference=event.payload.get("reference", ""))


@subscribe(purchasing_signals.invoice_posted, BOOK_SUPPLIER_INVOICE)
def book_supplier_invoice(event: OutboxEvent) -> None:
    from finance.services.postings import supplier_invoice_book

    invoice = SupplierInvoice.objects.select_related("company", "supplier").filter(
        pk=event.payload["invoice_id"]).first()
    if invoice is not None:
        supplier_invoice_book(invoice=invoice)


@subscribe(production_signals.work_order_closed, BOOK_WORK_ORDER_CLOSE)
def book_work_order_close(event: OutboxEvent) -> None:
    """A closed work order: its labour and overhead applied to work in process, what is left there
    to production variance (finance.services.postings)."""
    from finance.services.postings import work_order_close_book

    work_order = WorkOrder.objects.select_related("company", "item", "updated_by").filter(
        pk=event.payload["work_order_id"]).first()
    if work_order is not None:
        work_order_close_book(work_order=work_order, payload=event.payload)


DRAFT_DELIVERY_INVOICE = "finance.draft_delivery_invoice"
DRAFT_CREDIT_NOTE = "finance.draft_credit_note"


@subscribe(inventory_signals.delivery_posted, DRAFT_DELIVERY_INVOICE)
def draft_delivery_invoice(event: OutboxEvent) -> None:
    """The customer invoice of a posted delivery note of a sales order: drafted for the accountants to
    post (the task above tells them), or added to the customer's draft of the month (by setting)."""
    from finance.services.invoices import invoice_from_delivery

    delivery = DeliveryNote.objects.select_related("company").filter(pk=event.payload["delivery_id"]).first()
    if delivery is not None:
        invoice_from_delivery(delivery=delivery, lines=event.payload["lines"])


@subscribe(sales_signals.return_posted, DRAFT_CREDIT_NOTE)
def draft_credit_note(event: OutboxEvent) -> None:
    from finance.services.invoices import credit_note_from_return

    customer_return = CustomerReturn.objects.select_related("company", "customer").filter(
        pk=event.payload["return_id"]).first()
    if customer_return is not None:
        credit_note_from_return(customer_return=customer_return)


# Manual entries on the approval engine --------------------------------------------------------------


def record_entry_decision(sender, request, outcome, actor, **kwargs):
    """The approval engine decided a manual journal entry: posted, or back to draft."""
    from finance.services.ledger import entry_record_decision

    entry_record_decision(entry_id=request.document_id, request=request, outcome=outcome, actor=actor)


office_signals.approval_decided.connect(record_entry_decision, sender=JournalEntry,
                                        dispatch_uid="finance-record-entry-decision")

