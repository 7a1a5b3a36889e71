"""Receipts, issues, transfers, adjustments and counts through their services."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from erp.errors import IllegalTransition, ImmutableDocument
from erp.history import history_for
from inventory import status as st
from inventory.errors import InsufficientStock, InvalidStockLine
from inventory.models import GoodsReceipt, ItemValuation, Lot, Reservation, StockBalance, StockMove
from inventory.selectors import ledger_totals_match_balances, lot_trace
from inventory.services import documents as docs
from inventory.services.stock import issue_reserved, release, reserve

D = Decimal


def bal(item, location, lot=None):
    row = StockBalance.objects.filter(item=item, location=location, lot=lot).first()
    return (row.on_hand, row.reserved) if row else (D(0), D(0))


def test_a_lot_tracked_receipt_creates_the_lot_with_its_expiry_from_the_shelf_life(inv):
    import datetime

    receipt = docs.receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh2, lines=[
        {"item": inv.resin, "quantity": D("2500"), "unit": inv.g, "location": inv.b1, "lot_number": "R-2611",
         "manufactured_on": datetime.date(2026, 11, 1), "unit_cost": D("0.5")}])
    docs.receipt_post(receipt=receipt, actor=inv.admin)

    lot = Lot.objects.get(number="R-2611")
    assert lot.expires_on == datetime.date(2027, 4, 30)
    assert bal(inv.resin, inv.b1, lot) == (D("2.5"), D(0))
    assert ItemValuation.objects.get(item=inv.resin).average_cost == D("500")  # 0.5 per g = 500 per kg


@pytest.mark.parametrize("line,message", [
    ({"quantity": D("0")}, "greater than zero"),
    ({"quantity": D("-3")}, "greater than zero"),
    ({"unit": "kg"}, "no conversion"),
    ({"lot_number": "X1"}, "not lot-tracked"),
    ({"location": "wh2"}, "is not in warehouse"),
])
def test_bad_receipt_lines_are_refused_with_the_line_number_and_nothing_is_saved(inv, line, message):
    fields = {"item": inv.screw, "quantity": D("1"), "unit": inv.pcs, "location": inv.a1, "unit_cost": D("1")}
    fields.update(line)
    if line.get("unit") == "kg":
        fields["unit"] = inv.kg
    if line.get("location") == "wh2":
        fields["location"] = inv.b1
    good = {"item": inv.screw, "quantity": D("1"), "unit": inv.pcs, "location": inv.a1}

    with translation.override("en"), pytest.raises(InvalidStockLine) as refused:
        docs.receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[good, fields])

    assert str(refused.value.message).startswith("Line 2: ")
    assert message in str(refused.value.message)
    assert refused.value.field == "lines"
    assert GoodsReceipt.objects.count() == 0


def test_a_lot_item_without_a_lot_and_an_inactive_item_are_refused(inv):
    inv.screw.is_active = False
    inv.screw.save()

    with translation.override("en"), pytest.raises(InvalidStockLine, match="lot"):
        docs.receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh2,
                          lines=[{"item": inv.resin, "quantity": D("1"), "unit": inv.kg, "location": inv.b1}])
    with translation.override("en"), pytest.raises(InvalidStockLine, match="inactive"):
        docs.receipt_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1,
                          lines=[{"item": inv.screw, "quantity": D("1"), "unit": inv.pcs, "location": inv.a1}])


def test_a_posted_receipt_cannot_be_edited_or_posted_twice_and_cancelling_reverses_it(inv):
    receipt = inv.receive(inv.screw, "10", inv.a1, cost="4")

    with pytest.raises(ImmutableDocument):
        docs.receipt_save(company=inv.company, actor=inv.admin, receipt=receipt, warehouse=inv.wh1,
                          lines=[{"item": inv.screw, "quantity": D("1"), "unit": inv.pcs, "location": inv.a1}])
    with pytest.raises(IllegalTransition):
        docs.receipt_post(receipt=receipt, actor=inv.admin)
    docs.receipt_cancel(receipt=receipt, actor=inv.admin, reason="輸入錯誤")

    assert GoodsReceipt.objects.get(pk=receipt.pk).status == "cancelled"
    assert bal(inv.screw, inv.a1) == (D(0), D(0))
    assert ItemValuation.objects.get(item=inv.screw).value == D("0.00")
    assert StockMove.objects.filter(reverses__isnull=False).count() == 1
    with pytest.raises(IllegalTransition):
        docs.receipt_cancel(receipt=receipt, actor=inv.admin, reason="輸入錯誤")


def test_a_receipt_whose_goods_are_gone_cannot_be_reversed(inv):
    receipt = inv.receive(inv.screw, "10", inv.a1)
    issue = docs.issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1,
                            lines=[{"item": inv.screw, "quantity": D("8"), "unit": inv.pcs, "location": inv.a1}])
    docs.issue_post(issue=issue, actor=inv.admin)

    with pytest.raises(InsufficientStock):
        docs.receipt_cancel(receipt=receipt, actor=inv.admin, reason="輸入錯誤")
    assert GoodsReceipt.objects.get(pk=receipt.pk).status == "posted"


def test_an_issue_in_boxes_and_its_cancellation(inv):
    inv.receive(inv.screw, "5", inv.a1, unit=inv.box, cost="120")
    issue = docs.issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1,
                            lines=[{"item": inv.screw, "quantity": D("1.5"), "unit": inv.box, "location": inv.a1}])

    docs.issue_post(issue=issue, actor=inv.admin)
    assert bal(inv.screw, inv.a1) == (D("42"), D(0))
    docs.issue_cancel(issue=issue, actor=inv.admin, reason="輸入錯誤")
    assert bal(inv.screw, inv.a1) == (D("60"), D(0))
    assert ItemValuation.objects.get(item=inv.screw).value == D("600.00")


def test_a_transfer_within_a_warehouse_posts_at_once_and_keeps_the_value(inv):
    inv.receive(inv.screw, "10", inv.a1, cost="3")
    transfer = docs.transfer_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, to_warehouse=inv.wh1,
                                  lines=[{"item": inv.screw, "quantity": D("4"), "unit": inv.pcs,
                                          "from_location": inv.a1, "to_location": inv.a2}])

    docs.transfer_ship(transfer=transfer, actor=inv.admin)

    assert transfer.status == "received"
    assert (bal(inv.screw, inv.a1), bal(inv.screw, inv.a2)) == ((D(6), D(0)), (D(4), D(0)))
    assert ItemValuation.objects.get(item=inv.screw).value == D("30.00")


def test_a_transfer_between_warehouses_is_shipped_into_transit_then_received(inv):
    inv.receive(inv.screw, "10", inv.a1)
    transfer = docs.transfer_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, to_warehouse=inv.wh2,
                                  lines=[{"item": inv.screw, "quantity": D("10"), "unit": inv.pcs,
                                          "from_location": inv.a1, "to_location": inv.b1}])

    with pytest.raises(IllegalTransition):
        docs.transfer_receive(transfer=transfer, actor=inv.admin)
    docs.transfer_ship(transfer=transfer, actor=inv.admin)
    transit = StockBalance.objects.get(item=inv.screw, location__kind="transit")
    assert (transfer.status, transit.on_hand, transit.warehouse) == ("shipped", D(10), inv.wh2)
    assert bal(inv.screw, inv.a1) == (D(0), D(0))

    docs.transfer_receive(transfer=transfer, actor=inv.admin)
    assert transfer.status == "received"
    assert bal(inv.screw, inv.b1) == (D(10), D(0))
    assert StockBalance.objects.get(pk=transit.pk).on_hand == 0


def test_a_transfer_to_the_same_location_is_refused(inv):
    with translation.override("en"), pytest.raises(InvalidStockLine, match="another location"):
        docs.transfer_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, to_warehouse=inv.wh1,
                           lines=[{"item": inv.screw, "quantity": D("1"), "unit": inv.pcs,
                                   "from_location": inv.a1, "to_location": inv.a1}])


def test_an_adjustment_with_a_reason_adds_and_removes_and_can_be_reversed(inv):
    inv.receive(inv.screw, "10", inv.a1, cost="2")
    adjustment = docs.adjustment_save(
        company=inv.company, actor=inv.admin, warehouse=inv.wh1, reason=inv.damage,
        lines=[{"item": inv.screw, "quantity_change": D("-3"), "unit": inv.pcs, "location": inv.a1},
               {"item": inv.screw, "quantity_change": D("5"), "unit": inv.pcs, "location": inv.a2}])

    docs.adjustment_post(adjustment=adjustment, actor=inv.admin)
    assert (bal(inv.screw, inv.a1)[0], bal(inv.screw, inv.a2)[0]) == (D(7), D(5))
    assert ItemValuation.objects.get(item=inv.screw).value == D("24.00")  # all at the average of 2
    docs.adjustment_cancel(adjustment=adjustment, actor=inv.admin, reason="輸入錯誤")
    assert (bal(inv.screw, inv.a1)[0], bal(inv.screw, inv.a2)[0]) == (D(10), D(0))


def test_a_count_posts_its_variances_as_one_document_and_only_once(inv):
    inv.receive(inv.screw, "10", inv.a1, cost="2")
    inv.receive(inv.screw, "4", inv.a2, cost="2")
    count = docs.count_create(company=inv.company, warehouse=inv.wh1, actor=inv.admin)
    docs.count_start(count=count, actor=inv.admin)
    lines = {line.location.code: line for line in count.lines.select_related("location")}
    assert {code: line.expected_quantity for code, line in lines.items()} == {"A-01": D(10), "A-02": D(4)}

    with translation.override("en"), pytest.raises(InvalidStockLine, match="not counted"):
        docs.count_post(count=count, actor=inv.admin)
    docs.count_record(count=count, actor=inv.admin, counted={lines["A-01"].pk: D("8"), lines["A-02"].pk: D("4")})
    docs.count_post(count=count, actor=inv.admin)

    variance = StockMove.objects.get(move_type=st.MoveType.COUNT_VARIANCE)
    assert (variance.quantity, variance.value, variance.document_reference) == (D(-2), D("-4.00"), count.number)
    with translation.override("en"), pytest.raises(IllegalTransition, match="already posted"):
        docs.count_post(count=count, actor=inv.admin)
    assert StockMove.objects.filter(move_type=st.MoveType.COUNT_VARIANCE).count() == 1


def test_found_stock_on_a_count_is_added_at_standard_cost_when_there_is_no_average(inv):
    inv.screw.standard_cost = D("1.25")
    inv.screw.save()
    count = docs.count_create(company=inv.company, warehouse=inv.wh1, location=inv.a1, actor=inv.admin)
    docs.count_start(count=count, actor=inv.admin)

    docs.count_add_line(count=count, item=inv.screw, location=inv.a1, counted_quantity=D("4"))
    docs.count_post(count=count, actor=inv.admin)

    assert bal(inv.screw, inv.a1)[0] == D(4)
    assert ItemValuation.objects.get(item=inv.screw).value == D("5.00")


def test_reserving_releasing_and_issuing_reserved_stock(inv):
    inv.receive(inv.screw, "10", inv.a1)
    inv.receive(inv.screw, "5", inv.a2)
    order = inv.admin  # any model instance can be the document a reservation is for

    reserve(company=inv.company, item=inv.screw, warehouse=inv.wh1, quantity=D("12"), document=order,
            line_id=1, actor=inv.admin)
    assert (bal(inv.screw, inv.a1), bal(inv.screw, inv.a2)) == ((D(10), D(10)), (D(5), D(2)))
    with pytest.raises(InsufficientStock):
        reserve(company=inv.company, item=inv.screw, warehouse=inv.wh1, quantity=D("4"), document=order,
                line_id=2, actor=inv.admin)
    with pytest.raises(InsufficientStock):
        docs.issue_post(issue=docs.issue_save(
            company=inv.company, actor=inv.admin, warehouse=inv.wh1,
            lines=[{"item": inv.screw, "quantity": D("4"), "unit": inv.pcs, "location": inv.a2}]), actor=inv.admin)

    issue_reserved(company=inv.company, document=order, line_id=1, quantity=D("11"), actor=inv.admin)
    assert (bal(inv.screw, inv.a1), bal(inv.screw, inv.a2)) == ((D(0), D(0)), (D(4), D(1)))
    assert release(document=order, actor=inv.admin) == D(1)
    assert bal(inv.screw, inv.a2) == (D(4), D(0))
    assert sorted(Reservation.objects.values_list("status", flat=True)) == ["consumed", "released"]


def test_the_lot_trace_shows_where_a_lot_came_from_and_went(inv):
    inv.receive(inv.resin, "5", inv.b1, lot_number="R-1")
    lot = Lot.objects.get(number="R-1")
    issue = docs.issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh2,
                            lines=[{"item": inv.resin, "quantity": D("2"), "unit": inv.kg, "location": inv.b1,
                                    "lot": lot}])
    docs.issue_post(issue=issue, actor=inv.admin)

    trace = list(lot_trace(lot))

    assert [(m.move_type, m.quantity, m.document_reference[:2]) for m in trace] == [
        ("receipt", D(5), "GR"), ("issue", D(-2), "GI")]


def test_the_reorder_scan_announces_each_low_item_once_and_tells_the_warehouse(inv):
    from erp.models import OutboxEvent
    from inventory.services.reorder import reorder_scan
    from office.models import Task

    inv.receive(inv.screw, "4", inv.a1)  # reorder point 10

    assert reorder_scan(company=inv.company) == 1
    assert reorder_scan(company=inv.company) == 0
    event = OutboxEvent.objects.get(name="inventory.reorder_needed")
    task = Task.objects.get()
    assert event.payload["item_code"] == "SCR-M3"
    assert (task.assignee_role.name, task.document) == ("Warehouse", inv.screw)


def test_cancelling_a_receipt_after_the_average_moved_leaves_no_value_without_stock(inv):
    inv.receive(inv.screw, "10", inv.a1, cost="1")
    second = inv.receive(inv.screw, "10", inv.a1, cost="3")  # average 2
    docs.issue_post(issue=docs.issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[
        {"item": inv.screw, "quantity": D("10"), "unit": inv.pcs, "location": inv.a1}]), actor=inv.admin)

    docs.receipt_cancel(receipt=second, actor=inv.admin, reason="輸入錯誤")

    valuation = ItemValuation.objects.get(item=inv.screw)
    reversal = StockMove.objects.get(reverses__isnull=False)
    assert (valuation.quantity, valuation.value) == (D(0), D("0.00"))
    assert (reversal.quantity, reversal.unit_cost, reversal.value) == (D(-10), D(2), D("-20.00"))


OPERATIONS = hst.lists(
    hst.tuples(hst.sampled_from(["receive", "issue", "transfer", "cancel"]), hst.integers(min_value=1, max_value=30),
               hst.sampled_from(["a1", "a2"]), hst.integers(min_value=1, max_value=500)),
    min_size=1, max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_whatever_happens_the_ledger_balances_and_valuation_agree_and_nothing_goes_negative(inv, operations):
    receipts = []
    for kind, quantity, where, cents in operations:
        location = getattr(inv, where)
        other = inv.a2 if location == inv.a1 else inv.a1
        try:
            if kind == "receive":
                receipts.append(inv.receive(inv.screw, str(quantity), location, cost=str(D(cents) / 100)))
            elif kind == "cancel":
                if receipts:
                    docs.receipt_cancel(receipt=receipts.pop(quantity % len(receipts)), actor=inv.admin,
                                        reason="輸入錯誤")
            elif kind == "issue":
                docs.issue_post(issue=docs.issue_save(
                    company=inv.company, actor=inv.admin, warehouse=inv.wh1,
                    lines=[{"item": inv.screw, "quantity": D(quantity), "unit": inv.pcs, "location": location}]),
                    actor=inv.admin)
            else:
                docs.transfer_ship(transfer=docs.transfer_save(
                    company=inv.company, actor=inv.admin, warehouse=inv.wh1, to_warehouse=inv.wh1,
                    lines=[{"item": inv.screw, "quantity": D(quantity), "unit": inv.pcs, "from_location": location,
                            "to_location": other}]), actor=inv.admin)
        except InsufficientStock:
            pass

    moves = StockMove.objects.filter(item=inv.screw)
    valuation = ItemValuation.objects.filter(item=inv.screw).first()
    assert ledger_totals_match_balances(inv.company) == []
    assert not StockBalance.objects.filter(on_hand__lt=0).exists()
    if valuation:
        assert valuation.quantity == sum(m.quantity for m in moves)
        assert valuation.value == sum(m.value for m in moves)
        assert valuation.value >= 0
        if valuation.quantity == 0:
            assert valuation.value == 0


def test_the_history_of_a_new_document_lists_only_its_own_fields(inv):
    receipt = inv.receive(inv.screw, "2", inv.a1)

    with translation.override("en"):
        creation = history_for(receipt)[-1]

    assert {c["field"] for c in creation["changes"]} >= {"status", "warehouse"}
    assert not any("None" in str(c["new"]) and "." in str(c["new"]) for c in creation["changes"])
    assert "lines" not in {c["field"] for c in creation["changes"]}


def test_item_totals_follow_storage_moves_and_reservations_but_not_transit(inv):
    inv.receive(inv.screw, "10", inv.a1)
    reserve(company=inv.company, item=inv.screw, warehouse=inv.wh1, quantity=D("3"), document=inv.admin,
            actor=inv.admin)
    transfer = docs.transfer_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, to_warehouse=inv.wh2,
                                  lines=[{"item": inv.screw, "quantity": D("5"), "unit": inv.pcs,
                                          "from_location": inv.a1, "to_location": inv.b1}])
    docs.transfer_ship(transfer=transfer, actor=inv.admin)

    totals = ItemValuation.objects.get(item=inv.screw)
    assert (totals.quantity, totals.stored, totals.reserved, totals.available) == (D(10), D(5), D(3), D(2))
    docs.transfer_receive(transfer=transfer, actor=inv.admin)
    issue_reserved(company=inv.company, document=inv.admin, quantity=D("2"), actor=inv.admin)
    release(document=inv.admin, actor=inv.admin)
    totals.refresh_from_db()
    assert (totals.quantity, totals.stored, totals.reserved) == (D(8), D(8), D(0))


def draft_issue(inv, quantity, location=None):
    return docs.issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[
        {"item": inv.screw, "quantity": D(quantity), "unit": inv.pcs, "location": location or inv.a1}])


def test_a_draft_issue_reserves_its_stock_so_nobody_else_can_take_it_and_posting_consumes_it(inv):
    inv.receive(inv.screw, "10", inv.a1)
    issue = draft_issue(inv, "6")

    docs.issue_reserve(issue=issue, actor=inv.admin)
    assert bal(inv.screw, inv.a1) == (D(10), D(6))
    with pytest.raises(InsufficientStock):
        docs.issue_post(issue=draft_issue(inv, "5"), actor=inv.admin)
    with pytest.raises(InvalidStockLine):
        docs.issue_reserve(issue=issue, actor=inv.admin)

    docs.issue_post(issue=issue, actor=inv.admin)

    assert bal(inv.screw, inv.a1) == (D(4), D(0))
    reservation = Reservation.objects.get()
    assert (reservation.status, reservation.quantity, reservation.issued_quantity) == ("consumed", D(0), D(6))
    assert ItemValuation.objects.get(item=inv.screw).reserved == D(0)


def test_editing_or_cancelling_a_reserving_draft_gives_the_stock_back(inv):
    inv.receive(inv.screw, "10", inv.a1)
    issue = draft_issue(inv, "6")
    docs.issue_reserve(issue=issue, actor=inv.admin)

    docs.issue_save(company=inv.company, actor=inv.admin, issue=issue, warehouse=inv.wh1,
                    lines=[{"item": inv.screw, "quantity": D("2"), "unit": inv.pcs, "location": inv.a1}])
    assert bal(inv.screw, inv.a1) == (D(10), D(0))
    docs.issue_reserve(issue=issue, actor=inv.admin)
    assert bal(inv.screw, inv.a1) == (D(10), D(2))
    docs.issue_cancel(issue=issue, actor=inv.admin, reason="輸入錯誤")
    assert bal(inv.screw, inv.a1) == (D(10), D(0))


def test_reserving_more_than_is_free_names_the_line_and_reserves_nothing(inv):
    inv.receive(inv.screw, "3", inv.a1)
    issue = docs.issue_save(company=inv.company, actor=inv.admin, warehouse=inv.wh1, lines=[
        {"item": inv.screw, "quantity": D("2"), "unit": inv.pcs, "location": inv.a1},
        {"item": inv.screw, "quantity": D("2"), "unit": inv.pcs, "location": inv.a1}])

    with translation.override("en"), pytest.raises(InsufficientStock) as refused:
        docs.issue_reserve(issue=issue, actor=inv.admin)

    assert "SCR-M3" in str(refused.value.message)
    assert bal(inv.screw, inv.a1) == (D(3), D(0))
    assert Reservation.objects.count() == 0
