"""Cell parsers: a raw spreadsheet cell (text, number, date or empty) in, a checked Python value out.

A parser raises ``CellError`` with a translated message for the cell ("“abc” is not a number."); the
``RowChecker`` turns it into a row error that names the row and the column. Parsers never touch the
database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from erp.codes import CODE_MAX_LENGTH, normalise_code
from erp.exports import FORMULA_PREFIXES
from erp.money import plain

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
QTY_PLACES = 6
MAX_DIGITS = 20
# Words people type for yes and no, in the three languages of the interface.
TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "是", "有", "啟用", "启用", "v", "✓", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "否", "無", "无", "停用"})
DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")


class CellError(Exception):
    """One cell's value is unusable; ``message`` is translated and names the value."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def cell_text(raw: object) -> str:
    """The cell as the user sees it: '' for empty, 12.0 -> '12', a midnight datetime -> '2026-11-25';
    text as an export escaped it ("'@home" -> '@home', see erp.exports) without the apostrophe."""
    if isinstance(raw, str) and raw[:1] == "'" and raw[1:].startswith(FORMULA_PREFIXES):
        raw = raw[1:]
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat(sep=" ")
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    return str(raw).strip()


def parse_code(raw: object, *, required: bool = True) -> str:
    """A master-data code, normalised (' ab-01 ' -> 'AB-01'); '' when empty and not required."""
    text = normalise_code(cell_text(raw))
    if not text:
        if required:
            raise CellError(_("a value is required."))
        return ""
    if len(text) > CODE_MAX_LENGTH:
        raise CellError(_("“%(value)s” is longer than %(max)s characters.") % {"value": text, "max": CODE_MAX_LENGTH})
    if not CODE_RE.match(text):
        raise CellError(_("“%(value)s” is not a valid code: use letters, digits and . _ / - only, "
                          "starting with a letter or digit.") % {"value": text})
    return text


def parse_text(raw: object, *, max_length: int, required: bool = False) -> str:
    """Free text up to ``max_length`` characters. Text that starts with “=” is refused: it would come
    back as a live formula in a spreadsheet export (formula injection)."""
    text = cell_text(raw)
    if not text and required:
        raise CellError(_("a value is required."))
    if len(text) > max_length:
        raise CellError(_("the text is longer than %(max)s characters.") % {"max": max_length})
    if text.startswith("="):
        raise CellError(_("“%(value)s” looks like a spreadsheet formula: import its result, not the formula.")
                        % {"value": text[:40]})
    return text


def parse_decimal(raw: object, *, default: Decimal | None = None, positive: bool = False, places: int = QTY_PLACES,
                  required: bool = False) -> Decimal | None:
    """A number with at most ``places`` decimal places that fits a 20-digit column; never negative
    (``positive``: greater than zero). '1,250.5' is 1250.5. ``default`` when empty and not required."""
    if isinstance(raw, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
        shown = str(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
        shown = repr(raw)
    else:
        shown = cell_text(raw)
        if not shown:
            if required:
                raise CellError(_("a value is required."))
            return default
        try:
            value = Decimal(shown.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": shown}) from None
    if not value.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": shown})
    if positive and value <= 0:
        raise CellError(_("must be greater than zero (got %(value)s).") % {"value": shown})
    if value < 0:
        raise CellError(_("must not be negative (got %(value)s).") % {"value": shown})
    value = value.normalize() if value != 0 else Decimal("0")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite Decimal's exponent is a number
    if exponent < -places:
        raise CellError(_("“%(value)s” has more than %(places)s decimal places.") % {"value": shown, "places": places})
    if value.adjusted() >= MAX_DIGITS - places:
        raise CellError(_("“%(value)s” is too large.") % {"value": shown})
    return value


def parse_int(raw: object, *, default: int | None = None, maximum: int | None = None) -> int | None:
    """A whole number, zero or more (at most ``maximum``); ``default`` when empty."""
    value = parse_decimal(raw, default=None, places=6)
    if value is None:
        return default
    if value != value.to_integral_value():
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": cell_text(raw)})
    number = int(value)
    if maximum is not None and number > maximum:
        raise CellError(_("must be at most %(max)s (got %(value)s).") % {"max": maximum, "value": number})
    return number


def parse_bool(raw: object, *, default: bool) -> bool:
    """yes/no, 1/0, true/false or 是/否 (and a few more words); ``default`` when empty."""
    if isinstance(raw, bool):
        return raw
    text = cell_text(raw).casefold()
    if not text:
        return default
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("“%(value)s” is not yes or no (use yes/no, 1/0 or 是/否).") % {"value": cell_text(raw)})


def parse_date(raw: object) -> datetime.date | None:
    """A spreadsheet date, or text as 2026-11-25, 2026/11/25, 2026.11.25 or 20261125; None when empty."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = cell_text(raw)
    if not text:
        return None
    for pattern in DATE_PATTERNS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date (use 2026-11-25 or 2026/11/25).") % {"value": text})


def choice_lookup(choices: type[models.Choices], aliases: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """{casefolded value, label in any language of the interface, or alias: value} for a TextChoices
    class; ``aliases`` adds further words per value (e.g. 原料 for raw materials)."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        value = str(value)
        lookup[value.casefold()] = value
        for alias in (aliases or {}).get(value, ()):
            lookup[alias.casefold()] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup.setdefault(str(label).strip().casefold(), value)
    return lookup


def parse_choice(raw: object, lookup: Mapping[str, str], *, default: str) -> str:
    """One of the values of ``lookup`` (see ``choice_lookup``); ``default`` when empty."""
    text = cell_text(raw)
    if not text:
        return default
    value = lookup.get(text.casefold())
    if value is None:
        raise CellError(_("“%(value)s” is not one of: %(choices)s.") % {
            "value": text, "choices": ", ".join(sorted(set(lookup.values())))})
    return value


def fmt_decimal(value: Decimal | None) -> str:
    """A number as the preview shows it: no exponent, no trailing zeros ('' for None)."""
    return plain(value)
