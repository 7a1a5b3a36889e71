"""Receipts against purchase orders: partial and full, the over-receipt tolerance, refusals that post
nothing, lots, quarantine and the reversal of a posted receipt."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from erp.errors import DomainError
from inventory.errors import InsufficientStock, InvalidStockLine
from inventory.models import GoodsReceipt, ItemValuation, StockBalance, StockMove
from inventory.services import stock
from inventory.services.documents import receipt_cancel, receipt_post
from inventory.services.masterdata import quarantine_location
from purchasing.models import Inspection, PurchaseOrder
from purchasing.services.receiving import receipt_create_for_order
from tests.purchasing.conftest import D


def on_hand(item, location, lot=None):
    row = StockBalance.objects.filter(item=item, location=location, lot=lot).first()
    return row.on_hand if row else D("0")


def receive(pur, order, **kwargs):
    receipt = receipt_create_for_order(order=order, actor=pur.keeper, **kwargs)
    return receipt_post(receipt=receipt, actor=pur.keeper)


def test_a_draft_receipt_takes_the_open_quantities_in_the_order_units_at_the_order_price(pur):
    order = pur.approved_order(pur.bolt_co, [(pur.screw, "4", "120", pur.box), (pur.motor, "10", "800")])

    receipt = receipt_create_for_order(order=order, actor=pur.keeper)

    assert receipt.status == "draft"
    assert receipt.source == order and receipt.source_reference == order.number
    assert receipt.warehouse == pur.wh
    rows = [(line.item.code, line.quantity, line.unit.code, line.location.code, line.unit_cost, line.source_line_id)
            for line in receipt.lines.order_by("pk")]
    first, second = order.lines.order_by("line_no")
    assert rows == [("SCR-1", D("4"), "BOX", "A-01", D("120"), first.pk),
                    ("MOT-1", D("10"), "PCS", "A-01", D("800"), second.pk)]


def test_a_partial_receipt_makes_the_order_partially_received_and_the_rest_received(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")])
    line = order.lines.get()

    receive(pur, order, lines=[{"order_line": line, "quantity": D("4")}])
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.status, line.received_quantity, on_hand(pur.motor, pur.a1)) == ("partial", D("4"), D("4"))

    receive(pur, order)  # the open 6
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.status, line.received_quantity, on_hand(pur.motor, pur.a1)) == ("received", D("10"), D("10"))
    assert ItemValuation.objects.get(item=pur.motor).value == D("8000.00")


def test_receiving_within_the_tolerance_is_accepted(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "100", "800")])

    receive(pur, order, lines=[{"order_line": order.lines.get(), "quantity": D("105")}])

    order.refresh_from_db()
    assert order.status == "received" and order.lines.get().received_quantity == D("105")


def test_receiving_beyond_the_tolerance_is_refused_and_nothing_is_posted(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "100", "800")])
    receive(pur, order, lines=[{"order_line": order.lines.get(), "quantity": D("60")}])
    receipt = receipt_create_for_order(order=order, actor=pur.keeper,
                                       lines=[{"order_line": order.lines.get(), "quantity": D("46")}])

    with translation.override("en"), pytest.raises(DomainError) as refused:
        receipt_post(receipt=receipt, actor=pur.keeper)

    assert str(refused.value.message) == ("Line 1: receiving 46 PCS would bring MOT-1 to 106 PCS, more than the "
                                          "order's 100 PCS plus the 5 % tolerance.")
    receipt.refresh_from_db()
    order.refresh_from_db()
    assert (receipt.status, receipt.number) == ("draft", "")
    assert (order.status, order.lines.get().received_quantity) == ("partial", D("60"))
    assert on_hand(pur.motor, pur.a1) == D("60")
    assert StockMove.objects.filter(item=pur.motor).count() == 1


@pytest.mark.parametrize(("status", "message"), [
    ("cancelled", "is cancelled: nothing can be received against it."),
    ("draft", "is not approved: nothing can be received against it."),
])
def test_no_receipt_for_a_cancelled_or_unapproved_order(pur, status, message):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")], status=status)

    with translation.override("en"), pytest.raises(DomainError) as refused:
        receipt_create_for_order(order=order, actor=pur.keeper)

    assert str(refused.value.message).endswith(message)
    assert not GoodsReceipt.objects.exists()


def test_an_order_cancelled_after_its_receipt_was_drafted_refuses_the_posting(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")])
    receipt = receipt_create_for_order(order=order, actor=pur.keeper)
    PurchaseOrder.objects.filter(pk=order.pk).update(status="cancelled")

    with pytest.raises(DomainError):
        receipt_post(receipt=receipt, actor=pur.keeper)

    receipt.refresh_from_db()
    assert receipt.status == "draft" and on_hand(pur.motor, pur.a1) == 0
    assert order.lines.get().received_quantity == 0


def test_a_lot_tracked_item_needs_a_lot_number(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.resin, "50", "55.5")])

    with translation.override("en"), pytest.raises(InvalidStockLine) as refused:
        receipt_create_for_order(order=order, actor=pur.keeper)

    assert str(refused.value.message) == "Line 1: RES-1 is lot-tracked: give a lot number."
    assert not GoodsReceipt.objects.exists()

    receipt = receive(pur, order, lines=[{"order_line": order.lines.get(), "quantity": D("50"),
                                          "lot_number": "L-7"}])
    line = receipt.lines.get()
    assert line.lot.number == "L-7" and line.posted_location == pur.a1
    assert on_hand(pur.resin, pur.a1, line.lot) == D("50")


def test_goods_that_need_inspection_wait_in_quarantine_and_are_not_available(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.sensor, "10", "300")])

    receipt = receive(pur, order)

    quarantine = quarantine_location(pur.wh)
    line = receipt.lines.get()
    assert (line.location, line.posted_location) == (pur.a1, quarantine)
    assert on_hand(pur.sensor, quarantine) == D("10") and on_hand(pur.sensor, pur.a1) == 0
    valuation = ItemValuation.objects.get(item=pur.sensor)
    assert (valuation.quantity, valuation.stored, valuation.value) == (D("10"), D("0"), D("3000.00"))
    with pytest.raises(InsufficientStock):
        stock.reserve(company=pur.company, item=pur.sensor, warehouse=pur.wh, quantity=D("1"), document=order)
    inspection = Inspection.objects.get()
    assert (inspection.status, inspection.quantity, inspection.order_line, inspection.supplier,
            inspection.quarantine_location, inspection.destination, inspection.receipt_line) == (
        "draft", D("10"), order.lines.get(), pur.acme_parts, quarantine, pur.a1, line)
    order.refresh_from_db()
    assert order.status == "received"


def test_a_receipt_without_an_order_opens_inspections_too(pur):
    from inventory.services.documents import receipt_save
    receipt = receipt_save(company=pur.company, actor=pur.keeper, warehouse=pur.wh,
                           lines=[{"item": pur.sensor, "quantity": D("3"), "location": pur.a2, "unit_cost": D("10")}])
    receipt_post(receipt=receipt, actor=pur.keeper)

    inspection = Inspection.objects.get()
    assert (inspection.supplier, inspection.order_line, inspection.quantity, inspection.destination) == (
        None, None, D("3"), pur.a2)


def test_voiding_a_posted_receipt_takes_the_received_quantities_back(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800"), (pur.sensor, "2", "300")])
    receipt = receive(pur, order)
    order.refresh_from_db()
    assert order.status == "received"

    receipt_cancel(receipt=receipt, actor=pur.keeper, reason="wrong order")

    order.refresh_from_db()
    assert order.status == "partial"
    assert [line.received_quantity for line in order.lines.order_by("line_no")] == [0, 0]
    assert on_hand(pur.motor, pur.a1) == 0 and on_hand(pur.sensor, quarantine_location(pur.wh)) == 0
    assert Inspection.objects.get().status == "cancelled"
    assert ContentType.objects.get_for_model(receipt).model == "goodsreceipt"
