"""Generate a production planning data set for the MRP benchmark (bench/production.py): items with
three-level BOMs, independent demand lines, stock and open work orders, in a company of its own.

    manage.py generate_production_data --company MRP10K --items 10000            # 20,000 demand lines

Of ``--items`` items, a fifth are finished goods (level 0), a fifth sub-assemblies (level 1), a fifth
components (level 2), all made; the other two fifths are bought raw materials. Every made item has a
default BOM of ``--components`` lines (default 5): from the level below, plus one raw material, so
raw materials are shared by many BOMs and occur at several levels (a common component planned
once with all its demand). ``--demand-lines`` (default 2 per item) forecast lines on the finished
goods are spread over the next ``--days`` days. Some items get safety stock, fixed or minimum and
multiple lot sizes; about 60 % have stock in the bench warehouse; 2 % of the made items have an
open (released) work order.

Everything goes through the ORM's bulk inserts in one transaction. Stock balances are written
straight to the balance table (no stock moves, no valuations: the ledger is not what this data set
is for), and no audit entries are written."""

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from erp.models import Company
from inventory import status as inventory_status
from inventory.models import Item, StockBalance, UnitOfMeasure
from inventory.services import masterdata
from production import status as st
from production.models import Bom, BomLine, Demand, WorkOrder

BATCH = 5000


class Command(BaseCommand):
    help = "Create MRP bench data: N items with three-level BOMs, demand lines, stock and open work orders."

    def add_arguments(self, parser):
        parser.add_argument("--company", default="MRP10K")
        parser.add_argument("--items", type=int, default=10000)
        parser.add_argument("--components", type=int, default=5, help="lines per BOM (default 5)")
        parser.add_argument("--demand-lines", type=int, default=None, help="default: 2 per item")
        parser.add_argument("--days", type=int, default=90, help="demand is spread over this many days")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opts):
        items, components = opts["items"], opts["components"]
        if items < 10 or components < 1:
            raise CommandError("need --items ≥ 10 and --components ≥ 1")
        demand_lines = opts["demand_lines"] if opts["demand_lines"] is not None else 2 * items
        code = opts["company"].strip().upper()
        if Item.objects.filter(company__code=code).exists():
            raise CommandError(f"company {code} already has items: choose another --company")
        rng = random.Random(opts["seed"])
        started = time.monotonic()
        with transaction.atomic():
            company = Company.objects.filter(code=code).first() or Company.objects.create(
                code=code, name=f"MRP 測試 {code}", tax_id="12345675")
            masterdata.units_seed(company=company)
            pcs = UnitOfMeasure.objects.get(company=company, code="PCS")
            warehouse = masterdata.warehouse_create(company=company, code="MRP", name="MRP 測試倉")
            location = masterdata.location_create(warehouse=warehouse, code="A", name="A")
            levels = self.make_items(company, pcs, items, rng)
            self.stdout.write(f"items: {items:,} ({time.monotonic() - started:.1f} s)")
            lines = self.make_boms(company, pcs, levels, components, rng)
            self.stdout.write(f"BOMs: {sum(len(level) for level in levels[:3]):,}, lines: {lines:,} "
                              f"({time.monotonic() - started:.1f} s)")
            self.make_demand(company, levels[0], demand_lines, opts["days"], rng)
            self.make_stock(company, warehouse, location, [i for level in levels for i in level], rng)
            self.make_work_orders(company, warehouse, [i for level in levels[:3] for i in level], opts["days"], rng)
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s: company {code}, {demand_lines:,} demand lines")

    def make_items(self, company, pcs, count, rng):
        fifth = count // 5
        sizes = [fifth, fifth, fifth, count - 3 * fifth]
        kinds = [inventory_status.ItemType.FINISHED_GOOD, inventory_status.ItemType.SEMI_FINISHED,
                 inventory_status.ItemType.SEMI_FINISHED, inventory_status.ItemType.RAW_MATERIAL]
        rows = []
        for level, size in enumerate(sizes):
            for n in range(size):
                item = Item(company=company, code=f"L{level}-{n:06d}", name=f"測試料 {level}-{n}", base_unit=pcs,
                            item_type=kinds[level], lead_time_days=rng.randint(1, 7 if level < 3 else 14),
                            procurement=inventory_status.Procurement.MAKE if level < 3
                            else inventory_status.Procurement.BUY)
                roll = rng.random()
                if level == 3 and roll < 0.2:
                    item.safety_stock = Decimal(rng.randint(10, 100))
                if roll > 0.8:
                    item.lot_sizing = inventory_status.LotSizing.FIXED
                    item.lot_size = Decimal(rng.choice([50, 100, 250]))
                elif roll > 0.65:
                    item.lot_sizing = inventory_status.LotSizing.MIN_MULTIPLE
                    item.lot_minimum, item.lot_multiple = Decimal(rng.choice([20, 50])), Decimal(rng.choice([5, 10]))
                rows.append(item)
        Item.objects.bulk_create(rows, batch_size=BATCH)
        ids = [item.pk for item in rows]
        levels, start = [], 0
        for size in sizes:
            levels.append(ids[start:start + size])
            start += size
        return levels

    def make_boms(self, company, pcs, levels, components, rng):
        """A default BOM per made item: ``components`` − 1 lines from the level below and one raw
        material (all raw materials at level 2)."""
        raw, written = levels[3], 0
        for level in range(3):
            boms = [Bom(company=company, item_id=item_id, version="1", quantity=Decimal("1"))
                    for item_id in levels[level]]
            Bom.objects.bulk_create(boms, batch_size=BATCH)
            lines = []
            for bom in boms:
                chosen = rng.sample(levels[level + 1], components - 1) if level < 2 else []
                chosen += rng.sample(raw, components - len(chosen))
                for seq, component_id in enumerate(dict.fromkeys(chosen), start=1):
                    quantity = Decimal(rng.choice([1, 1, 2, 3, 4]))
                    lines.append(BomLine(bom=bom, sequence=seq * 10, component_id=component_id, quantity=quantity,
                                         unit=pcs, quantity_base=quantity,
                                         scrap_percent=Decimal(rng.choice([0, 0, 0, 2, 5]))))
            BomLine.objects.bulk_create(lines, batch_size=BATCH)
            written += len(lines)
        return written

    def make_demand(self, company, tops, count, days, rng):
        today = timezone.localdate()
        rows = [Demand(company=company, item_id=rng.choice(tops),
                       date=today + datetime.timedelta(days=rng.randint(0, days - 1)),
                       quantity=Decimal(rng.randint(1, 20)), reference="bench") for _ in range(count)]
        Demand.objects.bulk_create(rows, batch_size=BATCH)

    def make_stock(self, company, warehouse, location, items, rng):
        rows = [StockBalance(company=company, item_id=item_id, warehouse=warehouse, location=location,
                             on_hand=Decimal(rng.randint(0, 500))) for item_id in items if rng.random() < 0.6]
        StockBalance.objects.bulk_create(rows, batch_size=BATCH)

    def make_work_orders(self, company, warehouse, made, days, rng):
        today = timezone.localdate()
        rows = []
        for n, item_id in enumerate(sorted(rng.sample(made, max(1, len(made) // 50))), start=1):
            due = today + datetime.timedelta(days=rng.randint(-5, days // 3))
            rows.append(WorkOrder(company=company, number=f"WO-B{n:06d}", item_id=item_id, warehouse=warehouse,
                                  quantity=Decimal(rng.randint(5, 50)), start_date=due - datetime.timedelta(days=3),
                                  due_date=due, status=st.WorkOrderStatus.RELEASED))
        WorkOrder.objects.bulk_create(rows, batch_size=BATCH)
