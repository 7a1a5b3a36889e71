"""Office's hand-written SQL (docs/architecture.md, "Hand-written SQL"): the only module of
``office`` that opens a cursor; tests/office/test_sql.py proves it does what the ORM would."""

from __future__ import annotations

from django.db import transaction

from office.models import Task


def tasks_follow_reference(*, document_type_id: int, document_id: int, reference: str, open_status: str,
                           status: str) -> list[tuple[int, str, str, bool]]:
    """Give a document's tasks its new ``reference`` and return, for every task that either changed
    its reference or is open and waits for ``status`` (those are locked by the UPDATE), (id, old
    reference, title, waits for ``status``). The ORM formulation: select those tasks for update,
    then ``update(document_reference=reference)``.

    Why raw: every document transition runs it (a confirmation, a posting); one UPDATE … RETURNING
    where the ORM needs a SELECT and an UPDATE (bench/README.md, "Sales figures": "the task
    follow-up: one UPDATE … RETURNING"). The self-join on ``old`` reads the reference before the
    change, for the audit entry."""
    table = Task._meta.db_table
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} t SET document_reference = %(reference)s FROM {table} old "
            "WHERE old.id = t.id AND t.document_type_id = %(type)s AND t.document_id = %(id)s "
            "AND (t.document_reference <> %(reference)s OR (t.status = %(open)s AND t.close_on_status = %(status)s)) "
            "RETURNING t.id, old.document_reference, t.title, t.status = %(open)s AND t.close_on_status = %(status)s",
            {"reference": reference, "type": document_type_id, "id": document_id, "open": open_status,
             "status": status},
        )
        return [(pk, old, title, bool(waits)) for pk, old, title, waits in cursor.fetchall()]
