"""Columns and cells: what a list table, its XLSX/CSV export, a document's lines table and its print
page show, declared once per kind of document.

A ``Column`` gives a header and a function of the row (a document in a list, a line on a detail or
print page). Its value goes into the export as it is (dates as dates, amounts as Decimals) and into
the HTML table through ``Cell`` (formatted there, in the user's language); ``display`` gives the
table another value or a ``Cell`` when it shows more than the export (a link, a status badge, the
customer's name beside its code). ``listed`` / ``exported`` keep a column out of one of the two.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from erp.money import format_cost, format_money, format_quantity

Label = Any  # a text or a lazily translated one

QTY = "qty"  # the unit's decimals, grouped: 24, 1,234.500 (kg)
MONEY = "money"  # 2 decimals, grouped: 1,234.50
COST = "cost"  # a unit cost or price: the company's cost decimals, grouped: 178.4000


@dataclass(frozen=True)
class Cell:
    """What one cell of an HTML table shows.

    ``value`` stays raw (a Decimal, a date) and is formatted when rendered (erp.money): ``fmt`` QTY,
    MONEY or COST for numbers (a Decimal with ``num`` and no ``fmt`` is a quantity), dates and times in
    the user's format. ``num`` right-aligns it, ``unit`` (a UnitOfMeasure: its decimals and code, or a
    code) follows it,
    ``url`` makes it a link, ``note`` adds smaller text after it, ``status`` shows it as the status
    badge of that status code, ``flag`` adds a red marker (a translated word such as "late")."""

    value: Any = None
    unit: Any = ""
    num: bool = False
    fmt: str = ""
    url: str = ""
    note: Any = ""
    status: str = ""
    flag: Any = ""


def shown(value: Any) -> Any:
    """A value as text for a header row: dates and times in the user's format, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value,
                                   "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return value


def render_cell(cell: Cell, empty: str = "—", company: Any = None) -> SafeString:
    """The HTML inside the <td> of ``cell`` (``empty`` for a missing value); ``company`` gives the
    places of unit costs."""
    value = cell.value
    if cell.status:
        return format_html('<span class="badge text-bg-{}" data-status="{}">{}</span>', status_style(cell.status),
                           cell.status, value)
    if value is None or value == "":
        text: Any = empty
    elif cell.fmt == QTY or (cell.num and isinstance(value, Decimal | int) and not cell.fmt):
        text = format_quantity(value, cell.unit or None)
    elif cell.fmt == MONEY:
        text = format_money(value)
    elif cell.fmt == COST:
        text = format_cost(value, company)
    else:
        text = shown(value)
    if cell.unit and value not in (None, ""):
        text = format_html("{} {}", text, getattr(cell.unit, "code", cell.unit))
    html = format_html('<a href="{}">{}</a>', cell.url, text) if cell.url else format_html("{}", text)
    if cell.note:
        html = format_html('{} <small class="text-muted">{}</small>', html, cell.note)
    if cell.flag:
        html = format_html('{} <span class="badge text-bg-danger" data-flag="1">{}</span>', html, cell.flag)
    return html


# Status badges: one colour per status name, whatever the document (erp/partials/status.html too).
STATUS_STYLES = {
    "draft": "secondary",
    "sent": "primary", "confirmed": "primary",
    "partial": "info", "shipped": "info",
    "posted": "success", "received": "success", "delivered": "success", "converted": "success", "done": "success",
    "closed": "dark",
    "cancelled": "light text-dark border",
    "open": "warning", "pending": "warning", "counting": "warning",
    "failed": "danger",
    # a shortage request's business state (sales.status.ShortageState)
    "requested": "warning", "planned": "primary", "ordered": "primary", "covered": "info",
    "not_needed": "light text-dark border",
}


def status_style(status: str) -> str:
    return STATUS_STYLES.get(status, "secondary")


@dataclass(frozen=True)
class Column:
    """A column of a table and of its export: ``value(row)`` is exported, ``display(row)`` (default
    the value) is shown; ``numeric`` right-aligns it."""

    header: Label
    value: Callable[[Any], Any]
    display: Callable[[Any], Any] | None = None
    numeric: bool = False
    listed: bool = True
    exported: bool = True

    def cell(self, row: Any) -> Cell:
        shown_value = (self.display or self.value)(row)
        if isinstance(shown_value, Cell):
            return shown_value
        return Cell(shown_value, num=self.numeric)


class ListRow(NamedTuple):
    """A row of a list: the document, its page and the cells of the listed columns."""

    document: Any
    url: str
    cells: list[Cell]


class LineRow(NamedTuple):
    """A row of a lines table: the line and the cells of the line columns."""

    line: Any
    cells: list[Cell]


def headers(columns: Iterable[Column]) -> list[tuple[Label, bool]]:
    """[(header, numeric?)] of a table: numeric columns are right-aligned."""
    return [(column.header, column.numeric) for column in columns]


def line_rows(columns: Iterable[Column], lines: Iterable[Any]) -> list[LineRow]:
    columns = tuple(columns)
    return [LineRow(line, [column.cell(line) for column in columns]) for line in lines]


def export_columns(columns: Iterable[Column]) -> list[tuple[Label, Callable[[Any], Any]]]:
    """The columns as erp.exports takes them: [(header, value function)]."""
    return [(column.header, column.value) for column in columns if column.exported]


# Columns most documents have -------------------------------------------------------------------


def number_column() -> Column:
    """The document's number (or provisional reference), a link to its page in the list."""
    return Column(_("Number"), lambda d: str(d.reference), display=lambda d: Cell(d.reference, url=d.detail_url))


def date_column(header: Label = None, attribute: str = "document_date", **options: Any) -> Column:
    return Column(header or _("Date"), lambda d: getattr(d, attribute), **options)


def status_column() -> Column:
    """The status: its label in the export, a coloured badge in the table."""
    return Column(_("Status"), lambda d: d.get_status_display(),
                  display=lambda d: Cell(d.get_status_display(), status=d.status))


def created_by_column(**options: Any) -> Column:
    return Column(_("Created by"), lambda d: str(d.created_by or ""), **options)


def posted_at_column(**options: Any) -> Column:
    return Column(_("Posted at"), lambda d: d.posted_at, **options)


def line_count_column() -> Column:
    """The number of lines (the list annotates ``line_count``)."""
    return Column(_("Lines"), lambda d: d.line_count, numeric=True)
