"""MRP benchmark: times production.services.mrp.mrp_run_execute on generated companies of 1,000,
10,000 and 100,000 items (three-level BOMs of about 5 components with shared raw materials, 2 demand
lines per item: 20,000 for 10,000 items), horizon 90 days.

    .venv/bin/python bench/production.py                       # --items 1000 10000 100000
    .venv/bin/python bench/production.py --items 10000 --rounds 3

A company ``MRP<items>`` (MRP1000, MRP10000, MRP100000) is generated with
``manage.py generate_production_data`` the first time (bench/README.md). Each round creates an MRP
run, executes it in this process (committed, so that the deferred foreign-key checks are timed too)
and deletes it (``--keep`` keeps the last one), printing the
seconds per phase (loading the inputs, netting, writing the output) and in all, the planned orders,
pegs and record days written and the number of SQL statements (which must not grow with the items:
a fixed number of reads; the output is one COPY per table, not counted by Django's statement hook:
5 more).
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from erp.models import Company  # noqa: E402
from inventory.models import Item  # noqa: E402
from production.models import MrpRun  # noqa: E402
from production.services import mrp  # noqa: E402
from production.services.mrp import mrp_run_execute  # noqa: E402

PHASES = ("loading", "netting", "writing")


def company_for(items):
    code = f"MRP{items}"
    if not Item.objects.filter(company__code=code).exists():
        print(f"generating {code} …", flush=True)
        call_command("generate_production_data", company=code, items=items)
    return Company.objects.get(code=code)


def one_round(company, horizon, keep):
    """(seconds per phase, total seconds, counts, statements)."""
    marks = {}
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def progress(percent, step):
        marks.setdefault(step, time.perf_counter())

    run = MrpRun.objects.create(company=company, as_of=timezone.localdate(), horizon_days=horizon)
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        inputs, counts = mrp_run_execute(run=run, progress=progress)  # commits (deferred FK checks included)
        total = time.perf_counter() - started
    if not keep:
        with transaction.atomic():
            mrp._delete_output(run)
            run.delete()
    phases = {
        "loading": marks["netting"] - marks["loading"],
        "netting": marks["writing"] - marks["netting"],
        "writing": marks["done"] - marks["writing"],
    }
    return phases, total, inputs, counts, statements[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--keep", action="store_true", help="keep the last round's run")
    args = parser.parse_args()
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}  load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}  cpus: {os.cpu_count()}")
    for items in args.items:
        company = company_for(items)
        results = [one_round(company, args.horizon, args.keep and n == args.rounds - 1) for n in range(args.rounds)]
        phases, total, inputs, counts, statements = results[len(results) // 2] if args.rounds > 1 else results[0]
        median = statistics.median(result[1] for result in results)
        print(f"\n{items:,} items ({inputs['bom_lines']:,} BOM lines, {inputs['demand_lines']:,} demand lines, "
              f"{inputs['scheduled_receipts']['work_order']:,} work orders, {inputs['stock_rows']:,} stock rows)")
        print("  " + "  ".join(f"{name} {phases[name]:.2f} s" for name in PHASES)
              + f"  total {total:.2f} s (median of {args.rounds}: {median:.2f} s)")
        print(f"  items planned {counts['items_planned']:,}  planned orders {counts['planned_orders']:,} "
              f"(late {counts['late']:,})  pegs {counts['pegs']:,}  record days {counts['record_days']:,}  "
              f"exceptions {counts['exceptions']:,}  SQL statements {statements} + 5 COPY")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
