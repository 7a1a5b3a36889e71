"""The demo's procure-to-pay story (purchasing/demo_story.py), as a new user finds it after `make run`."""

import pytest
from django.utils import translation

from erp.models import Company, OutboxEvent
from inventory import status as inventory_status
from inventory.models import StockBalance
from office.models import ApprovalRequest, Notification
from purchasing import signals
from purchasing.models import Inspection, PurchaseOrder, PurchaseRequisitionLine, SupplierInvoice, SupplierReturn
from sales.models import SalesOrderLine
from tests.conftest import shared_data
from tests.purchasing.test_suppliers_demo import build_demo


@pytest.fixture(scope="module")
def _story(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_demo) as shared:
        yield shared


@pytest.fixture
def demo(_story, request, db):
    _story.for_test(request)
    return Company.objects.get(code="DEMO")


def test_the_sales_shortage_was_bought_approved_received_inspected_returned_and_invoiced(demo):
    peg = PurchaseRequisitionLine.objects.get(requisition__company=demo, source="sales")
    order = peg.order_line.order
    line = order.lines.get()
    # approved by the Purchasing manager (the demo's rule), not by the buyer who submitted it
    request = ApprovalRequest.objects.get(document_id=order.pk, type_key="purchasing.order")
    decision = request.decisions.get()
    assert (request.status, decision.decided_by.username) == ("approved", "purchmgr")
    assert request.requester != decision.decided_by
    # half received, one unit rejected at inspection and returned: 23 kept, all invoiced
    half = (line.quantity / 2).quantize(line.quantity)
    inspection = Inspection.objects.get(order_line=line)
    assert (inspection.status, inspection.quantity, inspection.accepted_quantity, inspection.rejected_quantity,
            inspection.returned_quantity) == ("done", half, half - 1, 1, 1)
    assert SupplierReturn.objects.get(order=order).status == "posted"
    assert (order.status, line.received_quantity, line.returned_quantity, line.invoiced_quantity) == (
        "partial", half, 1, half - 1)
    invoice = SupplierInvoice.objects.get(supplier=order.supplier)
    assert (invoice.status, invoice.match_status) == ("posted", "matched")
    assert OutboxEvent.objects.filter(name=signals.invoice_posted.name, source_id=invoice.pk).count() == 1
    # nothing left in quarantine; the accepted bearings went to storage and the sales line took them
    quarantined = StockBalance.objects.filter(item=line.item, location__kind=inventory_status.LocationKind.QUARANTINE)
    assert sum(b.on_hand for b in quarantined) == 0
    sales_line = SalesOrderLine.objects.get(pk=peg.sales_order_line_id)
    assert sales_line.shortage_quantity == sales_line.quantity_base - (half - 1)
    # the promise follows the purchase order, and the rep heard of it
    assert sales_line.promised_date is not None
    note = Notification.objects.get(kind="sales.promise_changed", recipient__username="sales")
    with translation.override("en"):
        assert sales_line.order.number in note.display_text


def test_a_second_order_waits_in_the_purchasing_managers_inbox(demo):
    waiting = PurchaseOrder.objects.get(company=demo, status="awaiting_approval")
    request = ApprovalRequest.objects.get(document_id=waiting.pk, type_key="purchasing.order", status="pending")
    assert request.requester.username in ("purchasing", "purchasing2")
    assert waiting.total_amount > 1000
