"""How a document number is written: a numbering rule's format, rendered and checked.

A format is a Python format string with three placeholders, each with an optional format spec:
``{prefix}`` (the rule's prefix), ``{year}`` (the fiscal year, labelled by the calendar year in
which it starts: see ``erp.fiscal``) and ``{seq}`` (the running number). ``{prefix}-{year}-{seq:06d}``
gives SO-2026-000123. ``check_number_format`` refuses a format that could not number a document
(an unknown placeholder, a bad spec, no ``{seq}``, numbers too long for the column) when the rule is
saved, rather than at the first confirmation.
"""

from __future__ import annotations

import re
import string
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_FORMAT: Final = "{prefix}-{year}-{seq:06d}"
NUMBER_MAX_LENGTH: Final = 40  # Document.number's column
PLACEHOLDERS: Final = ("prefix", "year", "seq")
# The longest values a number shows: a four-digit year and a nine-digit running number (a billion
# documents of one type in one series is beyond any company this system serves).
LONGEST_YEAR: Final = 9999
LONGEST_SEQ: Final = 999_999_999
# Presentation types that write every integer differently ("e", "f", "g", "%" round; "c" is a character).
INTEGER_TYPES: Final = frozenset("bdoxXn")


def format_number(*, fmt: str, prefix: str, year: int, seq: int) -> str:
    return fmt.format(prefix=prefix, year=year, seq=seq)


def spec_is_valid(name: str, spec: str, prefix: str) -> bool:
    """True if ``spec`` formats the placeholder ``name`` (a text for prefix, an integer otherwise)."""
    value: str | int = prefix if name == "prefix" else LONGEST_YEAR if name == "year" else LONGEST_SEQ
    if name != "prefix" and spec and (spec[-1].isalpha() or spec[-1] == "%") and spec[-1] not in INTEGER_TYPES:
        return False
    try:
        format(value, spec)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def number_format_errors(fmt: str, *, prefix: str, yearly_reset: bool) -> list[ValidationError]:
    """What is wrong with ``fmt`` as the format of a rule with ``prefix``; empty if nothing."""
    try:
        fields = [(name, spec, conversion) for _text, name, spec, conversion in string.Formatter().parse(fmt)
                  if name is not None]
    except ValueError:
        return [ValidationError(
            _("Braces must enclose a placeholder ({prefix}, {year} or {seq}); write {{ or }} for a brace in the text."),
            code="number_format_syntax",
        )]
    errors: list[ValidationError] = []
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or conversion is not None:
            written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            errors.append(ValidationError(
                _("Unknown placeholder %(placeholder)s: use {prefix}, {year} and {seq}."),
                code="number_format_placeholder", params={"placeholder": written},
            ))
        elif not spec_is_valid(name, spec or "", prefix):
            errors.append(ValidationError(
                _("“%(spec)s” is not a valid format for {%(name)s}; {seq:06d}, for example, writes the running "
                  "number with six digits."),
                code="number_format_spec", params={"spec": spec, "name": name},
            ))
    names = {re.split(r"[.\[]", name, maxsplit=1)[0] for name, _spec, _conversion in fields}  # {seq.real} names seq
    if "seq" not in names:
        errors.append(ValidationError(_("The format must contain {seq}, the running number."),
                                      code="number_format_no_seq"))
    if yearly_reset and "year" not in names:
        errors.append(ValidationError(
            _("A series that restarts each fiscal year needs {year} in its format, or its numbers would repeat."),
            code="number_format_no_year",
        ))
    if not errors:
        example = format_number(fmt=fmt, prefix=prefix, year=LONGEST_YEAR, seq=LONGEST_SEQ)
        if len(example) > NUMBER_MAX_LENGTH:
            errors.append(ValidationError(
                _("Numbers in this format can be %(length)d characters long (e.g. %(example)s); a document number "
                  "holds at most %(limit)d."),
                code="number_format_too_long",
                params={"length": len(example), "example": example, "limit": NUMBER_MAX_LENGTH},
            ))
    return errors


def check_number_format(fmt: str, *, prefix: str, yearly_reset: bool) -> None:
    """Raise a ValidationError on the ``format`` field if ``fmt`` could not number a document."""
    errors = number_format_errors(fmt, prefix=prefix, yearly_reset=yearly_reset)
    if errors:
        raise ValidationError({"format": errors})
