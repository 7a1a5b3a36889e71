"""inventory.sql: the reservation engine in the database gives what the ORM formulation gives, FEFO
is one rule for the engine and the pick list, and the engine records what it reserved where in one
audit entry on the document."""

import datetime
import random
from decimal import Decimal as D

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F

from inventory import status as st
from inventory.models import Lot, Reservation, StockBalance
from inventory.selectors import locations_for_pick
from inventory.services.stock import ReserveRequest, reserve_many
from inventory.sql import fefo_balance_order


def orm_allocation(requests, partial):
    """The ORM formulation of inventory_reserve's choice (reads only): [(line, location, lot,
    quantity)] in the order the rows are written, or ("short", index, available)."""
    items = {r.item.pk for r in requests}
    warehouses = {r.warehouse.pk for r in requests}
    balances = list(StockBalance.objects.filter(item__in=items, warehouse__in=warehouses,
                                                location__kind=st.LocationKind.INTERNAL, on_hand__gt=F("reserved"))
                    .order_by("item_id", "warehouse_id", *fefo_balance_order()))
    free = {b.pk: b.on_hand - b.reserved for b in balances}
    rows = []
    for index, request in enumerate(requests):
        remaining = request.quantity
        for b in balances:
            if remaining <= 0:
                break
            if (b.item_id, b.warehouse_id) != (request.item.pk, request.warehouse.pk) or free[b.pk] <= 0:
                continue
            if request.location is not None and b.location_id != request.location.pk:
                continue
            if request.lot is not None and b.lot_id != request.lot.pk:
                continue
            take = min(free[b.pk], remaining)
            free[b.pk] -= take
            rows.append((request.line_id, b.location_id, b.lot_id, take))
            remaining -= take
        if remaining > 0 and not partial:
            return ("short", index, request.quantity - remaining)
    return rows


def written(document):
    return [(r.line_id, r.location_id, r.lot_id, r.quantity)
            for r in Reservation.objects.filter(document_id=document.pk).order_by("pk")]


def stock_world(inv, seed):
    rng = random.Random(seed)
    today = datetime.date.today()
    for n in range(6):
        location = rng.choice([inv.a1, inv.a2])
        inv.receive(inv.resin, str(rng.randint(1, 5)), location, lot_number=f"L{seed}-{n}")
        inv.receive(inv.screw, str(rng.randint(1, 5)), location)
    for lot in Lot.objects.filter(number__startswith=f"L{seed}-"):
        days = rng.choice([None, 5, 30, 30, 90])
        Lot.objects.filter(pk=lot.pk).update(expires_on=None if days is None else today + datetime.timedelta(days))
    return rng


@pytest.mark.parametrize("seed", range(6))
def test_inventory_reserve_takes_what_the_orm_formulation_takes(inv, seed):
    rng = stock_world(inv, seed)
    partial = seed % 2 == 0
    requests = [ReserveRequest(item=rng.choice([inv.resin, inv.screw]), warehouse=inv.wh1,
                               quantity=D(rng.randint(1, 12)), line_id=line,
                               location=rng.choice([None, None, inv.a1]))
                for line in range(1, rng.randint(2, 5))]
    expected = orm_allocation(requests, partial)

    with transaction.atomic():
        try:
            reserve_many(company=inv.company, document=inv.admin, requests=requests, partial=partial)
            got = written(inv.admin)
        except Exception as refused:  # InsufficientStock: nothing is written
            got = ("short", written(inv.admin), str(refused))

    if expected and expected[0] == "short":
        assert got[0] == "short" and got[1] == []
    else:
        assert got == expected


def test_the_pick_list_and_the_engine_take_stock_in_the_same_fefo_order(inv):
    stock_world(inv, 42)
    picks = [(b.location_id, b.lot_id, b.on_hand) for b in locations_for_pick(inv.wh1, inv.resin)]
    total = sum((q for _l, _lot, q in picks), D(0))

    reserve_many(company=inv.company, document=inv.admin, requests=[
        ReserveRequest(item=inv.resin, warehouse=inv.wh1, quantity=total, line_id=1)])

    assert [(loc, lot, q) for _line, loc, lot, q in written(inv.admin)] == picks
    expiries = [b.lot.expires_on or datetime.date.max for b in locations_for_pick(inv.wh1, inv.resin)]
    assert expiries == sorted(expiries)


def test_the_engine_audits_what_it_reserved_on_the_document(inv):
    inv.receive(inv.screw, "5", inv.a1)
    inv.receive(inv.screw, "5", inv.a2)
    ip = {"actor": inv.keeper, "remote_addr": "10.9.8.7", "remote_port": 4321}
    from auditlog.context import set_actor

    with set_actor(**ip):
        reserve_many(company=inv.company, document=inv.admin, actor=inv.keeper, requests=[
            ReserveRequest(item=inv.screw, warehouse=inv.wh1, quantity=D("7"), line_id=3)])

    reservations = list(Reservation.objects.filter(document_id=inv.admin.pk).order_by("pk"))
    assert [(r.location.code, r.quantity) for r in reservations] == [(inv.a1.code, D("5")), (inv.a2.code, D("2"))]
    # one document-level entry (migration 0012), none per reservation row
    assert not LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Reservation)).exists()
    entry = LogEntry.objects.get_for_object(inv.admin).get(changes__has_key="reserved")
    assert (entry.action, entry.actor, entry.remote_addr, entry.remote_port) == (
        LogEntry.Action.UPDATE, inv.keeper, "10.9.8.7", 4321)
    assert entry.changes == {"reserved": [
        "", f"{inv.screw.code} 5 @ {inv.a1.code}, {inv.screw.code} 2 @ {inv.a2.code}"]}
