from erp.db import atomic_with_retry
from erp.documents import transition
from erp.errors import DomainError, ImmutableDocument
from erp.events import publish
from tests.sampleapp.models import SampleOrder, SampleOrderLine
from tests.sampleapp.signals import sample_confirmed

REFUSED = "REFUSED"  # a customer or an item the sample services refuse (after writing the header, for an item)


@atomic_with_retry
def sample_order_create(*, company, actor, customer=""):
    return SampleOrder.objects.create(company=company, customer=customer, created_by=actor, updated_by=actor)


@atomic_with_retry
def sample_order_save(*, company, actor, lines, order=None, customer="", document_date=None):
    """Create or replace a draft and its lines, as a department's save service does: one transaction."""
    if customer == REFUSED:
        raise DomainError("this customer is refused.", field="customer")
    if order is None:
        order = SampleOrder(company=company, created_by=actor)
    elif not order.is_editable:
        raise ImmutableDocument()
    order.customer, order.updated_by = customer, actor
    if document_date is not None:
        order.document_date = document_date
    order.save()
    order.lines.all().delete()
    for number, line in enumerate(lines, start=1):
        if line["item"] == REFUSED:  # the header is written already: the transaction must undo it
            raise DomainError(f"Line {number}: {REFUSED} cannot be ordered.")
        SampleOrderLine.objects.create(document=order, item=line["item"], quantity=line["quantity"])
    return order


@atomic_with_retry
def sample_order_confirm(*, order, actor, note=""):
    transition(order, SampleOrder.Status.CONFIRMED, actor=actor)
    publish(sample_confirmed, company=order.company, source=order, order_id=order.pk, note=note)
    return order


@atomic_with_retry
def sample_order_cancel(*, order, actor):
    transition(order, SampleOrder.Status.CANCELLED, actor=actor)
    return order
