"""Sales-order confirmations per second over HTTP, and in the same run the machine's raw-SQL ceiling.

    .venv/bin/python bench/sales_confirm.py --company SBENCH --serve

1. Has ``--drafts`` draft orders of ``--lines`` lines ready: those an earlier run left unconfirmed,
   and new ones through ``sales.services.orders.order_save`` (customers without a credit limit,
   items holding stock in the ship-from warehouse, 1–5 units a line).
2. Gets an API token (POST /api/auth/token/) and, after a warm-up, runs ``--rounds`` rounds (default
   3). Each round lets ``--clients`` threads confirm drafts through POST
   /api/sales/orders/<id>/confirm/ for ``--seconds`` seconds (one order per request, each request on
   a new connection, as gunicorn's sync workers close them anyway), then runs
   ../shared/bench/raw-sql-ceiling (override with --ceiling or $RAW_SQL_CEILING) against the same
   PostgreSQL server with the same number of clients for ``--ceiling-seconds``.
3. Prints each round's confirmations/s with p50/p95 and its ratio to the ceiling measured right
   after it, then the totals and the median ratio (the target is at least 25 %). The ceiling is
   bound by the disk's flush time, which drifts within minutes on these machines: hence ratios
   taken side by side, and their median.

``--serve`` starts gunicorn itself (``--workers``, default 2, DEBUG=0) on ``--port`` and stops it at
the end; otherwise start the server as bench/README.md shows and pass ``--base-url``. The database
and Redis are the ones of this process's environment (DATABASE_URL, REDIS_URL), which must be the
server's too. Run with a Redis of its own (e.g. REDIS_URL=redis://127.0.0.1:6379/15): every
confirmation queues its events there, and no worker handles them during the run.
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, F  # noqa: E402

from erp.models import Company  # noqa: E402
from inventory import status as ist  # noqa: E402
from inventory.models import Item, StockBalance, Warehouse  # noqa: E402
from sales.models import Customer, SalesOrder  # noqa: E402
from sales.services.orders import order_save  # noqa: E402

DEFAULT_CEILING = ROOT.parent / "shared" / "bench" / "raw-sql-ceiling"
BENCH_ENV = {
    "DEBUG": "0", "SECRET_KEY": "bench-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "SECURE_HSTS_SECONDS": "0",
}


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[max(1, math.ceil(fraction * len(sorted_values))) - 1]


# Drafts ------------------------------------------------------------------------------------------


def prepare_drafts(company, user, count, lines, threads, seed, reuse=False):
    """``count`` draft orders through the save service, from ``threads`` threads; returns their ids."""
    warehouse = Warehouse.objects.filter(company=company, is_active=True).order_by("code").first()
    stocked = list(
        StockBalance.objects.filter(company=company, warehouse=warehouse, location__kind=ist.LocationKind.INTERNAL,
                                    on_hand__gte=F("reserved") + 50, lot__isnull=True)
        .values_list("item_id", flat=True).distinct()[:20000]
    )
    customers = list(Customer.objects.filter(company=company, is_active=True, credit_limit__isnull=True)
                     .values_list("pk", flat=True)[:20000])
    if len(stocked) < lines or not customers:
        raise SystemExit(f"company {company.code} needs customers and items in stock: run generate_sales_data first")
    run = time.strftime("%Y%m%d%H%M%S")
    ids, lock, errors = [], threading.Lock(), []
    if reuse:  # drafts a previous run prepared and did not confirm
        ids = list(SalesOrder.objects.filter(company=company, status="draft", customer_reference__startswith="BENCH-")
                   .annotate(n=Count("lines")).filter(n=lines).order_by("pk").values_list("pk", flat=True)[:count])
        if ids:
            print(f"reusing {len(ids):,} draft orders left by an earlier run", flush=True)
        if len(ids) >= count:
            return ids
        count -= len(ids)

    def work(n_thread):
        rng = random.Random(seed * 1000 + n_thread)
        try:
            for n in range(n_thread, count, threads):
                chosen = Item.objects.select_related("base_unit").in_bulk(rng.sample(stocked, lines))
                order = order_save(
                    company=company, actor=user, customer=Customer.objects.get(pk=rng.choice(customers)),
                    warehouse=warehouse, customer_reference=f"BENCH-{run}-{n:06d}",
                    lines=[{"item": item, "quantity": Decimal(rng.randint(1, 5)), "unit": item.base_unit}
                           for item in chosen.values()],
                )
                with lock:
                    ids.append(order.pk)
        except Exception as exc:  # reported after the threads end
            errors.append(exc)
        finally:
            connection.close()

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise SystemExit(f"preparing the drafts failed: {errors[0]!r}")
    elapsed = time.monotonic() - started
    print(f"prepared {count:,} draft orders of {lines} lines in {elapsed:.1f} s "
          f"({count / elapsed:,.0f}/s through order_save, {threads} threads)", flush=True)
    return sorted(ids)


# HTTP ----------------------------------------------------------------------------------------------


class Http:
    def __init__(self, base_url, timeout):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes); a fresh connection per request."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def token(self, username, password):
        body = urllib.parse.urlencode({"username": username, "password": password})
        status, data = self.request("POST", "/api/auth/token/", body,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise SystemExit(f"/api/auth/token/ answered {status}: {data[:300]!r}")
        return json.loads(data)["token"]


def wait_for(http_client, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, _body = http_client.request("GET", "/api/auth/token/")  # 405: up, no template
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer within {seconds} s")


def start_server(port, workers):
    env = {**os.environ, **BENCH_ENV}
    access_log = "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null"
    command = [str(Path(sys.executable).parent / "gunicorn"), "erp.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--access-logfile", access_log, "--error-logfile", "-",
               "--log-level", "warning"]
    print(f"starting gunicorn on 127.0.0.1:{port} with {workers} workers (DEBUG=0)", flush=True)
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop_server(process):
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own session: gunicorn's master and workers only
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class Run:
    def __init__(self, ids):
        self.ids = ids if hasattr(ids, "__next__") else iter(ids)
        self.lock = threading.Lock()
        self.latencies, self.failures, self.short_lines, self.exhausted_at = [], {}, 0, None

    def next_id(self):
        with self.lock:
            return next(self.ids, None)

    def record(self, status, seconds, body):
        with self.lock:
            if status == 200:
                self.latencies.append(seconds)
                try:
                    self.short_lines += sum(1 for line in json.loads(body).get("lines", [])
                                            if Decimal(str(line.get("short") or 0)) > 0)
                except (ValueError, AttributeError, ArithmeticError):
                    pass
            else:
                key = (status, body[:200].decode("utf-8", "replace"))
                self.failures[key] = self.failures.get(key, 0) + 1


def confirm_loop(http_client, token, run, deadline, started_at):
    headers = {"Authorization": f"Token {token}", "Content-Length": "0", "Accept": "application/json"}
    while time.monotonic() < deadline:
        order_id = run.next_id()
        if order_id is None:
            with run.lock:
                run.exhausted_at = run.exhausted_at or time.monotonic() - started_at
            return
        began = time.perf_counter()
        try:
            status, body = http_client.request("POST", f"/api/sales/orders/{order_id}/confirm/", headers=headers)
        except OSError as exc:
            status, body = 0, str(exc).encode()
        run.record(status, time.perf_counter() - began, body)


def measure(http_client, token, ids, clients, seconds):
    run = Run(ids)
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=confirm_loop, args=(http_client, token, run, deadline, started))
               for _n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.elapsed = run.exhausted_at or (time.monotonic() - started)
    return run


# The ceiling -----------------------------------------------------------------------------------------


def database_uri():
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    db = settings.DATABASES["default"]
    auth = urllib.parse.quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{auth + '@' if auth else ''}{host}:{port}/{db['NAME']}"


def run_ceiling(path, clients, seconds):
    if not Path(path).exists():
        print(f"raw-sql ceiling: {path} not found (set --ceiling or RAW_SQL_CEILING)", file=sys.stderr)
        return None
    print(f"running {path} with {clients} clients for {seconds} s …", flush=True)
    result = subprocess.run([str(path), database_uri(), str(clients), str(seconds)], capture_output=True, text=True,
                            timeout=seconds + 300)
    match = re.search(r"raw_sql_orders_per_s=([0-9.]+)", result.stdout)
    print(result.stdout.strip() or result.stderr.strip(), flush=True)
    if not match or float(match.group(1)) <= 0:
        print("raw-sql ceiling: no figure (needs psql and pgbench on PATH)", file=sys.stderr)
        return None
    return float(match.group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--company", default="SBENCH", help="company code (default SBENCH)")
    parser.add_argument("--user", default=None, help="API user (default: the company's System admin)")
    parser.add_argument("--password", default=None, help="its password (default DEMO_PASSWORD)")
    parser.add_argument("--base-url", default=None, help="a running server (default http://127.0.0.1:<port>)")
    parser.add_argument("--serve", action="store_true", help="start gunicorn (DEBUG=0) for the run and stop it after")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers with --serve (default 2)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=20, help="measured duration of a round (default 20)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of confirmations then ceiling; the median ratio is reported (default 3)")
    parser.add_argument("--lines", type=int, default=5, help="lines per order (default 5)")
    parser.add_argument("--drafts", type=int, default=None,
                        help="drafts to have (default: enough for 220 confirmations/s, at least 2,000)")
    parser.add_argument("--no-reuse", action="store_true",
                        help="prepare new drafts even if an earlier run left some unconfirmed")
    parser.add_argument("--prepare-threads", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=40, help="confirmations before measuring (default 40)")
    parser.add_argument("--ceiling", default=os.environ.get("RAW_SQL_CEILING", str(DEFAULT_CEILING)),
                        help="the raw-SQL ceiling script (default ../shared/bench/raw-sql-ceiling or $RAW_SQL_CEILING)")
    parser.add_argument("--ceiling-seconds", type=int, default=15)
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    company = Company.objects.filter(code=args.company.upper()).first()
    if company is None:
        raise SystemExit(f"no company {args.company}: run manage.py generate_sales_data first")
    User = get_user_model()
    username = args.user or re.sub(r"[^a-z0-9._-]", "-", company.code.lower())
    user = User.objects.filter(company=company, username=username).first()
    if user is None:
        raise SystemExit(f"no user {username} in company {company.code}")
    password = args.password or settings.DEMO_PASSWORD
    drafts = args.drafts or max(2000, int(220 * args.seconds * args.rounds)) + args.warmup
    ids = prepare_drafts(company, user, drafts, args.lines, args.prepare_threads, args.seed, reuse=not args.no_reuse)
    connection.close()

    rounds, failures = [], {}
    server = start_server(args.port, args.workers) if args.serve else None
    try:
        http_client = Http(args.base_url or f"http://127.0.0.1:{args.port}", args.timeout)
        wait_for(http_client, 60)
        token = http_client.token(username, password)
        remaining = iter(ids)
        warm = measure(http_client, token, [next(remaining) for _n in range(args.warmup)], args.clients, 600)
        if warm.failures:
            for (status, body), n in warm.failures.items():
                print(f"warm-up: HTTP {status} ×{n}: {body}", file=sys.stderr)
            raise SystemExit("the warm-up confirmations failed: is the API in place and the server right?")
        # Rounds of (our confirmations, then the ceiling): the machine's disk and CPU drift within
        # minutes, so each ratio compares two figures taken side by side; the median is reported.
        for n in range(1, args.rounds + 1):
            print(f"round {n}/{args.rounds}: {args.clients} clients for {args.seconds:.0f} s …", flush=True)
            run = measure(http_client, token, remaining, args.clients, args.seconds)
            for key, count in run.failures.items():
                failures[key] = failures.get(key, 0) + count
            report_run(run, args)
            ceiling = None if args.no_ceiling else run_ceiling(args.ceiling, args.clients, args.ceiling_seconds)
            rounds.append((run, ceiling))
            if run.exhausted_at:
                break
    finally:
        stop_server(server)

    latencies = sorted(x for run, _c in rounds for x in run.latencies)
    elapsed = sum(run.elapsed for run, _c in rounds)
    confirmed = SalesOrder.objects.filter(pk__in=ids, status="confirmed").count()
    print(f"\n{company.code}: {args.clients} clients, {args.lines}-line orders, {len(rounds)} round(s), "
          f"{elapsed:.1f} s measured")
    print(f"confirmations: {len(latencies):,} ({len(latencies) / elapsed if elapsed else 0:,.1f}/s); "
          f"orders confirmed in the database: {confirmed:,} (incl. {args.warmup} warm-up)")
    print(f"latency: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms, "
          f"max {(latencies[-1] if latencies else float('nan')) * 1000:.1f} ms")
    for (status, body), n in sorted(failures.items(), key=lambda kv: -kv[1]):
        print(f"failed: HTTP {status} ×{n}: {body}")
    ratios = sorted((rate_of(run) / ceiling, rate_of(run), ceiling) for run, ceiling in rounds if ceiling)
    if ratios:
        ratio, rate, ceiling = ratios[len(ratios) // 2]
        print(f"ratios by round: {', '.join(f'{100 * r:.1f}%' for r, _a, _b in ratios)}")
        print(f"\nconfirm_orders_per_s={rate:.1f} raw_sql_orders_per_s={ceiling:.1f} "
              f"ratio={100 * ratio:.1f}% (median of {len(ratios)} round(s); target ≥ 25 %)")
    if settings.DEBUG:
        print("note: DEBUG is on in this process; the server's own setting is what counts", file=sys.stderr)
    return 1 if failures else 0


def rate_of(run):
    return len(run.latencies) / run.elapsed if run.elapsed else 0.0


def report_run(run, args):
    latencies = sorted(run.latencies)
    print(f"  confirmations: {len(latencies):,} ({rate_of(run):,.1f}/s); lines short: {run.short_lines:,}; "
          f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms"
          + (f" (drafts ran out at {run.exhausted_at:.1f} s: pass a larger --drafts)" if run.exhausted_at else ""),
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
