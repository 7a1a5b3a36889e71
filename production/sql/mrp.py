"""Writing an MRP run's output with PostgreSQL COPY: hundreds of thousands of computed rows (planned
orders, pegs, record days) in seconds, where INSERT statements built by the ORM take minutes. Used by
production.services.mrp only; the rows carry no signals and no audit (computed data, its run is
audited)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """A value in COPY's text format: NULL as \\N, text escaped; numbers, dates and booleans as
    ``str`` gives them (PostgreSQL reads "True", "2026-12-08", "1E+2")."""
    if value is None:
        return "\\N"
    if value.__class__ is str:
        return str(value).translate(ESCAPES)
    return str(value)


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` (values in the order of ``fields``, model field names) into ``model``'s table in
    one statement; returns the number of rows."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in fields)
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(copy_text(value) for value in row))
        buffer.write("\n")
        count += 1
    if not count:
        return 0
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN", buffer)
    return count


def lock_company_runs(key: int, company_id: int) -> None:
    """A transaction-scoped advisory lock on the company's MRP runs: who starts a run waits for whoever
    is starting one (there is no row to lock before the run exists)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [key, company_id])
