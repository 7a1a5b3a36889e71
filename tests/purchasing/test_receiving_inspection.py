"""Incoming inspection and supplier returns: accepted goods move from quarantine to storage, rejected
ones stay there and go back to the supplier at the receipt's cost."""

import pytest
from django.utils import translation

from erp.errors import DomainError
from inventory.errors import InsufficientStock
from inventory.models import ItemValuation, StockMove
from inventory.services import stock
from inventory.services.documents import receipt_cancel, receipt_post
from inventory.services.masterdata import quarantine_location
from purchasing.models import Inspection, SupplierReturn
from purchasing.services.inspections import inspection_record
from purchasing.services.receiving import receipt_create_for_order
from purchasing.services.returns import return_cancel, return_create_from_receipt, return_post, return_save
from tests.purchasing.conftest import D
from tests.purchasing.test_receiving import on_hand


def received_sensors(pur, quantity="10", price="300"):
    order = pur.approved_order(pur.acme_parts, [(pur.sensor, quantity, price)])
    receipt = receipt_post(receipt=receipt_create_for_order(order=order, actor=pur.keeper), actor=pur.keeper)
    return order, receipt, Inspection.objects.get(receipt=receipt)


def test_accepting_9_and_rejecting_1_puts_9_in_storage_and_leaves_1_in_quarantine(pur):
    order, receipt, inspection = received_sensors(pur)

    inspection_record(inspection=inspection, accepted=D("9"), rejected=D("1"), notes="1 cracked", actor=pur.inspector)

    inspection.refresh_from_db()
    assert (inspection.status, inspection.accepted_quantity, inspection.rejected_quantity,
            inspection.inspected_by) == ("done", D("9"), D("1"), pur.inspector)
    assert inspection.number.startswith("QC-")
    quarantine = quarantine_location(pur.wh)
    assert (on_hand(pur.sensor, pur.a1), on_hand(pur.sensor, quarantine)) == (D("9"), D("1"))
    valuation = ItemValuation.objects.get(item=pur.sensor)
    assert (valuation.quantity, valuation.stored, valuation.value) == (D("10"), D("9"), D("3000.00"))
    reserved = stock.reserve(company=pur.company, item=pur.sensor, warehouse=pur.wh, quantity=D("9"), document=order)
    assert sum(r.quantity for r in reserved) == D("9")
    with pytest.raises(InsufficientStock):
        stock.reserve(company=pur.company, item=pur.sensor, warehouse=pur.wh, quantity=D("1"), document=receipt)


def test_accepted_and_rejected_must_add_up(pur):
    _order, _receipt, inspection = received_sensors(pur)

    with translation.override("en"), pytest.raises(DomainError) as refused:
        inspection_record(inspection=inspection, accepted=D("9"), rejected=D("0"), actor=pur.inspector)

    assert str(refused.value.message) == "Accepted and rejected must add up to the 10 received."
    inspection.refresh_from_db()
    assert inspection.status == "draft" and on_hand(pur.sensor, pur.a1) == 0


def test_the_rejected_one_goes_back_at_the_receipt_cost(pur):
    order, receipt, inspection = received_sensors(pur)
    inspection_record(inspection=inspection, accepted=D("9"), rejected=D("1"), actor=pur.inspector)
    # Later sensors cost more: the average moves, the return still leaves at what this receipt cost.
    other = pur.approved_order(pur.acme_parts, [(pur.sensor, "10", "400")])
    receipt_post(receipt=receipt_create_for_order(order=other, actor=pur.keeper), actor=pur.keeper)

    supplier_return = return_create_from_receipt(receipt=receipt, actor=pur.keeper, reason="cracked")
    line = supplier_return.lines.get()
    assert (line.quantity_base, line.location, line.inspection, line.unit_cost, line.order_line) == (
        D("1"), quarantine_location(pur.wh), inspection, D("300"), order.lines.get())
    return_post(supplier_return=supplier_return, actor=pur.keeper)

    supplier_return.refresh_from_db()
    assert supplier_return.status == "posted" and supplier_return.number.startswith("RTV-")
    move = StockMove.objects.get(move_type="supplier_return")
    assert (move.quantity, move.unit_cost, move.value) == (D("-1"), D("300"), D("-300.00"))
    valuation = ItemValuation.objects.get(item=pur.sensor)
    assert (valuation.quantity, valuation.value) == (D("19"), D("6700.00"))
    inspection.refresh_from_db()
    order.refresh_from_db()
    assert inspection.returned_quantity == D("1")
    assert (order.lines.get().returned_quantity, order.status) == (D("1"), "partial")
    assert on_hand(pur.sensor, quarantine_location(pur.wh)) == D("10")  # the other receipt's, waiting


def test_returning_more_than_was_rejected_is_refused_and_nothing_posted(pur):
    _order, receipt, inspection = received_sensors(pur)
    inspection_record(inspection=inspection, accepted=D("9"), rejected=D("1"), actor=pur.inspector)
    line = receipt.lines.get()
    supplier_return = return_save(company=pur.company, actor=pur.keeper, receipt=receipt, lines=[
        {"receipt_line": line, "quantity": D("2"), "location": quarantine_location(pur.wh)}])

    with translation.override("en"), pytest.raises(DomainError) as refused:
        return_post(supplier_return=supplier_return, actor=pur.keeper)

    assert str(refused.value.message) == ("Line 1: only 1 PCS of SEN-1 were rejected at inspection and not yet "
                                          "returned.")
    supplier_return.refresh_from_db()
    inspection.refresh_from_db()
    assert (supplier_return.status, inspection.returned_quantity) == ("draft", 0)
    assert not StockMove.objects.filter(move_type="supplier_return").exists()


def test_a_return_from_storage_cannot_take_more_than_is_on_hand(pur):
    order = pur.approved_order(pur.acme_parts, [(pur.motor, "10", "800")])
    receipt = receipt_post(receipt=receipt_create_for_order(order=order, actor=pur.keeper), actor=pur.keeper)
    stock.post_moves(company=pur.company, actor=pur.keeper, specs=[
        stock.MoveSpec(item=pur.motor, location=pur.a1, quantity=D("-8"), move_type="issue")])
    supplier_return = return_create_from_receipt(receipt=receipt, actor=pur.keeper)
    assert supplier_return.lines.get().quantity_base == D("10")

    with pytest.raises(InsufficientStock):
        return_post(supplier_return=supplier_return, actor=pur.keeper)
    assert order.lines.get().returned_quantity == 0


def test_a_draft_return_is_voided_a_posted_one_is_final(pur):
    _order, receipt, inspection = received_sensors(pur)
    inspection_record(inspection=inspection, accepted=D("0"), rejected=D("10"), actor=pur.inspector)
    draft = return_create_from_receipt(receipt=receipt, actor=pur.keeper)
    return_cancel(supplier_return=draft, actor=pur.keeper, reason="typo")
    draft.refresh_from_db()
    assert draft.status == "cancelled"

    posted = return_post(supplier_return=return_create_from_receipt(receipt=receipt, actor=pur.keeper),
                         actor=pur.keeper)
    with pytest.raises(DomainError):
        return_cancel(supplier_return=posted, actor=pur.keeper, reason="oops")
    assert SupplierReturn.objects.get(pk=posted.pk).status == "posted"


def test_an_inspected_receipt_can_no_longer_be_reversed(pur):
    order, receipt, inspection = received_sensors(pur)
    inspection_record(inspection=inspection, accepted=D("10"), rejected=D("0"), actor=pur.inspector)

    with pytest.raises(DomainError):
        receipt_cancel(receipt=receipt, actor=pur.keeper, reason="wrong")

    receipt.refresh_from_db()
    assert receipt.status == "posted" and order.lines.get().received_quantity == D("10")
