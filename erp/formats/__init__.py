"""Date and number formats per language (FORMAT_MODULE_PATH: erp/formats/<lang>/formats.py) and the
helpers that write a date for people anywhere, messages and stored texts' parameters included.

One date format per language: pages (the ``date`` filter, SHORT_DATE_FORMAT), flash and error
messages, task texts and the human text of exports all go through ``format_date`` /
``format_datetime``; CSV and API data keep ISO 8601. Numbers: erp.money (``format_money``,
``format_cost``, ``format_quantity``).
"""

from __future__ import annotations

import datetime

from django.utils import formats, timezone


def as_date(value: datetime.date | str | None) -> datetime.date | datetime.datetime | None:
    """A date (or datetime) from a date, a datetime or an ISO 8601 text (an event's payload)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return datetime.datetime.fromisoformat(value)


def format_date(value: datetime.date | str | None) -> str:
    """A business date in the active language's short format: 2026/12/07 (zh-Hant), 2026-12-07 (en,
    zh-Hans). Takes a date, a datetime (its local date) or an ISO text; empty for None."""
    day = as_date(value)
    if day is None:
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def format_datetime(value: datetime.datetime | str | None) -> str:
    """A moment in the active language's short format, in the local time zone: 2026/12/07 14:05."""
    moment = as_date(value)
    if moment is None:
        return ""
    if not isinstance(moment, datetime.datetime):
        return format_date(moment)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
