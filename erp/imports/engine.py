"""Reading an uploaded CSV (UTF-8) or XLSX file into a ``Table``, within limits.

``read_table(data, filename, kind)`` checks the file as a whole (size, type, encoding, row and cell
limits, the header row) and maps the header row onto the kind's columns; every problem with the file
as a whole raises ``ImportFileError`` (shown beside the upload field, never a 500). Cells are kept as
read (text, numbers, dates): the kind's validator parses them. A file is read once, at upload: the
screens keep the ``Table`` (``erp.imports.stored``) for the preview and the commit.

The limits are settings (``limits()``): ``IMPORT_MAX_BYTES`` (the file), ``IMPORT_MAX_ROWS`` (data rows)
and ``IMPORT_MAX_CELLS`` (data rows × the columns read). Hostile files are refused cheaply: a zip
archive that would unpack to more than ten times the byte limit (a zip bomb); a sheet of a million
empty rows (blank rows count towards ten times the row limit); NUL bytes in a CSV; formulas are never
evaluated (XLSX cells give their cached value). Whatever size a sheet declares (openpyxl's read-only
reader pads every row to it: A1:XFD20001 is 16,384 cells a row), the header row is read up to
``MAX_COLUMNS`` cells and the data rows only up to the last column the kind knows.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from erp.imports.errors import ImportFileError
from erp.imports.parsers import CellError, parse_code

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from erp.imports.kinds import ImportKind

# The defaults of the settings IMPORT_MAX_BYTES, IMPORT_MAX_ROWS and IMPORT_MAX_CELLS.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CELLS = 1_000_000
# Cells of the header row read at most; further cells are not read (a sheet may claim 16,384 columns).
MAX_COLUMNS = 200
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"

RawRow = Sequence[object]
Rows = Iterator[tuple[int, RawRow]]


@dataclass(frozen=True)
class Limits:
    """What an import may hold; ``limits()`` reads them from the settings."""

    bytes: int = MAX_BYTES
    rows: int = MAX_ROWS
    cells: int = MAX_CELLS

    @property
    def unpacked_bytes(self) -> int:
        """An XLSX is a zip archive: refuse one that would unpack to more than this (a zip bomb)."""
        return 10 * self.bytes

    @property
    def read_rows(self) -> int:
        """Rows read at most, blank ones included (a sheet may have a million empty rows)."""
        return 10 * self.rows

    @property
    def megabytes(self) -> str:
        return f"{self.bytes / (1024 * 1024):g}"


def limits() -> Limits:
    return Limits(bytes=getattr(settings, "IMPORT_MAX_BYTES", MAX_BYTES),
                  rows=getattr(settings, "IMPORT_MAX_ROWS", MAX_ROWS),
                  cells=getattr(settings, "IMPORT_MAX_CELLS", MAX_CELLS))


@dataclass
class Table:
    """A file's rows mapped onto one kind's columns."""

    kind: str  # the kind's id, e.g. "inventory.items"
    filename: str
    headers: dict[str, str]  # column key -> the header as written in the file
    rows: list[tuple[int, dict[str, object]]]  # (spreadsheet row number, {column key: cell as read})
    ignored_headers: list[str] = field(default_factory=list)


def normalise_header(text: object) -> str:
    """'Base unit' / 'base_unit' / ' BASE-UNIT ' -> 'baseunit'; '保存期限（天）' -> '保存期限天'."""
    return re.sub(r"[\s_\-()（）.:：*]+", "", str(text or "")).casefold()


def too_large(limit: Limits) -> ImportFileError:
    return ImportFileError(_("The file is larger than %(limit)s MB: split it into smaller files.") % {
        "limit": limit.megabytes})


def read_table(data: bytes, filename: str, kind: ImportKind) -> Table:
    """The rows of an uploaded CSV/XLSX file mapped onto the kind's columns; ImportFileError if the
    file as a whole is unusable."""
    limit = limits()
    if len(data) > limit.bytes:
        raise too_large(limit)
    if not data:
        raise ImportFileError(_("The file is empty."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if data[:8] == XLS_SIGNATURE:
        raise ImportFileError(_("Old Excel .xls files are not supported: save the file as .xlsx or CSV (UTF-8)."))
    if extension == "xlsx" or (data[:4] == ZIP_SIGNATURE and extension != "csv"):
        with first_sheet(data, limit) as sheet:
            return to_table(kind, filename, XlsxSource(sheet), limit)
    if extension in ("csv", "txt"):
        return to_table(kind, filename, CsvSource(data), limit)
    raise ImportFileError(_("Upload a CSV (UTF-8) or Excel .xlsx file."))


def too_many_rows(limit: Limits) -> ImportFileError:
    return ImportFileError(_("The file has more than %(limit)s rows: split it into smaller files.") % {
        "limit": f"{limit.rows:,}"})


def too_many_cells(limit: Limits) -> ImportFileError:
    return ImportFileError(_("The file has more than %(limit)s cells to read: remove the columns that are not "
                             "imported, or split it into smaller files.") % {"limit": f"{limit.cells:,}"})


def zip_is_xlsx(data: bytes) -> bool:
    """True when ``data`` is a zip archive holding an Excel workbook part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False


def unpacked_size(data: bytes) -> int:
    """What the zip archive's members add up to once unpacked. Python's zipfile never unpacks a
    member beyond the size its directory declares, so this bounds what reading the workbook costs."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(member.file_size for member in archive.infolist())


@contextmanager
def first_sheet(data: bytes, limit: Limits) -> Iterator[ReadOnlyWorksheet]:
    """The workbook's first sheet, read-only, its declared size ignored; the workbook is closed after."""
    if not zip_is_xlsx(data):
        raise ImportFileError(_("The file is not an Excel .xlsx workbook."))
    if unpacked_size(data) > limit.unpacked_bytes:
        raise ImportFileError(_("The workbook is too large once unpacked: split it into smaller files."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip file
        raise ImportFileError(_("The file is not an Excel .xlsx workbook or it is damaged.")) from None
    try:
        # The size a sheet declares may be false: without this, the reader pads every row to it and
        # adds the empty rows it claims.
        sheet.reset_dimensions()
        yield sheet
    finally:
        workbook.close()


class XlsxSource:
    """The sheet's rows: the header row up to MAX_COLUMNS cells, then the data rows up to ``width``
    cells (openpyxl pads each row it yields to ``max_col``, so nothing wider is ever built)."""

    def __init__(self, sheet: ReadOnlyWorksheet) -> None:
        self.sheet = sheet

    def rows(self, *, first: int = 1, width: int = MAX_COLUMNS) -> Rows:
        try:
            yield from enumerate(self.sheet.iter_rows(min_row=first, max_col=width, values_only=True), start=first)
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(_("The workbook could not be read; it may be damaged.")) from None


class CsvSource:
    """The rows of a UTF-8 CSV file (with or without BOM); the delimiter (, ; or tab) is the one the first
    line uses most. One pass: ``rows(first=n)`` goes on from the row after the header."""

    def __init__(self, data: bytes) -> None:
        if b"\x00" in data:  # a binary file, or text PostgreSQL could not store
            raise ImportFileError(_("The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(_("The file is not UTF-8 text: save it as “CSV UTF-8” or as .xlsx.")) from None
        first_line = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
        # csv refuses a field over 128 KB (csv.Error: a malformed file); a file is at most IMPORT_MAX_BYTES.
        self.reader = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)

    def rows(self, *, first: int = 1, width: int = MAX_COLUMNS) -> Rows:
        try:
            for number, values in self.reader:
                yield number, values[:width]
        except csv.Error:
            raise ImportFileError(_("The CSV file is malformed (check quotes and line breaks).")) from None


def is_blank(values: RawRow) -> bool:
    if values.count(None) == len(values):  # most blank rows: fast
        return True
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def header_lookup(kind: ImportKind) -> dict[str, str]:
    """{normalised header: column key}: keys, aliases and the labels in every language."""
    lookup: dict[str, str] = {}
    for column in kind.columns:
        for header in column.accepted_headers():
            lookup.setdefault(normalise_header(header), column.key)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup.setdefault(normalise_header(str(column.label)), column.key)
    return lookup


def map_header(kind: ImportKind, values: RawRow) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """(column key -> position, column key -> header as written, headers not understood)."""
    lookup = header_lookup(kind)
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, value in enumerate(values):
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        key = lookup.get(normalise_header(text))
        if key is None:
            ignored.append(text)
            continue
        if key in positions:
            raise ImportFileError(_("Columns “%(first)s” and “%(second)s” both mean %(column)s: keep one of them.") % {
                "first": headers[key], "second": text, "column": key})
        positions[key], headers[key] = index, text
    missing = [column.key for column in kind.columns if column.required and column.key not in positions]
    if not positions and not missing:  # not one column known, and none of them required
        missing = [column.key for column in kind.columns]
    if missing:
        raise ImportFileError(
            _("Missing column(s): %(columns)s. The first row must hold the column headers; "
              "download the template to see them.") % {"columns": ", ".join(missing)}
        )
    return positions, headers, ignored


def to_table(kind: ImportKind, filename: str, source: XlsxSource | CsvSource, limit: Limits) -> Table:
    """The first non-blank row is the header; the data rows are read up to the last column the kind
    knows and keep only the kind's columns."""
    header: tuple[int, RawRow] | None = None
    for number, values in source.rows():
        if number > limit.read_rows:  # mostly blank sheet rows: do not read a million of them
            raise too_many_rows(limit)
        if not is_blank(values):
            header = number, values
            break
    if header is None:
        raise ImportFileError(_("The file is empty."))
    positions, headers, ignored = map_header(kind, header[1])
    width = max(positions.values()) + 1
    max_rows = min(limit.rows, limit.cells // width)
    data_rows: list[tuple[int, dict[str, object]]] = []
    for number, values in source.rows(first=header[0] + 1, width=width):
        if number > limit.read_rows:
            raise too_many_rows(limit)
        if is_blank(values):
            continue
        if len(data_rows) >= max_rows:
            raise too_many_rows(limit) if len(data_rows) >= limit.rows else too_many_cells(limit)
        count = len(values)
        data_rows.append((number, {key: values[index] if index < count else None
                                   for key, index in positions.items()}))
    if not data_rows:
        raise ImportFileError(_("The file has column headers but no rows to import."))
    return Table(kind=kind.id, filename=filename, headers=headers, rows=data_rows, ignored_headers=ignored)


def codes_of(table: Table, key: str) -> set[str]:
    """The valid codes in column ``key`` (for reading the records they name in one query)."""
    codes = set()
    for _number, raw in table.rows:
        try:
            code = parse_code(raw.get(key), required=False)
        except CellError:
            continue
        if code:
            codes.add(code)
    return codes
