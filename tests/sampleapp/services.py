from erp.db import atomic_with_retry
from erp.documents import transition
from erp.events import publish
from tests.sampleapp.models import SampleOrder
from tests.sampleapp.signals import sample_confirmed


@atomic_with_retry
def sample_order_create(*, company, actor, customer=""):
    return SampleOrder.objects.create(company=company, customer=customer, created_by=actor, updated_by=actor)


@atomic_with_retry
def sample_order_confirm(*, order, actor, note=""):
    transition(order, SampleOrder.Status.CONFIRMED, actor=actor)
    publish(sample_confirmed, company=order.company, source=order, order_id=order.pk, note=note)
    return order
