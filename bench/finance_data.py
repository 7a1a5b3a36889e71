"""Generate a finance bench company: the Taiwan chart, and N posted journal entries of 4 lines each
(two debits, two credits) over one fiscal year across ~100 accounts, written with PostgreSQL COPY in one
transaction; then the period balance rows the reports read, with one INSERT … SELECT … GROUP BY
(slot 0), and VACUUM (ANALYZE).

Used by bench/finance.py, which makes the company when it is missing (bench/README.md, "Finance").

- The chart, its roles and journals, the fiscal year and its periods go through the services
  (``chart_install``, ``fiscal_year_ensure``); the entries and lines are written directly.
- Entries are spread evenly over the year, oldest first (ids follow the dates), over the five default
  journals (sales 30 %, purchases 20 %, bank 20 %, inventory 20 %, general 10 %), each numbered from
  the journal's gapless series in date order; the number counters are saved, so postings through
  ``entry_record`` afterwards carry on the series.
- Accounts: the role accounts and other leaf accounts of the chart up to ``accounts``, chosen with Zipf
  weights (1/rank): the bank account (rank 1) carries about a fifth of the lines, the last one about
  1/500th. Amounts 1.00–100,000.00 on each debit; the credits split their total.
- As a superuser the rows are written with ``session_replication_role = replica`` (no foreign-key or
  ledger triggers for this transaction: the rows are consistent by construction, and checked after
  loading by one query); otherwise the lines go first and the ledger's triggers check every entry.
- No audit entries are written for the generated entries (the reports do not read them).
"""

from __future__ import annotations

import datetime
import io
import random
import re
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from erp.fiscal import fiscal_year_of
from erp.models import Company
from erp.roles import SYSTEM_ADMIN
from finance import chart
from finance import status as st
from finance.models import Account, AccountBalance, AccountRoleAccount, Journal, JournalEntry, JournalLine
from finance.services.setup import chart_install, fiscal_year_ensure
from inventory.management.commands.generate_inventory_data import CopyBuffer
from sales.management.commands.generate_sales_data import Numbers, take_ids

CHUNK = 20000  # entries per COPY round
JOURNAL_SHARES = {st.JournalKind.SALES: 30, st.JournalKind.PURCHASES: 20, st.JournalKind.BANK: 20,
                  st.JournalKind.INVENTORY: 20, st.JournalKind.GENERAL: 10}
ENTRY_COLUMNS = ["id", "company_id", "number", "status", "document_date", "created_by_id", "created_at",
                 "updated_by_id", "updated_at", "journal_id", "period_id", "memo", "source_reference", "total",
                 "closing", "posted_at", "posted_by_id"]
LINE_COLUMNS = ["entry_id", "company_id", "line_no", "account_id", "date", "debit", "credit", "description",
                "closing"]


class LineBuffer:
    """The lines' COPY buffer, formatted straight from integers (4 rows an entry: the hot loop)."""

    def __init__(self):
        names = {f.attname: f.column for f in JournalLine._meta.concrete_fields}
        self.sql = f'COPY "{JournalLine._meta.db_table}" ({", ".join(names[c] for c in LINE_COLUMNS)}) FROM STDIN'
        self.buffer, self.rows, self.written = io.StringIO(), 0, 0

    def add(self, entry_id, company_id, line_no, account_id, date, debit_cents, credit_cents):
        self.buffer.write(f"{entry_id}\t{company_id}\t{line_no}\t{account_id}\t{date}\t{money(debit_cents)}\t"
                          f"{money(credit_cents)}\t\tf\n")
        self.rows += 1

    def flush(self, cursor):
        if self.rows:
            self.buffer.seek(0)
            cursor.copy_expert(self.sql, self.buffer)
            self.written += self.rows
            self.buffer, self.rows = io.StringIO(), 0


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def say(stdout, text):
    stdout.write(text + "\n")
    stdout.flush()


def bench_user(company, password):
    User = get_user_model()
    username = re.sub(r"[^a-z0-9._-]", "-", company.code.lower())
    user = User.objects.filter(username=username).first()
    if user is not None and user.company_id != company.pk:
        raise SystemExit(f"user {username!r} belongs to another company")
    if user is None:
        user = User(username=username, company=company, first_name="Bench", is_staff=True)
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=SYSTEM_ADMIN))
    return user


def pick_accounts(company, count):
    """The role accounts first (bank first: the busiest), then other leaf accounts spread over the
    chart, up to ``count``."""
    roles = dict(AccountRoleAccount.objects.filter(company=company, item_category=None, warehouse=None)
                 .values_list("role", "account_id"))
    chosen = [roles[st.AccountRole.BANK]]
    for role in st.AccountRole.values:
        if roles.get(role) and roles[role] not in chosen:
            chosen.append(roles[role])
    others = list(Account.objects.filter(company=company, is_group=False, is_active=True)
                  .exclude(pk__in=chosen).order_by("code").values_list("pk", flat=True))
    step = max(len(others) / max(count - len(chosen), 1), 1)
    chosen += [others[int(n * step)] for n in range(min(count - len(chosen), len(others)))]
    return chosen[:count]


def generate(*, code, entries, seed=1, accounts=100, password=None, stdout):
    """Make company ``code`` with ``entries`` posted entries in the current fiscal year; returns it."""
    started = time.monotonic()
    rng = random.Random(seed)
    company, _created = Company.objects.get_or_create(code=code, defaults={"name": f"Finance bench {code}"})
    if JournalEntry.objects.filter(company=company).exists():
        raise SystemExit(f"company {code} already has journal entries: choose another --company")
    user = bench_user(company, password or settings.DEMO_PASSWORD)
    chart_install(company=company, template="tw", actor=user)
    year = fiscal_year_of(company, timezone.localdate())
    fiscal_year = fiscal_year_ensure(company=company, year=year)
    periods = list(fiscal_year.periods.order_by("start"))
    account_ids = pick_accounts(company, accounts)
    weights, total = [], 0.0
    for rank in range(1, len(account_ids) + 1):
        total += 1 / rank
        weights.append(total)
    journals = {j.kind: j for j in Journal.objects.filter(company=company, code__in=[c for c, _n, _k in
                                                                                     chart.DEFAULT_JOURNALS])}
    journal_kinds = list(JOURNAL_SHARES)
    journal_weights = list(JOURNAL_SHARES.values())
    say(stdout, f"company {code}: Taiwan chart, {len(account_ids)} accounts in use, fiscal year {year} "
                f"({fiscal_year.start} – {fiscal_year.end}), {entries:,} entries of 4 lines")

    numbers = Numbers(company)
    entry_buffer = CopyBuffer(JournalEntry, ENTRY_COLUMNS)
    lines = LineBuffer()
    days = (fiscal_year.end - fiscal_year.start).days + 1
    period_of_day = [next(p for p in periods if p.start <= fiscal_year.start + datetime.timedelta(days=d) <= p.end)
                     for d in range(days)]
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            triggers_off = bool(cursor.fetchone()[0])
            if triggers_off:
                cursor.execute("SET LOCAL session_replication_role = replica")
        say(stdout, "foreign-key and ledger triggers off for this transaction (superuser)" if triggers_off else
            "not a superuser: the ledger's triggers check every entry")
        loading = time.monotonic()
        done = 0
        while done < entries:
            size = min(CHUNK, entries - done)
            ids = take_ids(JournalEntry, size)
            for n, entry_id in zip(range(done, done + size), ids, strict=True):
                offset = min(int(days * (n + rng.random()) / entries), days - 1)
                day = fiscal_year.start + datetime.timedelta(days=offset)
                kind = rng.choices(journal_kinds, weights=journal_weights)[0]
                journal = journals[kind]
                a, b = rng.randint(100, 10_000_000), rng.randint(100, 10_000_000)
                c = (a + b) * rng.randint(10, 90) // 100
                first, second, third, fourth = rng.choices(account_ids, cum_weights=weights, k=4)
                lines.add(entry_id, company.pk, 1, first, day, a, 0)
                lines.add(entry_id, company.pk, 2, second, day, b, 0)
                lines.add(entry_id, company.pk, 3, third, day, 0, c)
                lines.add(entry_id, company.pk, 4, fourth, day, 0, a + b - c)
                entry_buffer.add(entry_id, company.pk, numbers.take(journal.number_type, day), "posted", day, user.pk,
                                 now, user.pk, now, journal.pk, period_of_day[offset].pk, "", "",
                                 money(a + b), False, now, user.pk)
            with connection.cursor() as cursor:
                lines.flush(cursor)  # before their entries: with triggers on, a posted entry needs its lines
                entry_buffer.flush(cursor)
            done += size
            if done % (CHUNK * 10) == 0 or done == entries:
                elapsed = time.monotonic() - loading
                say(stdout, f"entries: {done:,}/{entries:,}  {done / elapsed:,.0f}/s  ({lines.written:,} lines)")
        numbers.save()
        balances_started = time.monotonic()
        rows = balances_insert(company)
        say(stdout, f"account balances: {rows:,} rows (slot 0) in {time.monotonic() - balances_started:.1f} s")
        if triggers_off:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
    vacuum_started = time.monotonic()
    with connection.cursor() as cursor:  # the visibility map too: index-only scans, as on a settled database
        for model in (JournalEntry, JournalLine, AccountBalance):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
    say(stdout, f"VACUUM (ANALYZE) in {time.monotonic() - vacuum_started:.1f} s")
    check(company, stdout)
    say(stdout, f"generated in {time.monotonic() - started:.1f} s")
    return company


def balances_insert(company):
    """The period balance rows (slot 0) from the lines, as the postings would have added them."""
    balance, line, entry = (m._meta.db_table for m in (AccountBalance, JournalLine, JournalEntry))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {balance} (company_id, account_id, period_id, slot, closing, debit, credit, line_count) "
            f"SELECT l.company_id, l.account_id, e.period_id, 0, l.closing, sum(l.debit), sum(l.credit), count(*) "
            f"FROM {line} l JOIN {entry} e ON e.id = l.entry_id WHERE l.company_id = %s "
            f"GROUP BY l.company_id, l.account_id, e.period_id, l.closing", [company.pk])
        return cursor.rowcount


def check(company, stdout):
    """One query over the lines: every entry balanced, with 4 lines dated as the entry; the balance rows
    equal the lines' sums."""
    started = time.monotonic()
    line, entry, balance = (m._meta.db_table for m in (JournalLine, JournalEntry, AccountBalance))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT e.id FROM {entry} e JOIN {line} l ON l.entry_id = e.id "
            f"WHERE e.company_id = %s GROUP BY e.id, e.total, e.document_date "
            f"HAVING sum(l.debit) <> sum(l.credit) OR sum(l.debit) <> e.total OR count(*) < 2 "
            f"OR bool_or(l.date <> e.document_date)) bad", [company.pk])
        unbalanced = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT (SELECT coalesce(sum(debit), 0) - coalesce(sum(credit), 0) FROM {balance} WHERE company_id = %s), "
            f"(SELECT coalesce(sum(debit), 0) FROM {balance} WHERE company_id = %s) "
            f"- (SELECT coalesce(sum(debit), 0) FROM {line} WHERE company_id = %s)", [company.pk] * 3)
        difference, missing = cursor.fetchone()
    if unbalanced or difference or missing:
        raise SystemExit(f"generated ledger is wrong: {unbalanced} bad entries, balances off by {difference}, "
                         f"{missing} not in the balances")
    say(stdout, f"checked: every entry balanced, balances = lines ({time.monotonic() - started:.1f} s)")
