"""The ledger engine: balances and valuation in step with the moves, no negative stock, exact units."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import translation

from inventory import status as st
from inventory.errors import InsufficientStock, InvalidStockLine
from inventory.models import ImmutableRow, ItemValuation, StockBalance, StockMove
from inventory.selectors import ledger_totals_match_balances, valuation_by_warehouse
from inventory.services.stock import MoveSpec, post_moves


def on_hand(item, location, lot=None):
    row = StockBalance.objects.filter(item=item, location=location, lot=lot).first()
    return row.on_hand if row else Decimal("0")


def test_a_receipt_in_boxes_lands_in_pieces_at_the_cost_per_piece(inv):
    receipt = inv.receive(inv.screw, "2", inv.a1, unit=inv.box, cost="120")  # 2 boxes at 120 per box

    move = StockMove.objects.get()
    assert (move.quantity, move.unit_cost, move.value) == (Decimal("24"), Decimal("10"), Decimal("240.00"))
    assert move.document == receipt
    assert move.document_reference == receipt.number
    assert on_hand(inv.screw, inv.a1) == 24


def test_the_moving_average_is_recomputed_on_each_receipt_and_issues_leave_at_the_average(inv):
    inv.receive(inv.screw, "100", inv.a1, cost="10")
    inv.receive(inv.screw, "50", inv.a2, cost="13")  # (1000 + 650) / 150 = 11
    post_moves(company=inv.company, actor=inv.admin, specs=[
        MoveSpec(item=inv.screw, location=inv.a1, quantity=Decimal("-30"), move_type=st.MoveType.ISSUE)])

    valuation = ItemValuation.objects.get(item=inv.screw)
    issue = StockMove.objects.get(move_type=st.MoveType.ISSUE)
    assert valuation.average_cost == Decimal("11")
    assert (issue.unit_cost, issue.value) == (Decimal("11"), Decimal("-330.00"))
    assert (valuation.quantity, valuation.value) == (Decimal("120"), Decimal("1320.00"))
    assert valuation.value == StockMove.objects.filter(item=inv.screw).aggregate(v=Sum("value"))["v"]


def test_issuing_the_last_units_leaves_no_value_behind(inv):
    inv.receive(inv.screw, "3", inv.a1, cost="3.3333")
    for _ in range(3):
        post_moves(company=inv.company, actor=inv.admin, specs=[
            MoveSpec(item=inv.screw, location=inv.a1, quantity=Decimal("-1"), move_type=st.MoveType.ISSUE)])

    valuation = ItemValuation.objects.get(item=inv.screw)
    assert (valuation.quantity, valuation.value) == (Decimal("0"), Decimal("0.00"))


def test_valuation_per_warehouse_equals_the_sum_of_move_values(inv):
    inv.receive(inv.screw, "10", inv.a1, cost="2.5")
    inv.receive(inv.screw, "4", inv.b1, cost="4")

    rows = {(r["warehouse__code"], r["item__code"]): (r["quantity"], r["value"])
            for r in valuation_by_warehouse(inv.company)}

    assert rows == {("WH1", "SCR-M3"): (Decimal("10"), Decimal("25.00")),
                    ("WH2", "SCR-M3"): (Decimal("4"), Decimal("16.00"))}
    assert ItemValuation.objects.get(item=inv.screw).value == Decimal("41.00")


def test_issuing_more_than_available_fails_clearly_and_changes_nothing(inv):
    inv.receive(inv.screw, "5", inv.a1)

    with pytest.raises(InsufficientStock) as refused:
        post_moves(company=inv.company, actor=inv.admin, specs=[
            MoveSpec(item=inv.screw, location=inv.a2, quantity=Decimal("-1"), move_type=st.MoveType.ISSUE),
        ])
    with pytest.raises(InsufficientStock):
        post_moves(company=inv.company, actor=inv.admin, specs=[
            MoveSpec(item=inv.screw, location=inv.a1, quantity=Decimal("-4"), move_type=st.MoveType.ISSUE),
            MoveSpec(item=inv.screw, location=inv.a1, quantity=Decimal("-2"), move_type=st.MoveType.ISSUE),
        ])

    assert "SCR-M3" in str(refused.value.message)
    assert StockMove.objects.count() == 1
    assert on_hand(inv.screw, inv.a1) == 5


@pytest.mark.parametrize("bad,expected", [
    ({"quantity": Decimal("0")}, "zero"),
    ({"lot": "resin-lot"}, "not lot-tracked"),
])
def test_bad_specs_are_refused(inv, bad, expected):
    from inventory.services.masterdata import lot_for_receipt

    spec = {"item": inv.screw, "location": inv.a1, "quantity": Decimal("1"), "move_type": st.MoveType.RECEIPT,
            "unit_cost": Decimal("1")}
    if bad.get("lot"):
        bad = {"lot": lot_for_receipt(item=inv.resin, number="L1")}
    spec.update(bad)

    with translation.override("en"), pytest.raises(InvalidStockLine) as refused:
        post_moves(company=inv.company, actor=inv.admin, specs=[MoveSpec(**spec)])

    assert expected in str(refused.value.message)
    assert StockMove.objects.count() == 0


def test_a_lot_tracked_item_needs_a_lot(inv):
    with translation.override("en"), pytest.raises(InvalidStockLine) as refused:
        post_moves(company=inv.company, actor=inv.admin, specs=[
            MoveSpec(item=inv.resin, location=inv.a1, quantity=Decimal("1"), move_type=st.MoveType.RECEIPT,
                     unit_cost=Decimal("1"))])

    assert "lot" in str(refused.value.message)


def test_posted_moves_are_never_edited_or_deleted(inv):
    inv.receive(inv.screw, "1", inv.a1)
    move = StockMove.objects.get()
    move.quantity = Decimal("2")

    with pytest.raises(ImmutableRow):
        move.save()
    with pytest.raises(ImmutableRow):
        move.delete()


def test_the_balance_table_agrees_with_the_ledger(inv):
    inv.receive(inv.screw, "7", inv.a1)
    inv.receive(inv.resin, "2.5", inv.b1, lot_number="R-1")

    assert ledger_totals_match_balances(inv.company) == []
    StockBalance.objects.filter(item=inv.screw).update(on_hand=Decimal("8"))
    assert len(ledger_totals_match_balances(inv.company)) == 1


def test_the_database_refuses_a_negative_balance_even_if_a_bug_skipped_the_checks(inv):
    from django.db import IntegrityError, transaction

    inv.receive(inv.screw, "1", inv.a1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(item=inv.screw).update(on_hand=Decimal("-1"))


def test_the_database_itself_refuses_to_change_or_delete_a_posted_move(inv):
    from django.db import IntegrityError, transaction

    inv.receive(inv.screw, "1", inv.a1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.update(quantity=Decimal("5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.all()._raw_delete(StockMove.objects.db)
    assert StockMove.objects.get().quantity == 1
