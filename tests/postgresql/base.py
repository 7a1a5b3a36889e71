"""PostgreSQL for the tests (ENGINE in erp/settings_test.py): Django's backend with a faster flush.

A `transaction=True` test (threads racing, the live server, the Celery worker) commits, so
pytest-django empties every table after it with Django's flush: one TRUNCATE of all tables, which
recreates each table's files and took 1 to 1.5 s here, each time. Those tests leave a few rows, and
DELETE removes a few rows in milliseconds. With triggers off for the flush's transaction
(session_replication_role = replica) neither foreign keys nor the append-only guard on stock moves
(inventory migration 0002) get in the way. That setting needs a superuser (the postgres user of
`make test` is one); for any other user the flush stays Django's TRUNCATE.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations

from tests.postgresql.creation import DatabaseCreation


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: list[str], *, reset_sequences: bool = False,
                  allow_cascade: bool = False) -> list[str]:
        if not tables or reset_sequences or not self.connection.is_superuser():
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables),
            "SET LOCAL session_replication_role = DEFAULT",
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    creation_class = DatabaseCreation

    def is_superuser(self) -> bool:
        if not hasattr(self, "_is_superuser"):
            with self.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
            self._is_superuser = bool(row and row[0])
        return self._is_superuser
