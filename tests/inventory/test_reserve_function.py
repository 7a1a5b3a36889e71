"""The reservation engine (inventory_reserve, migrations 0007 and 0009, behind stock.reserve_many):
the order it takes stock in, lines sharing an item, partial and all-or-nothing reservations, and
the integer line ids it keys its answer and its rows by."""

import datetime
from decimal import Decimal as D

import pytest

from inventory.errors import InsufficientStock
from inventory.models import ItemValuation, Lot, Reservation, StockBalance
from inventory.services.stock import ReserveRequest, reserve_many


def held(item):
    return [(r.location.code, r.lot.number if r.lot else "", r.quantity, r.line_id)
            for r in Reservation.objects.filter(item=item).select_related("location", "lot").order_by("pk")]


def test_first_expiring_lots_first_then_location_codes(inv):
    today = datetime.date.today()
    inv.receive(inv.resin, "4", inv.a2, lot_number="LATE")
    inv.receive(inv.resin, "4", inv.a1, lot_number="SOON")
    inv.receive(inv.resin, "4", inv.a2, lot_number="NEVER")
    Lot.objects.filter(number="LATE").update(expires_on=today + datetime.timedelta(days=90))
    Lot.objects.filter(number="SOON").update(expires_on=today + datetime.timedelta(days=10))
    Lot.objects.filter(number="NEVER").update(expires_on=None)

    got = reserve_many(company=inv.company, document=inv.admin, partial=True, requests=[
        ReserveRequest(item=inv.resin, warehouse=inv.wh1, quantity=D("10"), line_id=1)])

    assert got == {1: D("10")}
    assert held(inv.resin) == [("A-01", "SOON", D("4"), 1), ("A-02", "LATE", D("4"), 1),
                               ("A-02", "NEVER", D("2"), 1)]


def test_lines_of_one_item_take_in_turn_and_the_last_gets_what_is_left(inv):
    inv.receive(inv.screw, "5", inv.a2)
    inv.receive(inv.screw, "3", inv.a1)

    got = reserve_many(company=inv.company, document=inv.admin, partial=True, requests=[
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("4"), line_id=1),
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("6"), line_id=2),
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("1"), line_id=3)])

    assert got == {1: D("4"), 2: D("4"), 3: D("0")}
    assert held(inv.screw) == [("A-01", "", D("3"), 1), ("A-02", "", D("1"), 1), ("A-02", "", D("4"), 2)]
    assert sorted(StockBalance.objects.filter(item=inv.screw).values_list("on_hand", "reserved")) == [
        (D("3"), D("3")), (D("5"), D("5"))]
    assert ItemValuation.objects.get(item=inv.screw).reserved == D("8")


def test_a_location_or_lot_asked_for_is_the_only_one_taken(inv):
    inv.receive(inv.screw, "5", inv.a1)
    inv.receive(inv.screw, "5", inv.a2)

    got = reserve_many(company=inv.company, document=inv.admin, partial=True, requests=[
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("7"), line_id=9, location=inv.a2)])

    assert got == {9: D("5")}
    assert held(inv.screw) == [("A-02", "", D("5"), 9)]


def test_all_or_nothing_refuses_with_what_was_free_and_leaves_the_transaction_usable(inv):
    inv.receive(inv.screw, "3", inv.a1)
    inv.receive(inv.resin, "2", inv.a1, lot_number="L1")

    with pytest.raises(InsufficientStock) as refused:
        reserve_many(company=inv.company, document=inv.admin, requests=[
            ReserveRequest(item=inv.resin, warehouse=inv.wh1, quantity=D("2"), line_id=1),
            ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("5"), line_id=2)])

    assert "3" in str(refused.value.message) and "SCR-M3" in str(refused.value.message)
    assert Reservation.objects.count() == 0  # the same transaction goes on: nothing was half-written
    assert list(StockBalance.objects.values_list("reserved", flat=True)) == [D("0"), D("0")]
    assert reserve_many(company=inv.company, document=inv.admin, requests=[
        ReserveRequest(item=inv.resin, warehouse=inv.wh1, quantity=D("2"), line_id=1)]) == {1: D("2")}


def test_another_warehouse_or_an_empty_one_reserves_nothing(inv):
    inv.receive(inv.screw, "3", inv.b1)

    got = reserve_many(company=inv.company, document=inv.admin, partial=True, requests=[
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("2"), line_id=1),
        ReserveRequest(item=inv.resin, warehouse=inv.wh1, quantity=D("1"), line_id=2)])

    assert got == {1: D("0"), 2: D("0")}
    assert Reservation.objects.count() == 0


def test_a_document_without_lines_reserves_under_no_line(inv):
    inv.receive(inv.screw, "5", inv.a1)

    got = reserve_many(company=inv.company, document=inv.admin, partial=True, requests=[
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("2")),
        ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("1"))])

    assert got == {None: D("3")}
    assert held(inv.screw) == [("A-01", "", D("2"), None), ("A-01", "", D("1"), None)]
    assert set(Reservation.objects.values_list("document_id", flat=True)) == {inv.admin.pk}
