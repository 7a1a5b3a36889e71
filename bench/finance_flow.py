"""Do finance's automatic postings keep up with the order flow? The outbox's backlog, end to end.

    .venv/bin/python bench/finance_flow.py --company SBENCH --seconds 60

1. Has draft orders ready (``bench/sales_confirm.py``'s ``prepare_drafts``: ``--lines`` lines, items in
   stock, customers without a credit limit) and the company's books (``books_ensure``).
2. Starts a real Celery worker (``--worker-concurrency``, default 2, DEBUG=0) on this process's
   DATABASE_URL and REDIS_URL, after purging that Redis database's queue.
3. For ``--seconds``, ``--producers`` threads each confirm a draft (``order_confirm``: its event makes
   inventory draft the delivery note, through the worker), then post the delivery note of their oldest
   confirmed order once the worker has drafted it (``delivery_post``: its stock moves and the delivery
   announce ``inventory.stock_posted`` and ``inventory.delivery_posted``; finance books the cost of
   goods sold and drafts the customer invoice, through the worker). ``--rate`` caps the confirmations
   per second of all producers together (default: as fast as they go).
4. A monitor samples every second the pending deliveries of this run's events: finance's
   (``finance.*`` subscribers) and all, and finance's entries and invoices written so far.
5. After the producers stop it waits (at most ``--drain`` seconds) for the backlog to empty and prints:
   confirmations/s, deliveries/s, finance's entries/s, the backlog every ``--every`` seconds, the
   backlog's growth per second over the run's second half (least squares), and the time to drain.

Finance keeps up when its backlog does not grow over the run (growth ≈ 0/s) and drains in about the
time one delivery takes. The worker, the producers and PostgreSQL share the machine: on two cores the
figures are the whole flow's, not the ledger's alone (``bench/finance.py`` measures that).
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
BENCH_ENV = {
    "DEBUG": "0", "SECRET_KEY": "bench-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
}
for _key, _value in BENCH_ENV.items():  # DEBUG=0: no query log growing in the producers' memory
    os.environ.setdefault(_key, _value)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.utils import timezone  # noqa: E402
from sales_confirm import prepare_drafts  # noqa: E402

from erp.celery import app as celery_app  # noqa: E402
from erp.models import Company, EventDelivery  # noqa: E402
from finance.models import CustomerInvoice, JournalEntry  # noqa: E402
from finance.services.setup import books_ensure  # noqa: E402
from inventory.models import DeliveryNote  # noqa: E402
from inventory.services.deliveries import delivery_post  # noqa: E402
from sales.models import SalesOrder  # noqa: E402
from sales.services.orders import order_confirm  # noqa: E402


def load():
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def start_worker(concurrency):
    env = {**os.environ, **BENCH_ENV}
    command = [sys.executable, "-m", "celery", "-A", "erp", "worker", "-l", "warning", "--concurrency",
               str(concurrency), "-n", f"flowbench{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    print(f"starting a Celery worker, concurrency {concurrency} (DEBUG=0)", flush=True)
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop_worker(process):
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class Flow:
    """The producers' shared state: the drafts left, counters, failures."""

    def __init__(self, ids, rate):
        self.ids = iter(ids)
        self.lock = threading.Lock()
        self.confirmed = self.delivered = 0
        self.failures = {}
        self.interval = 1 / rate if rate else 0
        self.next_at = time.monotonic()
        self.exhausted = False

    def next_id(self):
        with self.lock:
            if self.interval:  # a shared schedule: the producers together confirm ``rate`` a second
                wait = self.next_at - time.monotonic()
                self.next_at = max(self.next_at, time.monotonic()) + self.interval
            else:
                wait = 0
            order_id = next(self.ids, None)
            if order_id is None:
                self.exhausted = True
        if wait > 0:
            time.sleep(wait)
        return order_id

    def failed(self, exc):
        key = f"{type(exc).__name__}: {str(exc)[:120]}"
        with self.lock:
            self.failures[key] = self.failures.get(key, 0) + 1


def producer(flow, user, deadline, order_type):
    mine = []  # this producer's confirmed orders, oldest first, waiting for their delivery note
    try:
        while time.monotonic() < deadline:
            order_id = flow.next_id()
            if order_id is None:
                break
            try:
                order_confirm(order=SalesOrder.objects.get(pk=order_id), actor=user)
            except Exception as exc:  # counted and shown: a bench reports, it does not stop
                flow.failed(exc)
            else:
                mine.append(order_id)
                with flow.lock:
                    flow.confirmed += 1
            while mine:
                note = DeliveryNote.objects.filter(source_type=order_type, source_id=mine[0], status="draft").first()
                if note is None:
                    break  # the worker has not drafted it yet: next time
                mine.pop(0)
                try:
                    delivery_post(delivery=note, actor=user)
                except Exception as exc:
                    flow.failed(exc)
                else:
                    with flow.lock:
                        flow.delivered += 1
    finally:
        connection.close()


def pending(since):
    rows = (EventDelivery.objects.filter(status=EventDelivery.Status.PENDING, event__created_at__gte=since)
            .aggregate(finance=Count("pk", filter=Q(subscriber__startswith="finance.")), all=Count("pk")))
    return rows["finance"], rows["all"]


def written(company, since):
    return (JournalEntry.objects.filter(company=company, created_at__gte=since).count(),
            CustomerInvoice.objects.filter(company=company, created_at__gte=since).count())


def slope(points):
    """Least-squares growth per second of [(seconds, backlog)]."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_b = sum(b for _, b in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (b - mean_b) for t, b in points) / var if var else 0.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--company", default="SBENCH")
    parser.add_argument("--user", default=None, help="the acting user (default: the company's sales manager)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=0, help="confirmations/s of all producers (default: no cap)")
    parser.add_argument("--lines", type=int, default=3, help="lines per order (default 3)")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--no-worker", action="store_true", help="use a worker you started yourself")
    parser.add_argument("--drain", type=float, default=300, help="seconds to wait for the backlog to empty")
    parser.add_argument("--every", type=float, default=10, help="print the backlog every N seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    company = Company.objects.get(code=args.company)
    users = get_user_model().objects.filter(is_active=True)
    user = users.get(username=args.user or f"{args.company.lower()}-mgr")
    books_ensure(company)
    rate_guess = args.rate or 60
    ids = prepare_drafts(company, user, int(rate_guess * args.seconds * 1.5) + 50, args.lines, 2, args.seed,
                         reuse=True)
    random.Random(args.seed).shuffle(ids)
    order_type = ContentType.objects.get_for_model(SalesOrder)

    worker = None
    if not args.no_worker:
        purged = celery_app.control.purge()
        print(f"purged {purged} queued task(s) left in this Redis database", flush=True)
        worker = start_worker(args.worker_concurrency)
        time.sleep(6)  # the worker's start-up, outside the measured time
    try:
        since = timezone.now()
        flow = Flow(ids, args.rate)
        print(f"\n{args.producers} producer(s), {args.seconds:.0f} s, rate "
              f"{f'{args.rate:.0f}/s' if args.rate else 'uncapped'}, {args.lines}-line orders, load {load()}",
              flush=True)
        print(f"{'s':>5} {'confirmed':>10} {'delivered':>10} {'entries':>8} {'invoices':>9} "
              f"{'finance backlog':>16} {'all backlog':>12}  load", flush=True)
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [threading.Thread(target=producer, args=(flow, user, deadline, order_type))
                   for _ in range(args.producers)]
        for thread in threads:
            thread.start()
        samples, next_print = [], 0.0
        while any(thread.is_alive() for thread in threads):
            time.sleep(1)
            t = time.monotonic() - started
            finance_backlog, all_backlog = pending(since)
            samples.append((t, finance_backlog, all_backlog))
            if t >= next_print:
                entries, invoices = written(company, since)
                print(f"{t:5.0f} {flow.confirmed:10,} {flow.delivered:10,} {entries:8,} {invoices:9,} "
                      f"{finance_backlog:16,} {all_backlog:12,}  {load()}", flush=True)
                next_print += args.every
        elapsed = time.monotonic() - started
        entries_at_stop, invoices_at_stop = written(company, since)
        drain_started = time.monotonic()
        finance_backlog, all_backlog = pending(since)
        while (finance_backlog or all_backlog) and time.monotonic() - drain_started < args.drain:
            time.sleep(0.5)
            finance_backlog, all_backlog = pending(since)
        drained = time.monotonic() - drain_started
        entries, invoices = written(company, since)
        second_half = [(t, b) for t, b, _ in samples if t >= elapsed / 2]
        print(f"\nrun of {elapsed:.1f} s: {flow.confirmed:,} confirmations ({flow.confirmed / elapsed:.1f}/s), "
              f"{flow.delivered:,} deliveries posted ({flow.delivered / elapsed:.1f}/s); finance wrote "
              f"{entries_at_stop:,} entries ({entries_at_stop / elapsed:.1f}/s) and {invoices_at_stop:,} invoice "
              f"drafts during the run")
        most, most_all = max((b for _, b, _ in samples), default=0), max((a for _, _, a in samples), default=0)
        print(f"finance backlog: max {most:,}, growth over the second half {slope(second_half):+.2f}/s; "
              f"all subscribers' backlog max {most_all:,}")
        state = "empty" if not (finance_backlog or all_backlog) else (
            f"NOT empty: finance {finance_backlog:,}, all {all_backlog:,}")
        print(f"after the producers stopped: backlog {state} after {drained:.1f} s; finance's entries "
              f"{entries:,}, invoice drafts {invoices:,}; load {load()}")
        failed = EventDelivery.objects.filter(status=EventDelivery.Status.FAILED, event__created_at__gte=since).count()
        if failed:
            print(f"FAILED deliveries: {failed:,}")
        for key, times in sorted(flow.failures.items(), key=lambda kv: -kv[1]):
            print(f"  producer refused ×{times}: {key}")
        if flow.exhausted:
            print("(the drafts ran out before the time was up: prepare more with a higher --rate)")
    finally:
        stop_worker(worker)


if __name__ == "__main__":
    main()
