"""Finance ledger benchmark: the reports over a generated year of entries, an account's ledger detail,
and postings per second through ``finance.services.ledger.entry_record`` from several clients.

    .venv/bin/python bench/finance.py                                   # 1,000,000 entries, 4,000,000 lines
    .venv/bin/python bench/finance.py --entries 20000 --seconds 5 --rounds 1     # a quick check, < 1 min

The bench has a database of its own: the environment's DATABASE_URL with the database name
``erp_bench_finance`` (``--database-url`` names another), created when missing and migrated when a
migration is pending. A company ``FIN<entries>`` (FIN1000000, FIN20000) is generated the first time
(bench/finance_data.py: the Taiwan chart, the entries and lines by COPY, the balance rows by one
INSERT … SELECT … GROUP BY) and reused afterwards; the postings below add to it.

Figures, every round and the median (``--rounds``), in this process:

- ``trial_balance`` for the fiscal year; ``profit_and_loss`` for the year; ``trial_balance`` from the
  15th of the third month to the year's end (the opening and the first half-month read the lines);
- the busiest account's ledger detail (``selectors.ledger_lines``, page size 50): the line count, the
  first page and page ``--deep-page`` (500), each with ``selectors.balance_before`` its first line;
- postings per second for ``--seconds`` each: 1 client; ``--clients`` clients on random accounts (a
  journal each); the clients on the same 4 accounts (a journal each), the same with one balance slot
  instead of finance.sql.BALANCE_SLOTS (what the slots buy), and the clients on the same accounts and
  the same journal (its gapless number counter is one row: they queue on it). Each client is a thread
  with its own database connection posting 4-line entries dated today, one transaction each.

``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of every report statement slower than 100 ms.
The load average (os.getloadavg) and the commit are printed with the figures.
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file is bench/finance.py: with bench/ first on the path, ``import finance`` would find it
# instead of the finance app. The project first, bench/ (for finance_data) last.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

BENCH_DATABASE = "erp_bench_finance"
SLOW_MS = 100


def bench_database_url(explicit):
    """The bench's database URL (the environment's server, database erp_bench_finance), created if missing."""
    import psycopg2

    if explicit:
        url = explicit
    else:
        base = urlsplit(os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/erp")
        url = base._replace(path=f"/{BENCH_DATABASE}").geturl()
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = psycopg2.connect(parts._replace(path="/postgres").geturl())
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"creating database {name}", flush=True)
            cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()
    return url


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        started = time.monotonic()
        print("migrating the bench database …", flush=True)
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.monotonic() - started:.0f} s", flush=True)


def load():
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def commit():
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)

    head = git("rev-parse", "--short", "HEAD").stdout.strip() or "?"
    dirty = git("diff", "--quiet", "HEAD", "--", "finance").returncode != 0
    return head + (" (finance/ has uncommitted changes)" if dirty else "")


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


# Reports ------------------------------------------------------------------------------------------


class Statements:
    """Times every statement run inside (connection.execute_wrapper); keeps the slow ones."""

    def __init__(self):
        self.slow = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            if ms > SLOW_MS and sql.lstrip().upper().startswith("SELECT"):
                self.slow.append((ms, sql, params))


def explain(label, slow):
    from django.db import connection

    for ms, sql, params in slow:
        print(f"\n--- {label}: {ms:.0f} ms\n{sql % tuple(repr(p) for p in params or ())}")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print("\n".join(row[0] for row in cursor.fetchall()))


def reports(company, rounds, deep_page, page_size, show_plans):
    from django.db import connection
    from django.db.models import Count

    from finance import selectors
    from finance.models import Account, FiscalYear, JournalLine

    fiscal_year = FiscalYear.objects.filter(company=company).order_by("-year").first()
    start, end = fiscal_year.start, fiscal_year.end
    mid = datetime.date(start.year + (start.month + 1) // 12, (start.month + 1) % 12 + 1, 15)
    busiest = (JournalLine.objects.filter(company=company).values("account").order_by()
               .annotate(n=Count("id")).order_by("-n").first())
    account = Account.objects.get(pk=busiest["account"])
    print(f"\nbusiest account: {account.code} {account.name_en} ({busiest['n']:,} lines); trial balance from {mid}")

    def ledger(page):
        def run():
            # as the screen (finance.views.reports.account_ledger) reads it: the count and the totals
            # from the balance rows, the page by its ids, the balance brought forward
            lines = selectors.ledger_lines(account, date_from=start, date_to=end)
            t0 = time.perf_counter()
            count = selectors.ledger_line_count(account, date_from=start, date_to=end)
            t1 = time.perf_counter()
            shown = min(page, max(1, -(-count // page_size)))  # the last page when there are fewer
            rows = selectors.ledger_page(lines, (shown - 1) * page_size, page_size)
            t2 = time.perf_counter()
            opening = selectors.balance_before(account, date_from=start, first_line=rows[0])
            t3 = time.perf_counter()
            selectors.movements(company.pk, date_from=start, date_to=end, account_ids=[account.pk])
            t4 = time.perf_counter()
            return f"count {(t1 - t0) * 1000:.1f} + page {(t2 - t1) * 1000:.1f} + balance before " \
                   f"{(t3 - t2) * 1000:.1f} + totals {(t4 - t3) * 1000:.1f} ms (page {shown} of {count:,} lines, " \
                   f"opening {opening:,})"
        return run

    def trial_balance_year():
        return f"{len(selectors.trial_balance(company, date_from=start, date_to=end).rows)} rows"

    def profit_and_loss_year():
        return f"profit {selectors.profit_and_loss(company, date_from=start, date_to=end).totals['profit']:,}"

    def trial_balance_from_mid_month():
        return f"{len(selectors.trial_balance(company, date_from=mid, date_to=end).rows)} rows"

    plan = [
        ("trial balance, year", trial_balance_year),
        ("profit and loss, year", profit_and_loss_year),
        (f"trial balance, {mid:%m-%d} to year end", trial_balance_from_mid_month),
        ("ledger detail, page 1", ledger(1)),
        (f"ledger detail, page {deep_page}", ledger(deep_page)),
    ]
    times = {label: [] for label, _fn in plan}
    slow = {}
    print(f"\nreports: {rounds} round(s), load {load()}")
    for n in range(1, rounds + 1):
        for label, fn in plan:
            statements = Statements()
            with connection.execute_wrapper(statements):
                started = time.perf_counter()
                what = fn()
                ms = (time.perf_counter() - started) * 1000
            times[label].append(ms)
            slow.setdefault(label, statements.slow)
            print(f"  round {n}: {label:34s} {ms:9.1f} ms  ({what})", flush=True)
    print(f"\nreports, median of {rounds} (ms; every round):")
    for label, values in times.items():
        print(f"  {label:34s} {median(values):9.1f}   ({', '.join(f'{v:.1f}' for v in values)})")
    if show_plans:
        for label, statements in slow.items():
            explain(label, statements)


# Postings --------------------------------------------------------------------------------------------


def bench_journals(company, count):
    """A journal per client (XB1, XB2, …: their own number series), made when missing."""
    from finance import status as st
    from finance.models import Journal

    codes = [f"XB{n}" for n in range(1, count + 1)]
    have = set(Journal.objects.filter(company=company, code__in=codes).values_list("code", flat=True))
    Journal.objects.bulk_create([Journal(company=company, code=code, name=f"Bench client {code}",
                                         kind=st.JournalKind.GENERAL) for code in codes if code not in have])
    return list(Journal.objects.filter(company=company, code__in=codes).order_by("code"))


def deadlocks():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def posting_round(company, user, journals, accounts, same, clients, seconds, seed):
    """(entries posted, seconds, latencies, errors) for ``clients`` threads posting for ``seconds``."""
    from django.db import connection
    from django.utils import timezone

    from finance.services.ledger import Line, entry_record

    today = timezone.localdate()
    barrier = threading.Barrier(clients)
    lock = threading.Lock()
    latencies, errors = [], {}
    fixed = accounts[:4]

    def client(index):
        rng = random.Random(seed * 1000 + index)
        journal = journals[index % len(journals)]
        mine = []
        try:
            barrier.wait(timeout=60)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                first, second, third, fourth = fixed if same else rng.sample(accounts, 4)
                a, b = rng.randint(100, 10_000_000), rng.randint(100, 10_000_000)
                c = (a + b) * rng.randint(10, 90) // 100
                lines = [Line(first, debit=cents(a)), Line(second, debit=cents(b)), Line(third, credit=cents(c)),
                         Line(fourth, credit=cents(a + b - c))]
                started = time.perf_counter()
                try:
                    entry_record(company=company, journal=journal, date=today, lines=lines, actor=user,
                                 memo="bench")
                except Exception as exc:  # counted and shown: a bench reports, it does not stop
                    key = f"{type(exc).__name__}: {str(exc)[:120]}"
                    with lock:
                        errors[key] = errors.get(key, 0) + 1
                else:
                    mine.append(time.perf_counter() - started)
        finally:
            with lock:
                latencies.extend(mine)
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), time.monotonic() - started, latencies, errors


def cents(value):
    from decimal import Decimal

    return Decimal(value) / 100


def postings(company, user, rounds, seconds, clients, seed, account_count):
    from django.utils import timezone
    from finance_data import pick_accounts

    from finance import sql
    from finance.models import Account, AccountBalance, Period

    ids = pick_accounts(company, account_count)
    by_id = Account.objects.in_bulk(ids)
    accounts = [by_id[pk] for pk in ids]
    journals = bench_journals(company, clients)
    scenarios = [
        ("1 client, random accounts", 1, False, journals[:1], None),
        (f"{clients} clients, random accounts, a journal each", clients, False, journals, None),
        (f"{clients} clients, the same 4 accounts, a journal each", clients, True, journals, None),
        (f"{clients} clients, the same 4 accounts, a journal each, 1 balance slot", clients, True, journals, 1),
        (f"{clients} clients, the same 4 accounts, one journal", clients, True, journals[:1], None),
    ]
    today = timezone.localdate()
    period = Period.objects.get(company=company, start__lte=today, end__gte=today)

    def slot_rows(of_accounts, period):
        return {(account, slot): (debit, credit) for account, slot, debit, credit in AccountBalance.objects.filter(
            account__in=of_accounts, period=period, closing=False).values_list("account_id", "slot", "debit",
                                                                               "credit")}

    summary = []
    for label, count, same, their_journals, slots in scenarios:
        print(f"\npostings: {label}, {rounds} round(s) of {seconds:.0f} s, load {load()}", flush=True)
        rates = []
        saved = sql.BALANCE_SLOTS
        slots_before = slot_rows(accounts[:4], period)
        before = deadlocks()
        try:
            if slots is not None:
                sql.BALANCE_SLOTS = slots  # bench only: what one balance row per account and period does
            for n in range(1, rounds + 1):
                posted, elapsed, latencies, errors = posting_round(company, user, their_journals, accounts, same,
                                                                   count, seconds, seed + n)
                rate = posted / elapsed
                rates.append(rate)
                print(f"  round {n}: {posted:,} entries in {elapsed:.1f} s = {rate:,.1f}/s  p50 "
                      f"{percentile(latencies, 0.5) * 1000:.1f} ms  p95 {percentile(latencies, 0.95) * 1000:.1f} ms"
                      f"  load {load()}", flush=True)
                for key, times in sorted(errors.items(), key=lambda kv: -kv[1]):
                    print(f"    failed ×{times}: {key}")
        finally:
            sql.BALANCE_SLOTS = saved
        if same:
            changed = {key for key, value in slot_rows(accounts[:4], period).items() if slots_before.get(key) != value}
            print(f"  balance rows the postings added to: {len(changed)} (4 accounts × "
                  f"{slots or sql.BALANCE_SLOTS} slot(s); a slot is a connection's backend pid modulo the slots)")
        print(f"  deadlocks: {deadlocks() - before}")
        summary.append((label, rates))
    print(f"\npostings per second, median of {rounds} (every round):")
    for label, rates in summary:
        print(f"  {label:70s} {median(rates):8.1f}   ({', '.join(f'{r:.1f}' for r in rates)})")


# Main ---------------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="journal entries of 4 lines (default 1,000,000)")
    parser.add_argument("--company", default=None, help="company code (default FIN<entries>)")
    parser.add_argument("--accounts", type=int, default=100, help="accounts the entries use (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each figure (default 3)")
    parser.add_argument("--seconds", type=float, default=20, help="seconds of each posting round (default 20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent posting clients (default 8)")
    parser.add_argument("--deep-page", type=int, default=500, help="the ledger detail's deep page (default 500)")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--no-postings", action="store_true", help="the reports only")
    parser.add_argument("--no-reports", action="store_true", help="the postings only")
    parser.add_argument("--explain", action="store_true", help=f"EXPLAIN ANALYZE report statements > {SLOW_MS} ms")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None,
                        help=f"default: DATABASE_URL's server, database {BENCH_DATABASE} (created if missing)")
    args = parser.parse_args(argv)

    setup_django(bench_database_url(args.database_url))
    from django.conf import settings
    from django.db import connection
    from finance_data import generate

    from erp.models import Company, User
    from finance.models import AccountBalance, JournalEntry, JournalLine

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC  commit {commit()}  load {load()}  "
          f"cpus {os.cpu_count()}  PostgreSQL {server}  database {connection.settings_dict['NAME']}"
          f"  DEBUG={settings.DEBUG}")
    if settings.DEBUG:
        print("warning: DEBUG is on (every query is recorded): run with DEBUG=0 for figures worth writing down")
    code = (args.company or f"FIN{args.entries}").upper()
    company = Company.objects.filter(code=code).first()
    if company is None or not JournalEntry.objects.filter(company=company).exists():
        print(f"\ngenerating {code} …", flush=True)
        company = generate(code=code, entries=args.entries, seed=args.seed, accounts=args.accounts,
                           stdout=sys.stdout)
    user = User.objects.filter(company=company, is_staff=True).order_by("pk").first()
    print(f"\n{code}: {JournalEntry.objects.filter(company=company).count():,} entries, "
          f"{JournalLine.objects.filter(company=company).count():,} lines, "
          f"{AccountBalance.objects.filter(company=company).count():,} balance rows")
    if not args.no_reports:
        reports(company, args.rounds, args.deep_page, args.page_size, args.explain)
    if not args.no_postings:
        postings(company, user, args.rounds, args.seconds, args.clients, args.seed, args.accounts)
    print(f"\nend: load {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
