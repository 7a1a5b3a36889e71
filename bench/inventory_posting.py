"""Posting throughput: goods receipts and goods issues posted through the inventory services from
several threads at once, against the bench company made by ``manage.py generate_inventory_data``.

    .venv/bin/python bench/inventory_posting.py --company BENCH --threads 4 --seconds 30

Each thread repeatedly saves and posts one document of ``--lines`` lines (receipts into random
locations, or issues of what random balances hold) in its own transaction, exactly as a screen
would. Prints documents and moves posted per second, refusals (an issue that lost the race for the
last units) and the p50/p95 time of one save + post.
"""

import argparse
import math
import os
import random
import sys
import threading
import time
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from erp.models import Company  # noqa: E402
from erp.money import LINE_QTY_QUANTUM  # noqa: E402
from inventory import status as st  # noqa: E402
from inventory.errors import InsufficientStock  # noqa: E402
from inventory.models import Item, Location, Lot, StockBalance  # noqa: E402
from inventory.services import documents  # noqa: E402


class World:
    """What every thread picks from: items, internal locations per warehouse, lot numbers."""

    def __init__(self, company, username):
        self.company = company
        User = get_user_model()
        users = User.objects.filter(company=company, is_active=True)
        self.actor = (users.filter(username=username) if username else users.order_by("pk")).first()
        if self.actor is None:
            raise SystemExit(f"no user {username or ''} in company {company.code}")
        self.items = list(Item.objects.filter(company=company, is_active=True).exclude(item_type="service")
                          .values_list("pk", "lot_tracked", "standard_cost"))
        if not self.items:
            raise SystemExit(f"company {company.code} has no items: run manage.py generate_inventory_data first")
        self.locations = {}
        for location in Location.objects.filter(company=company, kind=st.LocationKind.INTERNAL, is_active=True):
            self.locations.setdefault(location.warehouse_id, []).append(location)
        self.lots = {}
        for item_id, number in Lot.objects.filter(company=company).values_list("item_id", "number"):
            self.lots.setdefault(item_id, []).append(number)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.documents = self.moves = self.refused = self.failed = 0
        self.latencies = []

    def record(self, *, moves=0, seconds=None, refused=False, failed=False):
        with self.lock:
            if refused:
                self.refused += 1
            elif failed:
                self.failed += 1
            else:
                self.documents += 1
                self.moves += moves
                self.latencies.append(seconds)


def receipt(world, rng, lines):
    warehouse_id = rng.choice(list(world.locations))
    chosen = rng.sample(world.items, min(lines, len(world.items)))
    items = Item.objects.select_related("base_unit").in_bulk([pk for pk, _lot, _cost in chosen])
    rows = []
    for pk, lot_tracked, cost in chosen:
        item = items[pk]
        rows.append({
            "item": item, "quantity": Decimal(rng.randint(1, 50)), "unit": item.base_unit,
            "location": rng.choice(world.locations[warehouse_id]), "unit_cost": cost,
            "lot_number": rng.choice(world.lots.get(pk) or ["BENCH-LOT"]) if lot_tracked else "",
        })
    document = documents.receipt_save(company=world.company, actor=world.actor,
                                      warehouse=rows[0]["location"].warehouse, supplier_reference="bench", lines=rows)
    documents.receipt_post(receipt=document, actor=world.actor)
    return len(rows)


def issue(world, rng, lines):
    """Issue a little of what random balances of one warehouse hold."""
    warehouse_id = rng.choice(list(world.locations))
    candidates = [pk for pk, _lot, _cost in rng.sample(world.items, min(lines * 4, len(world.items)))]
    balances = list(
        StockBalance.objects.filter(company=world.company, warehouse_id=warehouse_id, item_id__in=candidates,
                                    location__kind=st.LocationKind.INTERNAL, on_hand__gt=0)
        .select_related("item", "item__base_unit", "location", "lot")[: lines * 2]
    )
    rng.shuffle(balances)
    rows = []
    for balance in balances:
        quantity = min(balance.on_hand - balance.reserved, Decimal(rng.randint(1, 5)))
        quantity = quantity.quantize(LINE_QTY_QUANTUM, rounding=ROUND_DOWN)  # never more than is free
        if quantity > 0:
            rows.append({"item": balance.item, "quantity": quantity, "unit": balance.item.base_unit,
                         "location": balance.location, "lot": balance.lot})
        if len(rows) == lines:
            break
    if not rows:
        return 0
    document = documents.issue_save(company=world.company, actor=world.actor, warehouse=rows[0]["location"].warehouse,
                                    purpose="bench", lines=rows)
    documents.issue_post(issue=document, actor=world.actor)
    return len(rows)


def worker(world, stats, deadline, seed, lines, issue_share):
    rng = random.Random(seed)
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                moves = issue(world, rng, lines) if rng.random() < issue_share else receipt(world, rng, lines)
            except InsufficientStock:
                stats.record(refused=True)  # the last units went to another thread first
                continue
            except Exception as exc:  # keep measuring; the count is reported
                print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
                stats.record(failed=True)
                continue
            if moves:
                stats.record(moves=moves, seconds=time.perf_counter() - started)
    finally:
        connection.close()


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[max(1, math.ceil(fraction * len(sorted_values))) - 1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--company", default="BENCH", help="company code (default BENCH)")
    parser.add_argument("--user", default=None, help="posting user (default: the company's first user)")
    parser.add_argument("--threads", type=int, default=2, help="posting threads (default 2)")
    parser.add_argument("--seconds", type=float, default=30, help="how long to post (default 30)")
    parser.add_argument("--lines", type=int, default=10, help="lines per document (default 10)")
    parser.add_argument("--issue-share", type=float, default=0.5, help="share of issues (default 0.5)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    if settings.DEBUG:
        print("warning: DEBUG is on; Django records every query and the figures are lower", file=sys.stderr)
    company = Company.objects.filter(code=args.company.upper()).first()
    if company is None:
        raise SystemExit(f"no company {args.company}: run manage.py generate_inventory_data first")
    world = World(company, args.user)
    connection.close()  # the threads open their own connections
    stats = Stats()
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [threading.Thread(target=worker, args=(world, stats, deadline, args.seed + n, args.lines,
                                                     args.issue_share)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        time.sleep(min(5, max(0.1, deadline - time.monotonic())))
        elapsed = time.monotonic() - started
        print(f"{elapsed:6.1f} s  {stats.documents:,} documents  {stats.moves:,} moves  "
              f"{stats.moves / elapsed:,.0f} moves/s", flush=True)
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(stats.latencies)
    print(f"\n{company.code}: {args.threads} threads, {args.lines} lines per document, {elapsed:.1f} s")
    print(f"documents posted: {stats.documents:,} ({stats.documents / elapsed:,.1f}/s)")
    print(f"moves posted:     {stats.moves:,} ({stats.moves / elapsed:,.1f}/s)")
    print(f"refused (stock taken by another thread): {stats.refused:,}; failed: {stats.failed:,}")
    print(f"save + post per document: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms")
    return 1 if stats.failed else 0


if __name__ == "__main__":
    sys.exit(main())
