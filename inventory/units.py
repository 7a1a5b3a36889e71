"""The seeded units of measure (translated labels) and exact unit conversion."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.money import Number, round_quantity

if TYPE_CHECKING:
    from inventory.models import Item, UnitOfMeasure

SEEDED_UNITS = {
    # code: (English name, decimals)
    "PCS": (gettext_lazy("piece"), 0),
    "SET": (gettext_lazy("set"), 0),
    "BOX": (gettext_lazy("box"), 0),
    "CTN": (gettext_lazy("carton"), 0),
    "PAIR": (gettext_lazy("pair"), 0),
    "ROLL": (gettext_lazy("roll"), 0),
    "SHEET": (gettext_lazy("sheet"), 0),
    "KG": (gettext_lazy("kilogram"), 3),
    "G": (gettext_lazy("gram"), 2),
    "TON": (gettext_lazy("tonne"), 3),
    "M": (gettext_lazy("metre"), 3),
    "CM": (gettext_lazy("centimetre"), 1),
    "MM": (gettext_lazy("millimetre"), 0),
    "L": (gettext_lazy("litre"), 3),
    "ML": (gettext_lazy("millilitre"), 0),
    "M2": (gettext_lazy("square metre"), 3),
    "HR": (gettext_lazy("hour"), 2),
}


def seeded_unit_label(code: str, stored_name: str) -> str:
    """A seeded unit shows its name in the user's language unless someone renamed it."""
    if code in SEEDED_UNITS and stored_name == seeded_english(code):
        return str(SEEDED_UNITS[code][0])
    return stored_name


def seeded_english(code: str) -> str:
    with translation.override("en"):
        return str(SEEDED_UNITS[code][0])


def to_base(
    item: Item, quantity: Number, unit: UnitOfMeasure, factors: Mapping[int, Decimal] | None = None
) -> Decimal | None:
    """``quantity`` of ``unit`` in the item's base unit, exact to 6 places; None if ``unit`` is not
    one of the item's units. ``factors`` ({unit_id: factor}) avoids a query per line."""
    quantity = Decimal(quantity)
    if unit.pk == item.base_unit_id:
        return round_quantity(quantity)
    if factors is None:
        factors = dict(item.units.values_list("unit_id", "factor"))
    factor = factors.get(unit.pk)
    if factor is None:
        return None
    return round_quantity(quantity * factor)


def unit_error(item: Item, unit: UnitOfMeasure) -> str:
    return _("%(item)s has no conversion from %(unit)s to its base unit %(base)s.") % {
        "item": item.code, "unit": unit.code, "base": item.base_unit.code,
    }
