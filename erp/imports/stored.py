"""A ``Table`` as JSON, so a file is parsed once: the upload stores what it read, and the preview and the
commit load it instead of reading the spreadsheet again.

Cells keep their type: text, whole and decimal numbers, yes/no and empty as JSON; dates, times, date-times
and durations (what openpyxl gives for cells formatted so) tagged as ``{"t": "date", "v": "2026-11-25"}``.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from erp.imports.engine import Table

FORMAT = 1


def encode_cell(value: object) -> object:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime.datetime):
        return {"t": "datetime", "v": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"t": "time", "v": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {"t": "timedelta", "v": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"t": "decimal", "v": str(value)}
    return str(value)  # nothing else comes out of the readers; keep what the user would see


def decode_cell(value: object) -> object:
    if not isinstance(value, dict):
        return value
    kind, text = value["t"], value["v"]
    if kind == "datetime":
        return datetime.datetime.fromisoformat(text)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "time":
        return datetime.time.fromisoformat(text)
    if kind == "timedelta":
        return datetime.timedelta(seconds=text)
    return Decimal(text)


def table_to_json(table: Table) -> bytes:
    keys = list(table.headers)
    return json.dumps({
        "format": FORMAT, "kind": table.kind, "filename": table.filename, "headers": table.headers,
        "ignored": table.ignored_headers, "keys": keys,
        "rows": [[number, [encode_cell(raw.get(key)) for key in keys]] for number, raw in table.rows],
    }, ensure_ascii=False, separators=(",", ":")).encode()


def table_from_json(data: bytes) -> Table:
    """The stored table; ValueError (or KeyError) when ``data`` is not one (another format, damaged)."""
    stored = json.loads(data)
    if stored.get("format") != FORMAT:
        raise ValueError("not a stored import table")
    keys = stored["keys"]
    return Table(kind=stored["kind"], filename=stored["filename"], headers=stored["headers"],
                 ignored_headers=stored["ignored"],
                 rows=[(number, dict(zip(keys, map(decode_cell, cells), strict=True)))
                       for number, cells in stored["rows"]])
