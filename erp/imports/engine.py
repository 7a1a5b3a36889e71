"""Reading an uploaded CSV (UTF-8) or XLSX file into a ``Table``, within limits.

``read_table(data, filename, kind)`` checks the file as a whole (size, type, encoding, row and column
limits, the header row) and maps the header row onto the kind's columns; every problem with the file
as a whole raises ``ImportFileError`` (shown beside the upload field, never a 500). Cells are kept as
read (text, numbers, dates): the kind's validator parses them.

Hostile files are refused cheaply: more than ``MAX_BYTES``; a zip archive that would unpack to more
than ``MAX_UNPACKED_BYTES`` (a zip bomb); more than ``MAX_ROWS`` rows (blank rows count towards a
larger bound, so a sheet of a million empty rows stops early); cells beyond ``MAX_COLUMNS`` are not
read, whatever size the sheet claims; NUL bytes in a CSV; formulas are never evaluated (XLSX cells give
their cached value).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from erp.imports.errors import ImportFileError
from erp.imports.parsers import CellError, parse_code

if TYPE_CHECKING:
    from erp.imports.kinds import ImportKind

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Rows read at most, blank ones included (a sheet may have a million empty rows).
MAX_READ_ROWS = MAX_ROWS * 10
# Columns read at most; further cells are not read (a sheet may claim to be 16,384 columns wide).
MAX_COLUMNS = 200
# An XLSX is a zip archive: refuse one that would unpack to more than this (a zip bomb).
MAX_UNPACKED_BYTES = 10 * MAX_BYTES
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"

RawRow = Sequence[object]


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


def read_table(data: bytes, filename: str, kind: ImportKind) -> Table:
    """The rows of an uploaded CSV/XLSX file mapped onto the kind's columns; ImportFileError if the
    file as a whole is unusable."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(limit)s MB: split it into smaller files.") % {
            "limit": MAX_BYTES // (1024 * 1024)})
    if not data:
        raise ImportFileError(_("The file is empty."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if data[:8] == XLS_SIGNATURE:
        raise ImportFileError(_("Old Excel .xls files are not supported: save the file as .xlsx or CSV (UTF-8)."))
    raw_rows: Iterable[tuple[int, RawRow]]
    if extension == "xlsx" or (data[:4] == ZIP_SIGNATURE and extension != "csv"):
        raw_rows = xlsx_rows(data)
    elif extension in ("csv", "txt"):
        raw_rows = csv_rows(data)
    else:
        raise ImportFileError(_("Upload a CSV (UTF-8) or Excel .xlsx file."))
    return to_table(kind, filename, raw_rows)


def too_many_rows() -> ImportFileError:
    return ImportFileError(_("The file has more than %(limit)s rows: split it into smaller files.") % {
        "limit": f"{MAX_ROWS:,}"})


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


def xlsx_rows(data: bytes) -> Iterator[tuple[int, RawRow]]:
    """(row number, cells) of the workbook's first sheet, at most MAX_COLUMNS cells each."""
    if not zip_is_xlsx(data):
        raise ImportFileError(_("The file is not an Excel .xlsx workbook."))
    if unpacked_size(data) > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("The workbook is too large once unpacked: split it into smaller files."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip file
        raise ImportFileError(_("The file is not an Excel .xlsx workbook or it is damaged.")) from None
    try:
        try:
            sheet = workbook.worksheets[0]
            # The size a sheet declares may be false (A1:XFD1048576 would pad every row to 16,384
            # cells): read the cells that are there, up to MAX_COLUMNS.
            sheet.reset_dimensions()
            yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
        except ImportFileError:
            raise
        except Exception:
            raise ImportFileError(_("The workbook could not be read; it may be damaged.")) from None
    finally:
        workbook.close()


def csv_rows(data: bytes) -> Iterator[tuple[int, RawRow]]:
    """(row number, cells) of a UTF-8 CSV file (with or without BOM); the delimiter (, ; or tab) is the
    one the first line uses most."""
    if b"\x00" in data:  # a binary file, or text PostgreSQL could not store
        raise ImportFileError(_("The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text: save it as “CSV UTF-8” or as .xlsx.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            yield number, values[:MAX_COLUMNS]
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
    if missing:
        raise ImportFileError(
            _("Missing column(s): %(columns)s. The first row must hold the column headers; "
              "download the template to see them.") % {"columns": ", ".join(missing)}
        )
    return positions, headers, ignored


def to_table(kind: ImportKind, filename: str, raw_rows: Iterable[tuple[int, RawRow]]) -> Table:
    """The first non-blank row is the header; the data rows keep only the kind's columns."""
    header: tuple[dict[str, int], dict[str, str], list[str]] | None = None
    data_rows: list[tuple[int, dict[str, object]]] = []
    for number, values in raw_rows:
        if number > MAX_READ_ROWS:  # mostly blank sheet rows: do not read a million of them
            raise too_many_rows()
        if is_blank(values):
            continue
        if header is None:
            header = map_header(kind, values)
            continue
        width = len(values)
        data_rows.append((number, {key: values[index] if index < width else None
                                   for key, index in header[0].items()}))
        if len(data_rows) > MAX_ROWS:
            raise too_many_rows()
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if not data_rows:
        raise ImportFileError(_("The file has column headers but no rows to import."))
    _positions, headers, ignored = header
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
