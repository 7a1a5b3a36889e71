"""What checking a file gives: per row its parsed values, what the preview shows and its errors.

A kind's validator walks the table's rows with one ``RowChecker`` each::

    check = RowChecker(table, number, raw)
    code = check.take("code", parse_code)            # parsed, or None and a row error
    if code in existing:
        check.error("code", _("item “%(code)s” already exists.") % {"code": code})
    rows.append(check.row)
    ...
    return ImportResult(table=table, rows=rows)
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from django.utils.translation import gettext as _

from erp.imports.parsers import CellError, cell_text, parse_code

if TYPE_CHECKING:
    from erp.imports.engine import Table
    from erp.imports.kinds import Column

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class RowError:
    row: int
    column: str  # the column key, "" for the whole row
    header: str  # the column's header as written in the file
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row, "column": self.header or self.column, "message": self.message}
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class RowResult:
    number: int  # the row's number in the spreadsheet (the header is row 1)
    raw: dict[str, object]  # column key -> the cell as read
    values: dict[str, Any] = field(default_factory=dict)  # parsed values (and records found), for the commit
    display: dict[str, str] = field(default_factory=dict)  # what the preview shows per column
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def cells(self, columns: Sequence[Column]) -> list[str]:
        return [self.display.get(c.key, cell_text(self.raw.get(c.key))) for c in columns]


@dataclass
class ImportResult:
    table: Table
    rows: list[RowResult]
    notes: list[str] = field(default_factory=list)  # about the whole file, shown above the preview

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def error_row_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return self.error_row_count == 0


class RowChecker:
    """Collects the parsed values, the preview's cells and the errors of one row."""

    def __init__(self, table: Table, number: int, raw: dict[str, object]) -> None:
        self.table = table
        self.row = RowResult(number=number, raw=raw)

    def has(self, key: str) -> bool:
        """Whether the file has the column at all."""
        return key in self.table.headers

    def take(self, key: str, parser: Callable[Concatenate[object, P], T], /, *args: P.args,
             **kwargs: P.kwargs) -> T | None:
        """The column's cell through ``parser`` (remembered in ``row.values``); None and a row error
        when the parser refuses it."""
        try:
            value = parser(self.row.raw.get(key), *args, **kwargs)
        except CellError as error:
            self.error(key, error.message)
            return None
        self.row.values[key] = value
        return value

    def take_unique(self, key: str, seen: dict[str, int], existing: Container[str], exists: str) -> str | None:
        """A code column whose value must be new (an item's, a customer's): parsed, shown in the preview, and
        refused when an earlier row of the file has it (``seen``: value → its first row, kept up to
        date here) or the database does (``exists``: the message, with ``%(code)s``)."""
        value = self.take(key, parse_code)
        if value:
            self.show(key, value)
            if value in seen:
                self.error(key, _("code “%(code)s” already appears in row %(row)s.") % {
                    "code": value, "row": seen[value]})
            elif value in existing:
                self.error(key, exists % {"code": value})
            seen.setdefault(value, self.row.number)
        return value

    def error(self, key: str, message: str) -> None:
        """A row error for column ``key`` ("" for the row as a whole)."""
        self.row.errors.append(RowError(self.row.number, key, self.table.headers.get(key, key), message))

    def failed(self, key: str) -> bool:
        return any(e.column == key for e in self.row.errors)

    def show(self, key: str, value: str) -> None:
        """What the preview shows in column ``key`` (by default the cell as read)."""
        self.row.display[key] = value
