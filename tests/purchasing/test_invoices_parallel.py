"""Two invoices billing the same received quantity, posted at the same moment: one posts, the
other is refused, and the order line is never invoiced beyond what was received."""

import pytest

from erp.errors import DomainError
from erp.events import OutboxEvent
from purchasing import signals
from purchasing.models import PurchaseOrderLine, SupplierInvoice
from purchasing.services import invoices as services
from tests.parallel import run_parallel
from tests.purchasing.conftest import D


@pytest.mark.django_db(transaction=True)
def test_two_invoices_for_the_same_receipt_posted_at_once_post_one(pur):
    order = pur.invoices_order(pur.acme_parts, [(pur.motor, "10", "800", "10")])
    order_line = order.lines.get()
    invoices = [services.invoice_save(company=pur.company, actor=pur.buyer, supplier=pur.acme_parts,
                                      supplier_invoice_number=f"INV-{i}",
                                      lines=[{"order_line": order_line, "quantity": D("8")}]) for i in range(2)]

    outcomes, errors = run_parallel(2, lambda i: services.invoice_post(invoice=invoices[i], actor=pur.buyer),
                                    refused=(DomainError,))

    assert errors == []
    assert sorted(str(outcome) == "refused" for outcome in outcomes) == [False, True]
    assert PurchaseOrderLine.objects.get(pk=order_line.pk).invoiced_quantity == D("8")
    assert sorted(SupplierInvoice.objects.values_list("status", flat=True)) == ["draft", "posted"]
    assert OutboxEvent.objects.filter(name=signals.invoice_posted.name).count() == 1
