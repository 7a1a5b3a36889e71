"""Text stored for people to read later (design rule 9: task titles and descriptions, notifications),
kept as a message key and its parameters and translated when shown, in the reader's language.

The key is the English msgid, marked with ``gettext_noop`` where the message is made so that
``make messages`` collects it (and tests/erp/test_catalogues.py checks it is translated)::

    title=message(gettext_noop("Pick and ship %(order)s (%(customer)s)"), order=..., customer=...)

Stored as JSON: ``{"key": msgid, "params": {name: value}}``; a text of several lines is a list of
them. A parameter that reads differently in each language is stored language-neutral and formatted
when shown, with Django's formats of the active language: a date as ``{"date": "2026-12-07"}`` (the
short date format), a decimal as ``{"number": "10.5000", "format": "quantity"}`` (a quantity: up to 4
places, trailing zeros dropped; ``money()`` for amounts, 2 places; any other format is
``floatformat``'s). Anything else is stored as its text.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias, TypedDict

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils import translation
from django.utils.translation import gettext

from erp.formats import format_date, format_datetime
from erp.money import format_money, format_quantity, round_line_quantity

QUANTITY_FORMAT = "quantity"  # up to 4 places, trailing zeros dropped, the language's separators
MONEY_FORMAT = "2g"  # floatformat's: 2 places, the language's separators

Param: TypeAlias = str | int | dict[str, str]


class Message(TypedDict):
    key: str
    params: dict[str, Param]


Stored: TypeAlias = Message | list[Message]


def quantity(value: Decimal | str | int) -> dict[str, str]:
    """A quantity parameter: shown with up to 4 decimals in the reader's number format."""
    return {"number": str(Decimal(value)), "format": QUANTITY_FORMAT}


def money(value: Decimal | str | int) -> dict[str, str]:
    """An amount parameter: shown with 2 decimals and thousands separators in the reader's format."""
    return {"number": str(Decimal(value)), "format": MONEY_FORMAT}


def reference(document: Any) -> Param:
    """A document's reference as a parameter: its number, or (a draft) its provisional reference as
    a message, since "Draft SO #12" reads differently in each language."""
    if getattr(document, "number", ""):
        return str(document.number)
    return message("Draft %(type)s #%(id)s", type=document.DOC_TYPE, id=document.pk or "-")  # type: ignore[return-value]


def encode(value: object) -> Param:
    if isinstance(value, dict):  # quantity(), money(), or a message as a parameter
        return value
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return quantity(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return str(value)


def message(key: str, **params: object) -> Message:
    """A message to store: ``key`` an English msgid marked with ``gettext_noop``."""
    return {"key": str(key), "params": {name: encode(value) for name, value in params.items()}}


def decode(value: Any) -> str:
    """A stored parameter as the reader reads it (the active language's formats)."""
    if isinstance(value, dict):
        try:
            if "date" in value:
                return format_date(value["date"])
            if "datetime" in value:
                return format_datetime(value["datetime"])
            if "number" in value:
                return number(Decimal(value["number"]), value.get("format", QUANTITY_FORMAT))
            if "key" in value:
                return render(value)
        except (ValueError, TypeError, InvalidOperation):
            pass
        return ""
    return str(value)


def number(value: Decimal, fmt: str) -> str:
    """A decimal in the active language's number format, by erp.money's formatters: a quantity with
    the places it needs (at most a line's four), an amount with two; any other ``fmt`` is
    ``floatformat``'s."""
    if fmt == QUANTITY_FORMAT:
        return format_quantity(round_line_quantity(value))
    if fmt == MONEY_FORMAT:
        return format_money(value)
    return str(floatformat(value, fmt))


def render(stored: Any, fallback: str = "") -> str:
    """``stored`` (a message, a list of them, or nothing) in the active language; ``fallback`` (the
    text stored before messages were, or typed by a person) when there is no message."""
    if not stored:
        return fallback
    if isinstance(stored, list):
        return "\n".join(render(each) for each in stored)
    try:
        key = stored["key"]
        params = {name: decode(value) for name, value in (stored.get("params") or {}).items()}
        return gettext(key) % params if params or "%(" in key else gettext(key)
    except (KeyError, TypeError, ValueError, AttributeError):  # a key or parameter gone missing
        if fallback or not isinstance(stored, dict):
            return fallback
        return str(stored.get("key", ""))


def in_default_language(stored: Stored) -> str:
    """The message in the site's language (settings.LANGUAGE_CODE): the text kept beside it for
    searches and for readers of the raw row."""
    with translation.override(settings.LANGUAGE_CODE):
        return render(stored)


def text_and_message(value: object) -> tuple[str, Stored | None]:
    """(text, message) to store for ``value``: a message (or a list of them) with its text in the
    site's language; any other value (a person's text) as its text, with no message."""
    if isinstance(value, dict | list):
        stored: Stored = value  # type: ignore[assignment]
        return in_default_language(stored), stored
    return str(value), None
