"""The inventory part of the demo company: idempotent, consistent, and something on every report."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from erp.demo import load_demo
from erp.models import Company, NumberSequence, OutboxEvent
from erp.roles import sync_roles
from inventory.demo import ITEMS, load_inventory_demo
from inventory.models import (
    GoodsReceipt,
    Item,
    ItemValuation,
    Location,
    Lot,
    StockAdjustment,
    StockCount,
    StockIssue,
    StockMove,
    StockTransfer,
    Warehouse,
)
from inventory.selectors import low_stock_items, warehouses_for_user
from tests.conftest import shared_data


def row_counts():
    counts = {model._meta.label: model.objects.count() for model in apps.get_app_config("inventory").get_models()}
    counts["NumberSequence"] = NumberSequence.objects.count()
    counts["OutboxEvent"] = OutboxEvent.objects.count()
    return counts


def build_demo():
    sync_roles()
    load_demo(password="demo-pass")


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker):
    # Loading the demo takes seconds; the tests below only read it, or write inside their own
    # savepoint (the second load must create nothing), so they share one load (tests/conftest.py).
    with shared_data(django_db_blocker, build_demo) as shared:
        yield shared


@pytest.fixture
def demo(_demo_loaded, request, db):
    _demo_loaded.for_test(request)
    return Company.objects.get(code="DEMO")


def demo_users():
    return {user.username: user for user in get_user_model().objects.filter(company__code="DEMO")}


def test_loading_the_demo_a_second_time_creates_nothing(demo):
    first = row_counts()

    created = load_inventory_demo(demo, demo_users())
    load_demo(password="demo-pass")

    assert created == 0
    assert row_counts() == first
    # 75 of the inventory demo + 8 of the sales demo's deliveries and return + 4 of purchasing's story
    # (a receipt into quarantine, the inspection's transfer out and in, the supplier return) + 5 of
    # production's service-kit work order (its 4 components issued, the kits received)
    assert first["inventory.StockMove"] == 92


def test_the_demo_ledger_check_passes(demo):
    out = StringIO()

    call_command("check_stock_ledger", company="DEMO", stdout=out)

    assert out.getvalue().splitlines() == [
        "DEMO: 92 moves, 62 balances, 50 valued items checked: OK",  # items that moved (reserving creates none)
        "stock ledger check: OK",
    ]


def test_about_fifty_items_in_four_root_categories_two_warehouses(demo):
    items = Item.objects.filter(company=demo)

    assert items.count() == len(ITEMS) == 51
    assert set(items.values_list("category__parent__code", flat=True)) == {"RM", "SEMI", "FG", "CON"}
    assert items.filter(lot_tracked=True, shelf_life_days__gt=0).count() == 7
    assert items.exclude(barcode="").count() == 51
    assert list(Warehouse.objects.filter(company=demo).values_list("code", flat=True)) == ["WH-FG", "WH-RM"]
    assert Location.objects.filter(company=demo, kind="internal").count() == 13
    assert Lot.objects.filter(company=demo).count() == 8


def test_items_below_their_reorder_point_show_on_the_low_stock_report(demo):
    low = [(item.code, item.available) for item in low_stock_items(demo)]

    assert low == [
        ("CON-TOOL-EM6", Decimal("6")),
        ("FG-CP-12", Decimal("0")),
        ("RM-SCM440-30", Decimal("12")),
        ("SEMI-SH-B-HT", Decimal("6")),
        ("STD-BRG-6202ZZ", Decimal("36")),
    ]


def test_documents_of_every_kind_are_posted(demo):
    assert GoodsReceipt.objects.filter(company=demo, status="posted").count() == 7  # one is purchasing's
    assert StockIssue.objects.filter(company=demo, status="posted").count() == 1
    assert StockTransfer.objects.filter(company=demo, status="received").count() == 2
    assert StockAdjustment.objects.filter(company=demo, status="posted").count() == 1
    count = StockCount.objects.get(company=demo)
    assert count.status == "posted"
    variances = StockMove.objects.filter(company=demo, move_type="count_variance").order_by("item__code")
    assert [(m.item.code, m.quantity) for m in variances] == [("STD-NUT-M5", Decimal("-15")),
                                                              ("STD-WSH-M5", Decimal("20"))]
    transit = StockMove.objects.filter(company=demo, location__kind="transit")
    assert transit.count() == 6
    assert sum(m.quantity for m in transit) == 0


def test_the_demo_keeper_operates_both_warehouses(demo):
    keeper = get_user_model().objects.get(username="warehouse")

    assert {w.code for w in warehouses_for_user(keeper)} == {"WH-RM", "WH-FG"}
    assert all(keeper.has_perm("inventory.operate_warehouse", w) for w in Warehouse.objects.filter(company=demo))
    assert not keeper.has_perm("inventory.operate_warehouse")


def test_valuation_equals_the_ledger_in_total(demo):
    valued = sum(v.value for v in ItemValuation.objects.filter(company=demo))
    ledger = sum(m.value for m in StockMove.objects.filter(company=demo))

    assert valued == ledger
    assert valued > 0
