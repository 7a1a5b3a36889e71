"""Money, prices, quantities and costs: the decimal field settings and rounding of every department.

House rule 6 (design.md): numbers are ``Decimal`` only, never float. Money is 20 digits with
2 places (amount fields: a line's net, tax, totals, stock values, credit limits); unit prices and
quantities are 20 / 4, or 6 where unit conversions need it (a quantity in the item's base unit, a
conversion factor, a unit cost). Round explicitly at line level, then sum: a document's net is the
sum of its lines' rounded amounts, never the rounding of a sum of unrounded ones.

Use the settings for model, form and API fields alike::

    net_amount = models.DecimalField(_("amount"), default=0, **MONEY)
    unit_price = forms.DecimalField(label=_("Unit price"), **PRICE)
    quantity = serializers.DecimalField(**QTY)

and the ``round_*`` functions wherever a value is computed. Money and prices round half up (as
invoices do); quantities and costs round half to even (``Decimal``'s default), as they always have.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Final, TypedDict


class DecimalSpec(TypedDict):
    """``max_digits`` and ``decimal_places`` of a DecimalField (models, forms and DRF take both)."""

    max_digits: int
    decimal_places: int


MONEY: Final[DecimalSpec] = {"max_digits": 20, "decimal_places": 2}
"""An amount of money: a line's net amount, tax, totals, a stock value, a credit limit."""
PRICE: Final[DecimalSpec] = {"max_digits": 20, "decimal_places": 4}
"""A unit price."""
LINE_QTY: Final[DecimalSpec] = {"max_digits": 20, "decimal_places": 4}
"""A quantity as entered on a document line, in the unit entered."""
QTY: Final[DecimalSpec] = {"max_digits": 20, "decimal_places": 6}
"""A quantity in the item's base unit (moves, balances, reservations) and a unit conversion factor:
six places keep conversions exact."""
COST: Final[DecimalSpec] = {"max_digits": 20, "decimal_places": 6}
"""A unit cost per base unit (receipts, the moving average)."""
RATE: Final[DecimalSpec] = {"max_digits": 7, "decimal_places": 4}
"""A percentage: a tax rate, a discount."""
UNROUNDED_AMOUNT: Final[DecimalSpec] = {"max_digits": 30, "decimal_places": 6}
"""The output field of a database expression giving an amount that is rounded afterwards (a line's
net amount scaled by a quantity ratio or a tax rate, summed)."""

CENT: Final = Decimal("0.01")
PRICE_QUANTUM: Final = Decimal("0.0001")
LINE_QTY_QUANTUM: Final = Decimal("0.0001")
QTY_QUANTUM: Final = Decimal("0.000001")
COST_QUANTUM: Final = Decimal("0.000001")

Number = Decimal | int | str


def round_money(value: Number) -> Decimal:
    """``value`` to the cent, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round_price(value: Number) -> Decimal:
    """A unit price to 4 places, half up (a base-unit price converted to another unit)."""
    return Decimal(value).quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)


def round_line_quantity(value: Number) -> Decimal:
    """A line quantity to 4 places, half to even."""
    return Decimal(value).quantize(LINE_QTY_QUANTUM, rounding=ROUND_HALF_EVEN)


def round_quantity(value: Number) -> Decimal:
    """A base-unit quantity to 6 places, half to even."""
    return Decimal(value).quantize(QTY_QUANTUM, rounding=ROUND_HALF_EVEN)


def round_cost(value: Number) -> Decimal:
    """A unit cost to 6 places, half to even."""
    return Decimal(value).quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)


# Display ------------------------------------------------------------------------------------------
# One way to write a number for people, wherever it appears (pages, print views, flash and error
# messages, task texts, history): the active language's separators (erp/formats: 1,234,567.00 in
# every language this system speaks), always grouped.
#
# - money: 2 places, half up: 36,540.00;
# - a unit cost or unit price: the company's ``cost_decimals`` (default 4), trailing zeros kept so a
#   column lines up: 178.4000, 17.0000;
# - a quantity: the unit's ``decimals`` (pcs 0, kg 3): 136 pcs, 135.600 kg; a quantity finer than its
#   unit allows (half a piece after a conversion) keeps its digits rather than being rounded away.

DEFAULT_COST_DECIMALS: Final = 4
MAX_QUANTITY_DECIMALS: Final = 6


def _grouped(value: Decimal, places: int) -> str:
    from django.utils.formats import number_format

    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.00"
    return number_format(rounded, places, use_l10n=True, force_grouping=True)


def plain(value: Number | None) -> str:
    """A Decimal as data, not for reading: no exponent, no trailing zeros, no grouping ("100", "2.5";
    "" for None) — input fields, payloads, import previews."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    return f"{number.normalize():f}" if number else "0"


def significant_places(value: Decimal) -> int:
    """How many decimal places ``value`` needs (0 for 24.000, 1 for 135.600)."""
    if value == 0 or not value.is_finite():
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_money(value: Number | None) -> str:
    """An amount of money: 2 places, grouped (36,540.00). Empty for None."""
    if value is None or value == "":
        return ""
    return _grouped(Decimal(value), 2)


def format_cost(value: Number | None, company: object = None) -> str:
    """A unit cost or unit price with the company's cost decimals (default 4), grouped: 178.4000.
    ``company`` is a Company (its ``cost_decimals``), a number of places, or None for the default."""
    if value is None or value == "":
        return ""
    places = company if isinstance(company, int) else getattr(company, "cost_decimals", None)
    return _grouped(Decimal(value), DEFAULT_COST_DECIMALS if places is None else places)


def quantity_places(value: Decimal, unit: object = None) -> int:
    """The places a quantity is shown with: the unit's ``decimals`` (or ``unit`` itself when it is a
    number of places), more if the quantity has finer digits (up to 6)."""
    if isinstance(unit, int):
        places = unit
    else:
        places = getattr(unit, "decimals", None) or 0
    return max(places, min(significant_places(value), MAX_QUANTITY_DECIMALS))


def format_quantity(value: Number | None, unit: object = None, *, with_unit: bool = False) -> str:
    """A quantity with its unit's decimals, grouped: 136, 135.600 (kg); with ``with_unit`` the unit's
    code follows: "135.600 KG". ``unit`` is a UnitOfMeasure, a number of places or None (only the
    digits the quantity needs). Empty for None."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    text = _grouped(number, quantity_places(number, unit))
    code = getattr(unit, "code", None)
    return f"{text} {code}" if with_unit and code else text


def format_number(value: Number | None) -> str:
    """A number of no known kind (a history value): grouped, with the places it needs."""
    return format_quantity(value)
