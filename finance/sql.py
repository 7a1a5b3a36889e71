"""Finance's hand-written SQL (docs/architecture.md, "Hand-written SQL"); tests/finance/test_sql.py
proves each statement gives what the ORM formulation would."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from finance.models import AccountBalance, Period

BALANCE_SLOTS = 8


def period_lock_for_posting(period_id: int) -> str:
    """The period's status, read under FOR KEY SHARE: postings do not wait for each other, but a
    period being closed (FOR UPDATE) makes them wait and then read the closed status.

    Why raw: the ORM has no FOR KEY SHARE (select_for_update would make postings queue on the row)."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(f"SELECT status FROM {Period._meta.db_table} WHERE id = %s FOR KEY SHARE", [period_id])
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def period_of_day_lock_for_posting(company_id: int, day: datetime.date) -> tuple[int, str] | None:
    """(id, status) of the company's period holding ``day``, locked as ``period_lock_for_posting``
    locks it, in one statement (every posting takes it); None when no period holds the day yet."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(f'SELECT id, status FROM {Period._meta.db_table} WHERE company_id = %s AND start <= %s '
                       f'AND "end" >= %s FOR KEY SHARE', [company_id, day, day])
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


def balances_add(*, company_id: int, period_id: int, closing: bool,
                 amounts: Iterable[tuple[int, Decimal, Decimal]]) -> None:
    """Add ``amounts`` ([(account id, debit, credit)], one per line) to the period's balance rows, with
    the number of lines per account, in one statement.

    The slot is the connection's backend pid modulo BALANCE_SLOTS: concurrent postings from different
    connections update different rows (no queue on the inventory account's one row), one connection's
    postings always the same one. Rows are upserted in account order, so two postings lock them in the
    same order. Why raw: INSERT … ON CONFLICT DO UPDATE with an increment (the ORM's update_or_create
    reads first and needs a lock of its own)."""
    summed: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for account_id, debit, credit in amounts:
        summed[account_id][0] += debit
        summed[account_id][1] += credit
        summed[account_id][2] += 1
    if not summed:
        return
    rows = sorted(summed.items())
    values = ", ".join(["(%s, %s, %s, %s, %s::numeric, %s::numeric, %s::bigint)"] * len(rows))
    params: list[object] = []
    for account_id, (debit, credit, count) in rows:
        params += [company_id, account_id, period_id, closing, debit, credit, int(count)]
    table = AccountBalance._meta.db_table
    sql = (f"INSERT INTO {table} (company_id, account_id, period_id, closing, debit, credit, line_count, slot) "
           f"SELECT v.company_id, v.account_id, v.period_id, v.closing, v.debit, v.credit, v.line_count, "
           f"pg_backend_pid() %% {BALANCE_SLOTS} "
           f"FROM (VALUES {values}) AS v(company_id, account_id, period_id, closing, debit, credit, line_count) "
           f"ON CONFLICT (account_id, period_id, closing, slot) DO UPDATE "
           f"SET debit = {table}.debit + EXCLUDED.debit, credit = {table}.credit + EXCLUDED.credit, "
           f"line_count = {table}.line_count + EXCLUDED.line_count")
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, params)
