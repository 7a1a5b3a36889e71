"""Gapless document numbers: one locked counter row per company, document type and fiscal year.

The counter is incremented inside the document's own transaction, so a rollback gives the number
back and a committed number is never skipped; the row lock serialises concurrent takers. A series
that restarts each year restarts on the first day of the company's fiscal year, and ``{year}`` in a
number is that fiscal year, named after the calendar year in which it starts (``erp.fiscal``).
"""

from __future__ import annotations

import datetime

from django.db import transaction

from erp.errors import InvalidNumberingRule
from erp.fiscal import fiscal_year_of
from erp.models import Company
from erp.number_formats import DEFAULT_FORMAT, NUMBER_MAX_LENGTH, format_number
from erp.sql import number_take


def take_number(*, company: Company, doc_type: str, on_date: datetime.date) -> str:
    """Return the next number for ``doc_type``; must run inside the document's transaction.

    ``company`` is the document's company as loaded (its pk and fiscal year start are read)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_number() must run inside the transaction that saves the document")
    year = fiscal_year_of(company, on_date)
    # One statement reads the company's rule (if any) and takes the next value: the first taker
    # creates the counter row, later ones increment it; the row stays locked until the document's
    # transaction ends, which serialises concurrent takers and gives the number back on rollback.
    value, fmt, prefix = number_take(company=company, doc_type=doc_type, year=year)
    try:
        number = format_number(fmt=fmt or DEFAULT_FORMAT, prefix=(prefix or "") if fmt is not None else doc_type,
                               year=year, seq=value)
    except (LookupError, ValueError, TypeError, AttributeError, OverflowError) as exc:
        # Only a rule written past NumberingRule's validation gets here (raw SQL, a bulk update).
        raise InvalidNumberingRule(doc_type) from exc
    if len(number) > NUMBER_MAX_LENGTH:
        raise InvalidNumberingRule(doc_type)
    return number
