"""Numbers and dates as a business document writes them: erp.money's format_* and erp.formats'
format_date, the same in every language this system speaks (1,234,567.00; one date format per
language), and their template filters."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from erp.formats import format_date, format_datetime
from erp.money import format_cost, format_money, format_number, format_quantity

D = Decimal
PCS = SimpleNamespace(code="PCS", decimals=0)
KG = SimpleNamespace(code="KG", decimals=3)
LANGUAGES = ["zh-hant", "en", "zh-hans"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_money_has_two_places_and_groups_by_three_in_every_language(language):
    with translation.override(language):
        assert format_money(D("36540")) == "36,540.00"
        assert format_money(D("36540.00")) == "36,540.00"
        assert format_money(D("1234567.005")) == "1,234,567.01"  # half up, as invoices round
        assert format_money(D("-0.001")) == "0.00"  # never "-0.00"
        assert format_money(D("-22200")) == "-22,200.00"
        assert format_money(None) == ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_unit_costs_keep_the_companys_cost_decimals(language):
    company = SimpleNamespace(cost_decimals=2)
    with translation.override(language):
        assert [format_cost(v) for v in (D("178.4"), D("0.88"), D("83.333333"), D("17"))] == [
            "178.4000", "0.8800", "83.3333", "17.0000"]  # one column, one width: 17 is 17.0000
        assert format_cost(D("12345.678"), company) == "12,345.68"
        assert format_cost(D("5"), 0) == "5"


@pytest.mark.parametrize("language", LANGUAGES)
def test_quantities_take_their_units_decimals(language):
    with translation.override(language):
        assert format_quantity(D("135.600000"), KG) == "135.600"
        assert format_quantity(D("136.000000"), PCS) == "136"
        assert format_quantity(D("136.000000"), PCS, with_unit=True) == "136 PCS"
        assert format_quantity(D("12500"), KG, with_unit=True) == "12,500.000 KG"
        # a quantity finer than its unit (half a piece after a conversion) is not rounded away
        assert format_quantity(D("0.500000"), PCS) == "0.5"
        assert format_quantity(D("135.6000")) == "135.6"  # no unit: the digits it needs
        assert format_number(D("22200.00")) == "22,200"


def test_one_date_format_per_language():
    day = datetime.date(2026, 12, 7)
    with translation.override("zh-hant"):
        assert format_date(day) == "2026/12/07"
        assert format_date("2026-12-07") == "2026/12/07"  # an event's ISO date reads as the pages do
        assert format_datetime(datetime.datetime(2026, 12, 7, 14, 5)) == "2026/12/07 14:05"
    with translation.override("en"):
        assert format_date(day) == "2026-12-07"
    with translation.override("zh-hans"):
        assert format_date("2026-12-07") == "2026-12-07"
    assert format_date(None) == ""


def test_the_template_filters_are_the_same_helpers():
    template = Template("{% load erp_tags %}{{ total|money }}|{{ cost|cost:company }}|{{ q|qty:unit }} {{ unit.code }}"
                        "|{{ due|fdate }}|{{ iso|fdate }}")
    context = Context({"total": D("36540"), "cost": D("178.4"), "company": SimpleNamespace(cost_decimals=4),
                       "q": D("135.6"), "unit": KG, "due": datetime.date(2026, 12, 7), "iso": "2026-12-07"})
    with translation.override("zh-hant"):
        assert template.render(context) == "36,540.00|178.4000|135.600 KG|2026/12/07|2026/12/07"
    with translation.override("en"):
        assert template.render(context) == "36,540.00|178.4000|135.600 KG|2026-12-07|2026-12-07"
