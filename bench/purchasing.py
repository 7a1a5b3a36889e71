"""Purchasing benchmarks: consolidation of requisition lines into orders, receipt posting over HTTP
against the raw-SQL ceiling, and the purchase order list's response times.

    .venv/bin/python manage.py generate_purchasing_data --company PBENCH          # once (bench/README.md)
    .venv/bin/python bench/purchasing.py consolidate --company PBENCH --lines 10000 --rounds 3
    .venv/bin/python bench/purchasing.py receipts --company PBENCH --serve --clients 8 --rounds 3
    .venv/bin/python bench/purchasing.py pages --company PBENCH --serve --runs 50

``consolidate`` takes ``--lines`` random open requisition lines per round and turns them into purchase
orders through ``purchasing.services.consolidation.requisition_lines_consolidate`` as the company's
Purchasing manager, in this process; it prints the seconds, lines/s, orders and order lines made
and the number of SQL statements (which must not grow with the lines: one statement per batch, not
per line). ``--rollback`` undoes each round, so a round can be repeated on the same lines.

``receipts`` prepares ``--drafts`` draft goods receipts for open lines of approved or sent orders
(items neither lot-tracked nor inspected, through ``purchasing.services.receiving.receipt_create_for_order``),
then in each round lets ``--clients`` threads post them through POST /api/purchasing/receipts/<id>/post/
for ``--seconds`` seconds and runs ../shared/bench/raw-sql-ceiling with as many clients right after:
it prints receipts/s, p50/p95 and the ratio to the ceiling per round and their median. Start the
server as bench/README.md shows, or pass ``--serve`` (gunicorn, DEBUG=0).

``pages`` logs in like a browser and times the purchase order list (first page; filtered by
supplier; filtered by status), the order page and the workbench: p50/p95/max over ``--runs``.
"""

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from inventory_pages import percentile  # noqa: E402
from sales_confirm import DEFAULT_CEILING, Http, run_ceiling, start_server, stop_server, wait_for  # noqa: E402
from sales_pages import TimedClient, sample_ids  # noqa: E402

from erp.models import Company, User  # noqa: E402
from purchasing import status as st  # noqa: E402
from purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseRequisitionLine, Supplier  # noqa: E402


class Rollback(Exception):
    pass


def company_and_user(code, username=None, role="Purchasing manager"):
    company = Company.objects.filter(code=code.upper()).first()
    if company is None:
        raise SystemExit(f"no company {code}: run manage.py generate_purchasing_data first")
    users = User.objects.filter(company=company)
    user = users.filter(username=username).first() if username else \
        users.filter(groups__name=role).order_by("username").first()
    if user is None:
        raise SystemExit(f"no user {username or role!r} in company {company.code}")
    return company, user


# consolidate ---------------------------------------------------------------------------------------


def consolidate(args):
    from purchasing.services.consolidation import requisition_lines_consolidate

    company, user = company_and_user(args.company, args.user)
    rng = random.Random(args.seed)
    pool = PurchaseRequisitionLine.objects.filter(requisition__company=company, status=st.RequisitionLineStatus.OPEN,
                                                  requisition__status=st.RequisitionStatus.OPEN)
    figures = []
    for n in range(1, args.rounds + 1):
        ids = sample_ids(pool, args.lines, rng)
        if len(ids) < args.lines:
            raise SystemExit(f"only {len(ids):,} open requisition lines left: generate more or use --rollback")
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            try:
                with transaction.atomic():
                    result = requisition_lines_consolidate(company=company, line_ids=ids, actor=user)
                    elapsed = time.perf_counter() - started
                    made = PurchaseOrderLine.objects.filter(order__in=result.orders).count()
                    if args.rollback:
                        raise Rollback
            except Rollback:
                pass
        statements = len(queries) - 1  # less the count above
        figures.append(elapsed)
        print(f"round {n}: {len(ids):,} lines in {elapsed:.2f} s ({len(ids) / elapsed:,.0f} lines/s): "
              f"{len(result.orders):,} orders, {made:,} order lines, {statements:,} SQL statements"
              + (" (rolled back)" if args.rollback else ""), flush=True)
    figures.sort()
    print(f"\nconsolidate_lines={args.lines} seconds_median={figures[len(figures) // 2]:.2f} "
          f"lines_per_s={args.lines / figures[len(figures) // 2]:,.0f}")
    return 0


# receipts ------------------------------------------------------------------------------------------


def prepare_receipts(company, user, count, seed):
    from purchasing.services.receiving import receipt_create_for_order

    rng = random.Random(seed)
    receivable = (st.OrderStatus.APPROVED, st.OrderStatus.SENT)
    candidates = (PurchaseOrder.objects.filter(company=company, status__in=receivable)
                  .exclude(lines__item__lot_tracked=True).exclude(lines__item__inspection_required=True))
    ids = sample_ids(candidates, count, rng)
    receipts, started = [], time.monotonic()
    for order in PurchaseOrder.objects.filter(pk__in=ids).order_by("pk"):
        receipts.append(receipt_create_for_order(order=order, actor=user).pk)
    print(f"prepared {len(receipts):,} draft receipts in {time.monotonic() - started:.1f} s", flush=True)
    return receipts


class Run:
    def __init__(self, ids):
        self.ids, self.lock = ids, threading.Lock()
        self.latencies, self.failures, self.exhausted_at = [], {}, None

    def next_id(self):
        with self.lock:
            return next(self.ids, None)


def post_loop(http_client, token, run, deadline, started):
    headers = {"Authorization": f"Token {token}", "Content-Length": "0", "Accept": "application/json"}
    while time.monotonic() < deadline:
        receipt = run.next_id()
        if receipt is None:
            with run.lock:
                run.exhausted_at = run.exhausted_at or time.monotonic() - started
            return
        began = time.perf_counter()
        try:
            status, body = http_client.request("POST", f"/api/purchasing/receipts/{receipt}/post/", headers=headers)
        except OSError as exc:
            status, body = 0, str(exc).encode()
        with run.lock:
            if status == 200:
                run.latencies.append(time.perf_counter() - began)
            else:
                key = (status, body[:200].decode("utf-8", "replace"))
                run.failures[key] = run.failures.get(key, 0) + 1


def post_round(http_client, token, ids, clients, seconds):
    run = Run(ids)
    started = time.monotonic()
    threads = [threading.Thread(target=post_loop, args=(http_client, token, run, started + seconds, started))
               for _n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.elapsed = run.exhausted_at or (time.monotonic() - started)
    return run


def receipts(args):
    # Posting a receipt is the warehouse's work (the Purchasing manager gets 403): the company's System
    # admin posts unless --user says otherwise.
    company, user = company_and_user(args.company, args.user, role="System admin")
    drafts = args.drafts or max(1000, int(60 * args.seconds * args.rounds)) + args.warmup
    ids = prepare_receipts(company, user, drafts, args.seed)
    connection.close()
    server = start_server(args.port, args.workers) if args.serve else None
    rounds, failures = [], {}
    try:
        http_client = Http(args.base_url or f"http://127.0.0.1:{args.port}", args.timeout)
        wait_for(http_client, 60)
        token = http_client.token(user.username, args.password or settings.DEMO_PASSWORD)
        remaining = iter(ids)
        warm = post_round(http_client, token, iter([next(remaining) for _n in range(args.warmup)]), args.clients, 600)
        if warm.failures:
            for (status, body), n in warm.failures.items():
                print(f"warm-up: HTTP {status} ×{n}: {body}", file=sys.stderr)
            raise SystemExit("the warm-up postings failed")
        for n in range(1, args.rounds + 1):
            print(f"round {n}/{args.rounds}: {args.clients} clients for {args.seconds:.0f} s …", flush=True)
            run = post_round(http_client, token, remaining, args.clients, args.seconds)
            for key, count in run.failures.items():
                failures[key] = failures.get(key, 0) + count
            latencies = sorted(run.latencies)
            rate = len(latencies) / run.elapsed if run.elapsed else 0.0
            print(f"  receipts posted: {len(latencies):,} ({rate:,.1f}/s); p50 {percentile(latencies, 0.5) * 1000:.1f} "
                  f"ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms"
                  + (f" (drafts ran out at {run.exhausted_at:.1f} s)" if run.exhausted_at else ""), flush=True)
            ceiling = None if args.no_ceiling else run_ceiling(args.ceiling, args.clients, args.ceiling_seconds)
            rounds.append((rate, ceiling))
            if run.exhausted_at:
                break
    finally:
        stop_server(server)
    for (status, body), n in sorted(failures.items(), key=lambda kv: -kv[1]):
        print(f"failed: HTTP {status} ×{n}: {body}")
    ratios = sorted((rate / ceiling, rate, ceiling) for rate, ceiling in rounds if ceiling)
    if ratios:
        ratio, rate, ceiling = ratios[len(ratios) // 2]
        print(f"ratios by round: {', '.join(f'{100 * r:.1f}%' for r, _a, _b in ratios)}")
        print(f"\nreceipts_per_s={rate:.1f} raw_sql_orders_per_s={ceiling:.1f} ratio={100 * ratio:.1f}% "
              f"(median of {len(ratios)} round(s))")
    return 1 if failures else 0


# pages ---------------------------------------------------------------------------------------------


def pages(args):
    company, user = company_and_user(args.company, args.user)
    rng = random.Random(args.seed)
    orders = sample_ids(PurchaseOrder.objects.filter(company=company), args.runs + 1, rng)
    suppliers = list(Supplier.objects.filter(pk__in=sample_ids(Supplier.objects.filter(company=company),
                                                               args.runs + 1, rng)).values_list("code", flat=True))
    if not orders or not suppliers:
        raise SystemExit(f"company {company.code} has no orders or suppliers")
    list_url = reverse("purchasing:order_list")
    plan = [
        ("order list", lambda n: list_url),
        ("order list by supplier", lambda n: f"{list_url}?supplier={suppliers[n % len(suppliers)]}"),
        ("order list, sent", lambda n: f"{list_url}?status=sent"),
        ("order page", lambda n: reverse("purchasing:order_detail", args=[orders[n % len(orders)]])),
        ("workbench", lambda n: reverse("purchasing:workbench")),
    ]
    connection.close()
    server = start_server(args.port, args.workers) if args.serve else None
    try:
        return time_pages(args, company, user, plan, rng)
    finally:
        stop_server(server)


def time_pages(args, company, user, plan, rng):
    client = TimedClient(args.base_url, args.timeout)
    wait_for(Http(args.base_url, args.timeout), 60)
    client.login(user.username, args.password or settings.DEMO_PASSWORD)
    times = {label: [] for label, _url in plan}
    failures = {}
    for _label, url in plan:  # warm-up
        client.timed(url(args.runs))
    for n in range(args.runs):
        for label, url in plan:
            status, ms, _size = client.timed(url(n))
            if status == 200:
                times[label].append(ms)
            else:
                failures[(label, status)] = failures.get((label, status), 0) + 1
    total = PurchaseOrder.objects.filter(company=company).count()
    print(f"{company.code}: {total:,} purchase orders; as {user.username}; {args.runs} runs per page")
    for label, values in times.items():
        values.sort()
        print(f"{label:28s} p50 {percentile(values, 0.5):7.1f} ms  p95 {percentile(values, 0.95):7.1f} ms  "
              f"max {(values[-1] if values else float('nan')):7.1f} ms")
    for (label, status), n in failures.items():
        print(f"failed: {label}: HTTP {status} ×{n}")
    return 1 if failures else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("consolidate", "receipts", "pages"))
    parser.add_argument("--company", default="PBENCH")
    parser.add_argument("--user", default=None,
                        help="default: the company's first Purchasing manager (receipts: its System admin)")
    parser.add_argument("--password", default=None, help="default DEMO_PASSWORD")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lines", type=int, default=10000, help="consolidate: lines per round (default 10,000)")
    parser.add_argument("--rollback", action="store_true", help="consolidate: undo each round")
    parser.add_argument("--drafts", type=int, default=None, help="receipts: drafts to prepare")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--ceiling", default=os.environ.get("RAW_SQL_CEILING", str(DEFAULT_CEILING)))
    parser.add_argument("--ceiling-seconds", type=int, default=15)
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--runs", type=int, default=50, help="pages: requests per page")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args(argv)
    if args.what == "pages":
        args.base_url = args.base_url or "http://127.0.0.1:8000"
    return {"consolidate": consolidate, "receipts": receipts, "pages": pages}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
