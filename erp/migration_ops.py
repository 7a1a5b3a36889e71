"""Operations the departments' migrations share.

``text_ids_to_integers``: a generic reference's id stored as text (``CharField(64)``, blank for
none) becomes a ``PositiveBigIntegerField(null=True)``. Django's own AlterField would cast with
``USING col::bigint``, which fails on the blanks, and would need an UPDATE first — which the stock
ledger's append-only trigger refuses. One ALTER per table instead: blank becomes NULL, the rest is
cast (a value that is not a number fails the migration loudly rather than losing a link), the
indexes on the column are rebuilt by PostgreSQL, and the CHECK (>= 0) gets the name Django would
give it. Reversible.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def check_name(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str) -> str:
    """The name Django's AlterField gives a positive integer column's CHECK constraint."""
    name: str = schema_editor._create_index_name(table, [column], suffix="_check")  # type: ignore[attr-defined]
    return name


def text_ids_to_integers(table: str, columns: Sequence[str], *,
                         renamed: dict[str, str] | None = None) -> migrations.RunPython:
    """A RunPython turning ``columns`` of ``table`` from text to bigint in one ALTER TABLE.

    ``renamed`` maps a column's new name to its old one (renamed first, e.g. line_key → line_id)."""
    renamed = renamed or {}

    def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        quote = schema_editor.quote_name
        for new, old in renamed.items():
            schema_editor.execute(f"ALTER TABLE {quote(table)} RENAME COLUMN {quote(old)} TO {quote(new)}")
        changes: list[str] = []
        for column in columns:
            name = quote(column)
            check = quote(check_name(schema_editor, table, column))
            changes += [f"ALTER COLUMN {name} DROP NOT NULL",
                        f"ALTER COLUMN {name} TYPE bigint USING NULLIF({name}, '')::bigint",
                        f"ADD CONSTRAINT {check} CHECK ({name} >= 0)"]
        schema_editor.execute(f"ALTER TABLE {quote(table)} " + ", ".join(changes))

    def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        quote = schema_editor.quote_name
        changes: list[str] = []
        for column in columns:
            name = quote(column)
            check = quote(check_name(schema_editor, table, column))
            changes += [f"DROP CONSTRAINT IF EXISTS {check}",
                        f"ALTER COLUMN {name} TYPE varchar(64) USING coalesce({name}::text, '')",
                        f"ALTER COLUMN {name} SET NOT NULL"]
        schema_editor.execute(f"ALTER TABLE {quote(table)} " + ", ".join(changes))
        for new, old in renamed.items():
            schema_editor.execute(f"ALTER TABLE {quote(table)} RENAME COLUMN {quote(new)} TO {quote(old)}")

    return migrations.RunPython(forward, backward, elidable=False)

