"""Generate a large inventory for benchmarks: a bench company with N items, M locations in two
warehouses and K posted stock moves in goods receipts and goods issues of 100 lines.

Two ways to post the moves:

- ``bulk`` (default): the documents, their lines, the moves, the balances and the moving-average
  valuations are computed here, with the same rules as ``inventory.services.stock`` (receipts at
  their own cost re-average, issues leave at the average, the last unit out takes the remaining
  value, stock never goes negative), and written with PostgreSQL COPY. Millions of moves in minutes.
- ``services``: every document goes through ``receipt_save/receipt_post`` and ``issue_save/issue_post``
  — the real engine, row locks and all; slower, and a reference for the bulk writer.

Either way the ledger check (``check_stock_ledger``) runs at the end.
"""

import datetime
import io
import random
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from erp.fiscal import fiscal_year_of
from erp.models import Company, Document, NumberingRule, NumberSequence
from erp.money import round_cost, round_money
from erp.number_formats import DEFAULT_FORMAT, format_number
from erp.roles import SYSTEM_ADMIN
from inventory import status as st
from inventory.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Item,
    ItemCategory,
    ItemUnit,
    ItemValuation,
    Location,
    Lot,
    StockBalance,
    StockIssue,
    StockIssueLine,
    StockMove,
    UnitOfMeasure,
)
from inventory.services import documents, masterdata

MICRO = 10**6  # quantities are kept as integers of 0.000001 base unit while planning
ITEM_BATCH = 5000

# Base unit → (alternative unit and factor or None, quantity step in micro-units, receipt range in steps)
KINDS = {
    "PCS": (("BOX", Decimal("12")), MICRO, (10, 500)),
    "KG": (("G", Decimal("0.001")), 1000, (1000, 200000)),
    "M": (("CM", Decimal("0.01")), 10000, (100, 30000)),
}
NOUNS = ["軸承", "螺絲", "鋁棒", "不鏽鋼板", "襯套", "法蘭", "彈簧", "墊圈", "聯軸器", "滑軌", "齒輪", "皮帶輪",
         "bearing", "shaft", "bracket", "housing", "flange", "bushing", "spacer", "pulley"]
ADJECTIVES = ["精密", "標準", "強化", "輕量", "耐熱", "防鏽", "高速", "微型", "precision", "heavy", "compact"]


@dataclass
class BenchItem:
    pk: int
    kind: str  # PCS / KG / M
    lot_ids: tuple
    cost: Decimal
    step: int


@dataclass
class PlannedLine:
    item: BenchItem
    location_id: int
    lot_id: int | None
    base_micro: int  # signed: > 0 in, < 0 out
    unit_code: str  # the line's unit
    quantity: Decimal  # in the line's unit
    unit_cost: Decimal | None  # receipts: per line unit


@dataclass
class PlannedDocument:
    kind: str  # "receipt" or "issue"
    warehouse_id: int
    posted_at: datetime.datetime
    lines: list = field(default_factory=list)


class Planner:
    """Chooses documents and lines that never take more than is on hand; tracks balances in micro-units."""

    def __init__(self, rng, items, locations_by_warehouse, lines_per_document):
        self.rng = rng
        self.items = items
        self.locations = locations_by_warehouse
        self.lines = lines_per_document
        self.on_hand = {}  # (item pk, location pk, lot pk) -> micro-units
        self.stocked = {wh: [] for wh in locations_by_warehouse}  # keys with stock, per warehouse
        self.position = {}  # key -> index in its stocked list
        self.item_by_pk = {item.pk: item for item in items}

    def _add(self, warehouse, key, micro):
        before = self.on_hand.get(key, 0)
        after = before + micro
        self.on_hand[key] = after
        if before == 0 and after > 0:
            self.position[key] = len(self.stocked[warehouse])
            self.stocked[warehouse].append(key)
        elif before > 0 and after == 0:
            stocked = self.stocked[warehouse]
            index = self.position.pop(key)
            last = stocked.pop()
            if last != key:
                stocked[index] = last
                self.position[last] = index

    def document(self, size, posted_at):
        warehouse = self.rng.choice(list(self.locations))
        stocked = len(self.stocked[warehouse])
        kind = "issue" if stocked and self.rng.random() < 0.45 else "receipt"
        doc = PlannedDocument(kind=kind, warehouse_id=warehouse, posted_at=posted_at)
        if kind == "receipt":
            for _n in range(size):
                doc.lines.append(self.receipt_line(warehouse))
        else:
            for key in self.rng.sample(self.stocked[warehouse], min(size, stocked)):
                doc.lines.append(self.issue_line(key))
        for line in doc.lines:
            self._add(warehouse, (line.item.pk, line.location_id, line.lot_id), line.base_micro)
        return doc

    def receipt_line(self, warehouse):
        rng = self.rng
        item = rng.choice(self.items)
        alt, step, (low, high) = KINDS[item.kind]
        steps = rng.randint(low, high)
        quantity = Decimal(steps * step) / MICRO
        base_micro = steps * step
        unit_cost = (item.cost * Decimal(rng.randint(90, 110)) / 100).quantize(Decimal("0.0001"))
        unit_code = item.kind
        if item.kind == "PCS" and rng.random() < 0.1:  # some lines in boxes of 12
            boxes = rng.randint(1, 20)
            unit_code, quantity, base_micro = alt[0], Decimal(boxes), boxes * 12 * MICRO
            unit_cost = unit_cost * 12
        return PlannedLine(item=item, location_id=rng.choice(self.locations[warehouse]),
                           lot_id=rng.choice(item.lot_ids) if item.lot_ids else None, base_micro=base_micro,
                           unit_code=unit_code, quantity=quantity, unit_cost=unit_cost)

    def issue_line(self, key):
        item = self.item_by_pk[key[0]]
        available = self.on_hand[key]
        if self.rng.random() < 0.1:
            take = available  # sometimes the last units leave
        else:
            steps = available // item.step
            take = self.rng.randint(1, max(1, steps // 2)) * item.step
        return PlannedLine(item=item, location_id=key[1], lot_id=key[2], base_micro=-take, unit_code=item.kind,
                           quantity=Decimal(take) / MICRO, unit_cost=None)


class Command(BaseCommand):
    help = "Create a bench company with N items, M locations in two warehouses and K posted stock moves."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=1000, help="number of items (default 1000)")
        parser.add_argument("--locations", type=int, default=20,
                            help="storage locations over the two warehouses (default 20)")
        parser.add_argument("--moves", type=int, default=10000, help="posted stock moves (default 10000)")
        parser.add_argument("--company", default="BENCH", metavar="CODE", help="company code (default BENCH)")
        parser.add_argument("--method", choices=("bulk", "services"), default="bulk",
                            help="bulk: computed and written with COPY (fast); services: through the posting "
                                 "services (slow)")
        parser.add_argument("--lines", type=int, default=100, help="lines per document (default 100)")
        parser.add_argument("--days", type=int, default=365, help="spread the moves over this many days (bulk)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--username", help="the bench company's System admin (default: the company code)")
        parser.add_argument("--password", default=None, help="its password (default: settings.DEMO_PASSWORD)")
        parser.add_argument("--no-check", action="store_true", help="skip the ledger check at the end")

    def handle(self, *args, **opts):
        from django.conf import settings

        n_items, n_locations, n_moves = opts["items"], opts["locations"], opts["moves"]
        if n_items < 1 or n_locations < 2 or n_moves < 0 or opts["lines"] < 1:
            raise CommandError("need --items ≥ 1, --locations ≥ 2 (two warehouses), --moves ≥ 0, --lines ≥ 1")
        code = opts["company"].strip().upper()
        self.rng = random.Random(opts["seed"])
        self.started = time.monotonic()
        bulk = opts["method"] == "bulk"
        # One transaction for the master data (and, in bulk, the moves): a failed run leaves nothing behind.
        with transaction.atomic():
            company = self.make_company(code)
            user = self.make_user(company, opts["username"] or re.sub(r"[^a-z0-9._-]", "-", code.lower()),
                                  opts["password"] or settings.DEMO_PASSWORD)
            warehouses, locations = self.make_locations(company, n_locations, user)
            items = self.make_items(company, n_items, warehouses)
            planner = Planner(self.rng, items, locations, opts["lines"])
            if bulk:
                self.post_moves(planner, BulkWriter(company, user, self), n_moves, opts["lines"], opts["days"])
        if bulk:
            analyze()
        else:
            # Each document in its own transaction, as the screens post them.
            self.post_moves(planner, ServicesWriter(company, user), n_moves, opts["lines"], opts["days"])
        self.stdout.write(f"done in {time.monotonic() - self.started:.1f} s; log in as {user.username!r}")
        if not opts["no_check"]:
            call_command("check_stock_ledger", company=code, stdout=self.stdout, stderr=self.stderr)

    # Master data ---------------------------------------------------------------------------

    def progress(self, what, done, total, since):
        elapsed = max(time.monotonic() - since, 1e-6)
        self.stdout.write(f"{what}: {done:,}/{total:,}  {done / elapsed:,.0f} rows/s")
        self.stdout.flush()

    def make_company(self, code):
        company, _created = Company.objects.get_or_create(code=code, defaults={"name": f"Bench company {code}"})
        if Item.objects.filter(company=company).exists():
            raise CommandError(f"company {code} already has items: choose another --company")
        masterdata.units_seed(company=company)
        return company

    def make_user(self, company, username, password):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None and user.company_id != company.pk:
            raise CommandError(f"user {username!r} belongs to another company: choose another --username")
        if user is None:
            user = User(username=username, company=company, first_name="Bench", is_staff=True)
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=SYSTEM_ADMIN))
        return user

    def make_locations(self, company, count, user):
        warehouses = [
            masterdata.warehouse_create(company=company, code=f"{company.code}-W{n}", name=f"Bench warehouse {n}",
                                        actor=user)
            for n in (1, 2)
        ]
        rows = [
            Location(company=company, warehouse=warehouses[n % 2], code=f"L-{n + 1:05d}", name=f"Bin {n + 1:05d}")
            for n in range(count)
        ]
        Location.objects.bulk_create(rows, batch_size=ITEM_BATCH)
        by_warehouse = {wh.pk: [loc.pk for loc in rows if loc.warehouse_id == wh.pk] for wh in warehouses}
        self.stdout.write(f"warehouses: 2, locations: {count:,}")
        return warehouses, by_warehouse

    def make_items(self, company, count, warehouses):
        units = {u.code: u for u in UnitOfMeasure.objects.filter(company=company)}
        categories = ItemCategory.objects.bulk_create(
            [ItemCategory(company=company, code=f"C{n:02d}", name=f"Category {n:02d}") for n in range(1, 13)]
        )
        rng, since, result, today = self.rng, time.monotonic(), [], timezone.localdate()
        for start in range(0, count, ITEM_BATCH):
            batch = []
            for n in range(start + 1, min(start + ITEM_BATCH, count) + 1):
                kind = "PCS" if n % 10 < 8 else ("KG" if n % 10 == 8 else "M")
                lot_tracked = kind == "KG"
                batch.append(Item(
                    company=company, code=f"B{n:07d}", barcode=f"29{n:011d}",
                    name=f"{rng.choice(ADJECTIVES)}{rng.choice(NOUNS)} {n}", specification=f"Spec {n % 997}",
                    category=categories[n % len(categories)], item_type=st.ItemType.RAW_MATERIAL,
                    procurement=st.Procurement.BUY, base_unit=units[kind],
                    standard_cost=Decimal(rng.randint(100, 500000)) / 100, reorder_point=Decimal(rng.randint(0, 200)),
                    lead_time_days=rng.randint(0, 30), lot_tracked=lot_tracked,
                    shelf_life_days=365 if lot_tracked else None, default_warehouse=warehouses[n % 2],
                ))
            Item.objects.bulk_create(batch)
            alt = [ItemUnit(item=item, unit=units[KINDS[item.base_unit.code][0][0]],
                            factor=KINDS[item.base_unit.code][0][1]) for item in batch]
            ItemUnit.objects.bulk_create(alt)
            lots = [Lot(company=company, item=item, number=f"LOT-{item.code}-{k}",
                        manufactured_on=today - datetime.timedelta(days=400 - 200 * k),
                        expires_on=today + datetime.timedelta(days=365 - 400 + 200 * k))
                    for item in batch if item.lot_tracked for k in (1, 2)]
            Lot.objects.bulk_create(lots)
            lot_ids = {}
            for lot in lots:
                lot_ids.setdefault(lot.item_id, []).append(lot.pk)
            for item in batch:
                kind = item.base_unit.code
                result.append(BenchItem(pk=item.pk, kind=kind, lot_ids=tuple(lot_ids.get(item.pk, ())),
                                        cost=item.standard_cost, step=KINDS[kind][1]))
            self.progress("items", len(result), count, since)
        return result

    # Moves ---------------------------------------------------------------------------------

    def post_moves(self, planner, writer, total, size, days):
        now = timezone.now()
        span = datetime.timedelta(days=days)
        since, done = time.monotonic(), 0
        last_report = since
        while done < total:
            doc = planner.document(min(size, total - done), now - span + span * (done / total))
            writer.write(doc)
            done += len(doc.lines)
            if time.monotonic() - last_report > 5 or done >= total:
                writer.flush()
                last_report = time.monotonic()
                self.progress("moves", done, total, since)
        writer.finish(planner)


class ServicesWriter:
    """Post each planned document through the document services (row locks, validation, numbering)."""

    def __init__(self, company, user):
        self.company, self.user = company, user
        self.units = {u.code: u for u in UnitOfMeasure.objects.filter(company=company)}
        self.locations = Location.objects.filter(company=company).select_related("warehouse").in_bulk()

    def write(self, doc: PlannedDocument) -> None:
        items = Item.objects.select_related("base_unit").in_bulk({line.item.pk for line in doc.lines})
        lots = Lot.objects.in_bulk({line.lot_id for line in doc.lines if line.lot_id})
        warehouse = self.locations[doc.lines[0].location_id].warehouse
        if doc.kind == "receipt":
            lines = [{"item": items[line.item.pk], "quantity": line.quantity, "unit": self.units[line.unit_code],
                      "location": self.locations[line.location_id], "unit_cost": line.unit_cost,
                      "lot_number": lots[line.lot_id].number if line.lot_id else ""} for line in doc.lines]
            receipt = documents.receipt_save(company=self.company, actor=self.user, warehouse=warehouse, lines=lines,
                                             supplier_reference="bench")
            documents.receipt_post(receipt=receipt, actor=self.user)
        else:
            lines = [{"item": items[line.item.pk], "quantity": line.quantity, "unit": self.units[line.unit_code],
                      "location": self.locations[line.location_id], "lot": lots.get(line.lot_id)}
                     for line in doc.lines]
            issue = documents.issue_save(company=self.company, actor=self.user, warehouse=warehouse, lines=lines,
                                         purpose="bench")
            documents.issue_post(issue=issue, actor=self.user)

    def flush(self):
        pass

    def finish(self, planner):
        pass


def copy_text(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


class CopyBuffer:
    """Rows for one table, written with COPY … FROM STDIN; columns are model attribute names."""

    def __init__(self, model, columns):
        names = {f.attname: f.column for f in model._meta.concrete_fields}
        missing = [c for c in columns if c not in names]
        if missing:
            raise ValueError(f"{model.__name__} has no fields {missing}")
        self.table = model._meta.db_table
        self.columns = [names[c] for c in columns]
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values):
        self.buffer.write("\t".join(map(copy_text, values)))
        self.buffer.write("\n")
        self.rows += 1

    def flush(self, cursor):
        if not self.rows:
            return
        self.buffer.seek(0)
        cursor.copy_expert(f'COPY "{self.table}" ({", ".join(self.columns)}) FROM STDIN', self.buffer)
        self.buffer = io.StringIO()
        self.rows = 0


class BulkWriter:
    """Compute the moves of planned documents like the ledger engine and write everything with COPY.

    Per document: a posted, numbered header, its lines, one move per line. Valuations follow the
    moving average of ``inventory.services.stock``; balances are the planner's running totals."""

    HEADER = ["id", "company_id", "number", "status", "document_date", "created_by_id", "created_at",
              "updated_by_id", "updated_at", "warehouse_id", "notes", "posted_at"]

    def __init__(self, company, user, command):
        self.company, self.user, self.command = company, user, command
        self.units = {u.code: u.pk for u in UnitOfMeasure.objects.filter(company=company)}
        self.types = {GoodsReceipt: ContentType.objects.get_for_model(GoodsReceipt).pk,
                      StockIssue: ContentType.objects.get_for_model(StockIssue).pk}
        self.receipts = CopyBuffer(GoodsReceipt, [*self.HEADER, "supplier_reference"])
        self.issues = CopyBuffer(StockIssue, [*self.HEADER, "purpose"])
        self.receipt_lines = CopyBuffer(GoodsReceiptLine, ["document_id", "item_id", "quantity", "unit_id",
                                                           "location_id", "lot_number", "manufactured_on",
                                                           "expires_on", "unit_cost"])
        self.issue_lines = CopyBuffer(StockIssueLine, ["document_id", "item_id", "quantity", "unit_id",
                                                       "location_id", "lot_id"])
        self.moves = CopyBuffer(StockMove, ["company_id", "item_id", "warehouse_id", "location_id", "lot_id",
                                            "move_type", "quantity", "unit_cost", "value", "document_type_id",
                                            "document_id", "document_reference", "reverses_id", "posted_at",
                                            "posted_by_id"])
        self.valuations = {}  # item pk -> [quantity, value, average cost]
        self.sequences = {}  # (doc type, year) -> last number
        self.rules = {}
        self.ids = {GoodsReceipt: [], StockIssue: []}
        self.lot_numbers = {}

    def next_id(self, model):
        pool = self.ids[model]
        if not pool:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, 1000)",
                               [model._meta.db_table])
                pool.extend(row[0] for row in reversed(cursor.fetchall()))
        return pool.pop()

    def number(self, model: type[Document], date: datetime.date) -> str:
        """The next number of the gapless series, as ``erp.numbering.take_number`` would give it."""
        if model not in self.rules:
            self.rules[model] = NumberingRule.objects.filter(company=self.company, doc_type=model.DOC_TYPE).first()
        rule = self.rules[model]
        fmt, prefix = (rule.format, rule.prefix) if rule else (DEFAULT_FORMAT, model.DOC_TYPE)
        year = fiscal_year_of(self.company, date)
        key = (model.DOC_TYPE, year if (rule is None or rule.yearly_reset) else 0)
        if key not in self.sequences:
            row = NumberSequence.objects.filter(company=self.company, doc_type=key[0], year=key[1]).first()
            self.sequences[key] = row.last_value if row else 0
        self.sequences[key] += 1
        return format_number(fmt=fmt, prefix=prefix, year=year, seq=self.sequences[key])

    def lot_number(self, lot_id):
        if lot_id not in self.lot_numbers:
            self.lot_numbers.update(Lot.objects.filter(company=self.company).values_list("pk", "number"))
        return self.lot_numbers[lot_id]

    def write(self, doc):
        model = GoodsReceipt if doc.kind == "receipt" else StockIssue
        date = timezone.localdate(doc.posted_at)
        pk, number = self.next_id(model), self.number(model, date)
        header = [pk, self.company.pk, number, st.DocStatus.POSTED, date, self.user.pk, doc.posted_at, self.user.pk,
                  doc.posted_at, doc.warehouse_id, "", doc.posted_at, "bench"]
        (self.receipts if model is GoodsReceipt else self.issues).add(*header)
        doc_type, move_type = self.types[model], (st.MoveType.RECEIPT if model is GoodsReceipt else st.MoveType.ISSUE)
        for line in doc.lines:
            item = line.item
            base = Decimal(line.base_micro) / MICRO
            valuation = self.valuations.setdefault(item.pk, [Decimal(0), Decimal(0), Decimal(0)])
            if model is GoodsReceipt:
                unit_cost = round_cost(line.unit_cost * line.quantity / base)
                value = round_money(base * unit_cost)
                valuation[0] += base
                valuation[1] += value
                if valuation[0] > 0:
                    valuation[2] = round_cost(valuation[1] / valuation[0])
                lot = self.lot_number(line.lot_id) if line.lot_id else ""
                self.receipt_lines.add(pk, item.pk, line.quantity, self.units[line.unit_code], line.location_id, lot,
                                       None, None, line.unit_cost)
            else:
                unit_cost = valuation[2]
                value = -valuation[1] if valuation[0] + base == 0 else round_money(base * unit_cost)
                valuation[0] += base
                valuation[1] += value
                self.issue_lines.add(pk, item.pk, line.quantity, self.units[line.unit_code], line.location_id,
                                     line.lot_id)
            self.moves.add(self.company.pk, item.pk, doc.warehouse_id, line.location_id, line.lot_id, move_type, base,
                           unit_cost, value, doc_type, pk, number, None, doc.posted_at, self.user.pk)

    def flush(self):
        with connection.cursor() as cursor:
            for buffer in (self.receipts, self.issues, self.receipt_lines, self.issue_lines, self.moves):
                buffer.flush(cursor)

    def finish(self, planner):
        """Balances, valuations and the numbering counters, as the engine would have left them."""
        self.flush()
        since = time.monotonic()
        warehouses = dict(Location.objects.filter(company=self.company).values_list("pk", "warehouse_id"))
        balances = CopyBuffer(StockBalance, ["company_id", "item_id", "warehouse_id", "location_id", "lot_id",
                                             "on_hand", "reserved"])
        valuations = CopyBuffer(ItemValuation, ["company_id", "item_id", "quantity", "value", "average_cost",
                                                "stored", "reserved"])
        with connection.cursor() as cursor:
            for (item_id, location_id, lot_id), micro in planner.on_hand.items():
                balances.add(self.company.pk, item_id, warehouses[location_id], location_id, lot_id,
                             Decimal(micro) / MICRO, 0)
            for item_id, (quantity, value, average) in self.valuations.items():
                # every generated location is a storage location and nothing is reserved
                valuations.add(self.company.pk, item_id, quantity, value, average, quantity, 0)
            written = balances.rows + valuations.rows
            balances.flush(cursor)
            valuations.flush(cursor)
            for (doc_type, year), last in self.sequences.items():
                NumberSequence.objects.update_or_create(company=self.company, doc_type=doc_type, year=year,
                                                        defaults={"last_value": last})
        self.command.progress("balances and valuations", written, written, since)


def analyze():
    """Fresh planner statistics for the tables that just grew by millions of rows."""
    with connection.cursor() as cursor:
        for model in (Item, StockMove, StockBalance, ItemValuation, GoodsReceipt, StockIssue, Lot, Location):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
