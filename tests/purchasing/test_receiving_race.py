"""Two receipts of the same order line posted at once: the order's row lock makes the second see the
first's quantity, so together they never exceed the over-receipt tolerance."""

import pytest

from erp.errors import DomainError
from inventory.models import GoodsReceipt, StockBalance
from inventory.services.documents import receipt_post
from purchasing.services.receiving import receipt_create_for_order
from tests.parallel import run_parallel
from tests.purchasing.conftest import D


@pytest.mark.django_db(transaction=True)
def test_two_receipts_posted_at_once_cannot_together_exceed_the_tolerance(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "100", "800")])
    line = order.lines.get()
    receipts = [receipt_create_for_order(order=order, actor=pur.keeper,
                                         lines=[{"order_line": line, "quantity": D("60")}]) for _ in range(2)]

    outcomes, errors = run_parallel(2, lambda i: receipt_post(receipt=receipts[i], actor=pur.keeper),
                                    refused=(DomainError,))

    assert errors == []
    assert sorted(str(o) == "refused" for o in outcomes) == [False, True]
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.received_quantity, order.status) == (D("60"), "partial")
    assert sorted(GoodsReceipt.objects.values_list("status", flat=True)) == ["draft", "posted"]
    assert StockBalance.objects.get(item=pur.motor, location=pur.a1).on_hand == D("60")
