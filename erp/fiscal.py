"""Fiscal years: the one rule that numbering (and later finance's years and periods) follows.

A company's fiscal year starts on the first day of ``Company.fiscal_year_start_month`` and is
labelled by the calendar year in which it starts (as Odoo's ``range_year``): with a July start,
fiscal year 2025 runs from 2025-07-01 to 2026-06-30. With the default January start the fiscal
year is the calendar year.
"""

from __future__ import annotations

import datetime
from typing import Protocol


class HasFiscalYear(Protocol):
    """What the rule needs of a company (``erp.models.Company`` has it)."""

    fiscal_year_start_month: int


def fiscal_year_of(company: HasFiscalYear, day: datetime.date) -> int:
    """The fiscal year ``day`` falls in, labelled by the calendar year in which it starts."""
    return day.year if day.month >= company.fiscal_year_start_month else day.year - 1


def fiscal_year_dates(company: HasFiscalYear, year: int) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of the company's fiscal year ``year``."""
    month = company.fiscal_year_start_month
    first = datetime.date(year, month, 1)
    return first, datetime.date(year + 1, month, 1) - datetime.timedelta(days=1)
