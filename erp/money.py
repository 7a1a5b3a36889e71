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
