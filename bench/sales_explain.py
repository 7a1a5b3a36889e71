"""Where the order screens spend their SQL time: runs the order list (first page, by customer, as a
rep) and an order's page and tracking partial in-process, captures their queries and prints each
one's time with EXPLAIN ANALYZE, flagging sequential scans of large tables (a missing index).

    .venv/bin/python bench/sales_explain.py --company SBENCH [--order PK] [--verbose]

Read-only apart from what the views themselves write (nothing, for these GET pages).
"""

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from erp.models import Company, User  # noqa: E402
from sales.models import Customer, SalesOrder  # noqa: E402

BIG = 50000  # rows: a sequential scan of a table larger than this is flagged


def table_sizes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        return dict(cursor.fetchall())


def profile(client, label, path, sizes, verbose, headers=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **(headers or {}))
    total = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    print(f"\n== {label}: {path} → {response.status_code}, {len(ctx.captured_queries)} queries, {total:.1f} ms SQL")
    rows = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            # Re-run with the literal SQL Django logged (parameters already inlined).
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        ms = float(re.search(r"Execution Time: ([0-9.]+)", plan[-1]).group(1))
        scans = [line.strip() for line in plan if "Seq Scan on" in line
                 and sizes.get(re.search(r"Seq Scan on (\w+)", line).group(1), 0) > BIG]
        rows.append((ms, sql, plan, scans))
    for ms, sql, plan, scans in sorted(rows, key=lambda r: -r[0])[: None if verbose else 6]:
        flag = "  ← SEQ SCAN of a large table" if scans else ""
        print(f"{ms:8.2f} ms  {sql[:150]}{flag}")
        for scan in scans:
            print(f"             {scan}")
        if verbose or scans:
            print("\n".join("             " + line for line in plan[:25]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--company", default="SBENCH")
    parser.add_argument("--user", default=None, help="default: the company's System admin")
    parser.add_argument("--order", type=int, default=None, help="order to show (default: a delivered one)")
    parser.add_argument("--verbose", action="store_true", help="every query with its plan")
    args = parser.parse_args(argv)

    company = Company.objects.get(code=args.company.upper())
    user = User.objects.get(company=company, username=args.user or company.code.lower())
    order = SalesOrder.objects.get(pk=args.order) if args.order else \
        SalesOrder.objects.filter(company=company, status="delivered").order_by("-pk").first()
    customer = Customer.objects.filter(company=company).order_by("pk").first()
    sizes = table_sizes()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    list_url = reverse("sales:order_list")
    profile(client, "order list", list_url, sizes, args.verbose)
    profile(client, "order list by customer", f"{list_url}?customer={customer.code}", sizes, args.verbose)
    profile(client, "order page", reverse("sales:order_detail", args=[order.pk]), sizes, args.verbose)
    profile(client, "order tracking", reverse("sales:order_tracking", args=[order.pk]), sizes, args.verbose,
            {"HTTP_HX_REQUEST": "true"})
    rep = User.objects.filter(company=company, groups__name="Sales").order_by("username").first()
    if rep is not None:
        client.force_login(rep)
        profile(client, f"order list as {rep.username}", list_url, sizes, args.verbose)


if __name__ == "__main__":
    main()
