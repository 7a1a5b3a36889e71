"""Money, prices, quantities and costs: one set of field settings and rounding rules (design rule 6)."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from erp import money
from erp.money import (
    COST,
    LINE_QTY,
    MONEY,
    PRICE,
    QTY,
    RATE,
    round_cost,
    round_line_quantity,
    round_money,
    round_price,
    round_quantity,
)


def test_the_field_settings_are_design_rule_six():
    assert MONEY == {"max_digits": 20, "decimal_places": 2}
    assert PRICE == LINE_QTY == {"max_digits": 20, "decimal_places": 4}
    assert QTY == COST == {"max_digits": 20, "decimal_places": 6}
    assert RATE == {"max_digits": 7, "decimal_places": 4}


@pytest.mark.parametrize(
    ("spec", "quantum"),
    [(MONEY, money.CENT), (PRICE, money.PRICE_QUANTUM), (LINE_QTY, money.LINE_QTY_QUANTUM), (QTY, money.QTY_QUANTUM),
     (COST, money.COST_QUANTUM)],
)
def test_each_quantum_is_the_last_place_of_its_field(spec, quantum):
    assert quantum == Decimal(1).scaleb(-spec["decimal_places"])
    assert quantum.as_tuple().exponent == -spec["decimal_places"]


def test_money_and_prices_round_half_up():
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("2.665")) == Decimal("2.67")
    assert round_money(Decimal("-2.665")) == Decimal("-2.67")
    assert round_money(7) == Decimal("7.00")
    assert str(round_money("0.005")) == "0.01"
    assert round_price(Decimal("1.00005")) == Decimal("1.0001")
    assert round_price(Decimal("1.00015")) == Decimal("1.0002")


def test_quantities_and_costs_round_half_to_even_as_decimal_does():
    assert round_quantity(Decimal("0.0000005")) == Decimal("0.000000")
    assert round_quantity(Decimal("0.0000015")) == Decimal("0.000002")
    assert str(round_quantity(12)) == "12.000000"
    assert round_line_quantity(Decimal("1.00005")) == Decimal("1.0000")
    assert round_line_quantity(Decimal("1.00015")) == Decimal("1.0002")
    assert round_cost(Decimal("10") / Decimal("3")) == Decimal("3.333333")
    assert round_cost(Decimal("0.0000025")) == Decimal("0.000002")


def test_every_decimal_column_of_every_department_uses_a_setting_of_erp_money():
    settings = {(spec["max_digits"], spec["decimal_places"]) for spec in (MONEY, PRICE, LINE_QTY, QTY, COST, RATE)}
    columns = [
        (f"{model._meta.label}.{field.name}", (field.max_digits, field.decimal_places))
        for model in apps.get_models() for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField)
    ]

    assert len(columns) > 30
    assert [name for name, setting in columns if setting not in settings] == []
