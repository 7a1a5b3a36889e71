"""`manage.py check_stock_ledger` and `manage.py generate_inventory_data`."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from erp.models import Company
from inventory.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Item,
    ItemValuation,
    Location,
    StockBalance,
    StockIssue,
    StockIssueLine,
    StockMove,
)


def check(**options):
    out = StringIO()
    call_command("check_stock_ledger", stdout=out, **options)
    return out.getvalue().splitlines()


def failing_check(**options):
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("check_stock_ledger", stdout=out, **options)
    return error.value, out.getvalue().splitlines()


def test_consistent_stock_passes(inv):
    inv.receive(inv.screw, "5", inv.a1)
    inv.receive(inv.resin, "2.5", inv.b1, lot_number="R-1")

    assert check(company="ACME") == [
        "ACME: 2 moves, 2 balances, 2 valued items checked: OK",
        "stock ledger check: OK",
    ]


def test_a_corrupted_balance_exits_1_and_names_the_row(inv):
    inv.receive(inv.screw, "5", inv.a1)
    inv.receive(inv.resin, "2.5", inv.b1, lot_number="R-1")
    StockBalance.objects.filter(item=inv.screw, location=inv.a1).update(on_hand=Decimal("7"))

    error, lines = failing_check(company="ACME")

    assert error.returncode == 1
    assert str(error) == "the stock ledger check found 2 difference(s)"
    assert lines == [
        "ACME: 2 moves, 2 balances, 2 valued items checked: 2 difference(s)",
        "2 difference(s):",
        "  [ACME] item totals: SCR-M3: storage balances on hand 7.000000 reserved 0.000000 ≠ item totals "
        "5.000000 / 0.000000",
        "  [ACME] balance: SCR-M3 at WH1/A-01: ledger 5.000000 ≠ balance 7.000000",
    ]


def test_a_corrupted_lot_balance_names_the_lot(inv):
    inv.receive(inv.resin, "2.5", inv.b1, lot_number="R-1")
    StockBalance.objects.filter(item=inv.resin).update(on_hand=Decimal("2"))

    _error, lines = failing_check()

    assert lines[-1] == "  [ACME] balance: RES-01 at WH2/B-01 lot R-1: ledger 2.500000 ≠ balance 2.000000"


def test_a_valuation_that_differs_from_the_moves_is_reported(inv):
    inv.receive(inv.screw, "5", inv.a1, cost="10")
    ItemValuation.objects.filter(item=inv.screw).update(value=Decimal("49.99"))

    error, lines = failing_check(company="ACME")

    assert error.returncode == 1
    assert lines[-1] == ("  [ACME] valuation: SCR-M3: moves quantity 5.000000 value 50.00 ≠ "
                         "valuation quantity 5.000000 value 49.99")


def test_a_balance_without_moves_is_reported(inv):
    StockBalance.objects.create(company=inv.company, item=inv.screw, warehouse=inv.wh1, location=inv.a2,
                                on_hand=Decimal("3"))

    _error, lines = failing_check(company="ACME")

    assert lines[-1] == "  [ACME] balance: SCR-M3 at WH1/A-02: ledger 0 ≠ balance 3.000000"


def test_only_the_chosen_company_is_checked(inv):
    inv.receive(inv.screw, "5", inv.a1)
    StockBalance.objects.filter(item=inv.screw).update(on_hand=Decimal("1"))
    Company.objects.create(code="OTHER", name="其他公司")

    assert check(company="other") == [
        "OTHER: 0 moves, 0 balances, 0 valued items checked: OK",
        "stock ledger check: OK",
    ]


def test_an_unknown_company_is_refused(db):
    with pytest.raises(CommandError, match="no company with code 'NOPE'"):
        call_command("check_stock_ledger", company="NOPE", stdout=StringIO())


# generate_inventory_data -----------------------------------------------------------------------


def generate(**options):
    out = StringIO()
    call_command("generate_inventory_data", stdout=out, **options)
    return out.getvalue().splitlines()


def test_a_small_bench_company_is_generated_and_passes_the_ledger_check(roles):
    lines = generate(items=50, locations=4, moves=500, lines=20)

    company = Company.objects.get(code="BENCH")
    assert lines[-2:] == [
        f"BENCH: 500 moves, {StockBalance.objects.filter(company=company).count()} balances, "
        f"{ItemValuation.objects.filter(company=company).count()} valued items checked: OK",
        "stock ledger check: OK",
    ]
    assert Item.objects.filter(company=company).count() == 50
    assert Location.objects.filter(company=company, kind="internal").count() == 4
    assert StockMove.objects.filter(company=company).count() == 500
    assert GoodsReceiptLine.objects.filter(document__company=company).count() + \
        StockIssueLine.objects.filter(document__company=company).count() == 500
    assert GoodsReceipt.objects.filter(company=company, status="posted").exists()
    assert StockIssue.objects.filter(company=company, status="posted").exists()
    assert not StockBalance.objects.filter(company=company, on_hand__lt=0).exists()
    assert any(line.startswith("moves: 500/500") and line.endswith("rows/s") for line in lines)
    assert company.users.get().username == "bench"


def snapshot(code):
    company = Company.objects.get(code=code)
    return (
        sorted(StockBalance.objects.filter(company=company)
               .values_list("item__code", "location__code", "lot__number", "on_hand")),
        sorted(ItemValuation.objects.filter(company=company)
               .values_list("item__code", "quantity", "value", "average_cost")),
        list(StockMove.objects.filter(company=company).order_by("pk")
             .values_list("item__code", "location__code", "lot__number", "move_type", "quantity", "unit_cost",
                          "value")),
    )


def test_the_bulk_writer_leaves_what_the_posting_services_leave(roles):
    generate(items=30, locations=4, moves=300, lines=15, company="BULK", seed=7)
    generate(items=30, locations=4, moves=300, lines=15, company="POSTED", seed=7, method="services")

    bulk, posted = snapshot("BULK"), snapshot("POSTED")

    assert bulk == posted
    assert len(bulk[2]) == 300
    assert {m[3] for m in bulk[2]} == {"receipt", "issue"}


def test_a_company_that_already_has_items_is_refused(roles):
    generate(items=5, locations=2, moves=10, no_check=True)

    with pytest.raises(CommandError, match="company BENCH already has items"):
        generate(items=5, locations=2, moves=10)
    assert Item.objects.filter(company__code="BENCH").count() == 5
