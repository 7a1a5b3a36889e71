"""The import engine: master data and opening figures from CSV (UTF-8) or XLSX files, checked row by row
and written all or nothing. Departments declare their kinds of import; the core does the rest.

Three steps, each usable on its own:

1. ``read_table(data, filename, kind)`` (``engine``) reads the file within the limits (``limits()``: the
   settings IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, IMPORT_MAX_CELLS; ``MAX_COLUMNS`` header cells) into a
   ``Table``: the header row mapped onto the kind's columns (English keys or the zh-Hant / zh-Hans names
   such as 料號 or 品名) and the data rows with their spreadsheet row numbers, read only up to the last
   column the kind knows. Problems with the file as a whole raise ``ImportFileError``. The screens read a
   file once, at upload, and keep the ``Table`` as JSON (``stored``) for the preview and the commit.
2. ``validate(kind, table, company=, user=)`` (``commit``) runs the kind's validator: an
   ``ImportResult`` with, for each row, its parsed values and its errors ("Row 7, column base_unit:
   unit “BX” does not exist."). Validators parse cells with ``parsers`` and collect errors with a
   ``RowChecker`` (``results``).
3. ``commit(kind, table, company=, user=)`` locks (``ImportKind.lock``), re-validates and writes
   everything in one transaction through the kind's committer; rows that have become invalid in the
   meantime raise ``ImportRejected`` and nothing is written.

A department registers its ``ImportKind``s from its ``AppConfig.ready()`` with ``register_import_kind``;
``erp.import_views.ImportScreens`` gives it the upload, template, preview and commit screens. See
docs/architecture.md, "Imports".
"""

from erp.imports.commit import commit, for_row, validate, validation_text
from erp.imports.engine import (
    MAX_COLUMNS,
    Limits,
    Table,
    codes_of,
    limits,
    normalise_header,
    read_table,
    zip_is_xlsx,
)
from erp.imports.errors import ImportFileError, ImportRejected
from erp.imports.kinds import (
    Column,
    Committer,
    ImportKind,
    Locker,
    Validator,
    import_kind,
    import_kinds,
    register_import_kind,
)
from erp.imports.parsers import (
    CellError,
    cell_text,
    choice_lookup,
    fmt_decimal,
    parse_bool,
    parse_choice,
    parse_code,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
)
from erp.imports.results import ImportResult, RowChecker, RowError, RowResult
from erp.imports.stored import table_from_json, table_to_json
from erp.imports.workbook import template_workbook

__all__ = [
    "MAX_COLUMNS",
    "CellError", "Column", "Committer", "ImportFileError", "ImportKind", "ImportRejected", "ImportResult",
    "Limits", "Locker", "RowChecker", "RowError", "RowResult", "Table", "Validator",
    "cell_text", "choice_lookup", "codes_of", "commit", "fmt_decimal", "for_row", "import_kind", "import_kinds",
    "limits", "normalise_header", "parse_bool", "parse_choice", "parse_code", "parse_date", "parse_decimal",
    "parse_int", "parse_text", "read_table", "register_import_kind", "table_from_json", "table_to_json",
    "template_workbook", "validate", "validation_text", "zip_is_xlsx",
]
