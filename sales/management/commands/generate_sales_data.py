"""Generate a large sales data set for benchmarks: customers, a price list for every item, sales reps,
and a history of sales orders (with their delivery notes, events, tasks and audit entries) that reads
like years of use of the services.

    manage.py generate_sales_data --customers 50000 --items 100000 --orders 1000000

The items and their stock come from ``generate_inventory_data`` (run first when the company has no
items; an existing company's items are reused). The tax code, payment terms and the price list
header go through the services; the bulk (prices, customers with their reps' object permission,
orders, lines, delivery notes…) is written with PostgreSQL COPY in one transaction.

Orders are spread over ``--days`` days, oldest first: old orders are mostly closed or delivered,
the last two weeks hold drafts, confirmed orders (short: nothing reserved, a purchase task open),
partial deliveries and open invoicing tasks. Every order past draft has a number from the gapless
series, its order-confirmed event, and audit entries for its creation and status changes; every
delivered quantity is on a posted delivery note with the pick task (done), the delivery-posted
event and the finance task. Stock is not moved by the generated deliveries (the inventory ledger
stays the one ``generate_inventory_data`` made and checked).
"""

import datetime
import json
import random
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_noop
from guardian.models import UserObjectPermission

from erp.events import SUBSCRIBERS, EventSignal
from erp.fiscal import fiscal_year_of
from erp.messages import Stored, in_default_language, message
from erp.models import Company, EventDelivery, NumberingRule, NumberSequence, OutboxEvent
from erp.money import CENT, round_money
from erp.number_formats import DEFAULT_FORMAT, format_number
from erp.roles import FINANCE, PURCHASING, SALES, SALES_MANAGER, WAREHOUSE
from inventory import signals as inventory_signals
from inventory import status as ist
from inventory.management.commands.generate_inventory_data import CopyBuffer
from inventory.models import DeliveryNote, DeliveryNoteLine, Item, Location, Warehouse
from inventory.services.deliveries import PICK_TASK, pick_task_title
from office.models import Task
from office.status import TaskStatus
from sales import signals
from sales import status as st
from sales.models import Customer, CustomerContact, PriceListItem, SalesOrder, SalesOrderLine
from sales.services import masterdata

VAT = Decimal("5")
CHUNK = 5000  # orders per COPY round

PREFIXES = list("永聯鴻盛祥佳台群信嘉南偉全力久大益凱昱旭東宏興華泰昌達銘崇豐順光隆源新亞建勝福") + ["金", "正"]
TRADES = ["精密", "機械", "工業", "自動化", "電機", "科技", "五金", "機電", "塑膠", "模具", "光電", "醫材", "傳動",
          "航太", "半導體設備", "包裝機械", "工具機", "鋼鐵", "貿易"]
FORMS = ["股份有限公司"] * 5 + ["有限公司"] * 4 + ["企業社"]
PLACES = [
    ("臺北市", ["內湖區", "南港區", "士林區"]), ("新北市", ["五股區", "樹林區", "新莊區", "土城區"]),
    ("桃園市", ["龜山區", "中壢區", "觀音區"]), ("新竹縣", ["湖口鄉", "竹北市"]),
    ("臺中市", ["西屯區", "南屯區", "大雅區", "太平區", "神岡區", "沙鹿區"]),
    ("彰化縣", ["和美鎮", "彰化市", "鹿港鎮"]),
    ("臺南市", ["安南區", "永康區", "新市區"]), ("高雄市", ["路竹區", "岡山區", "仁武區"]),
]
ROADS = ["工業一路", "工業二路", "中山路", "民生路", "環河路", "科技路", "精科路", "自強路", "和平路", "光復路"]
SURNAMES = list("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周")
GIVEN = ["志明", "雅婷", "建宏", "家豪", "佩珊", "冠廷", "明哲", "書豪", "宇翔", "淑芬", "詠晴", "俊傑", "欣怡"]


def subscribers_of(signal: EventSignal) -> list[str]:
    """The subscriber keys of ``signal``, as ``publish`` finds them."""
    return sorted(subscriber.key for subscriber in SUBSCRIBERS.values() if subscriber.event is signal)


def tax_id(rng):
    """A random 8-digit 統一編號 that passes the checksum (weights 1,2,1,2,1,2,4,1; sum of digits ÷ 5)."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        for last in range(10):
            total = sum(p // 10 + p % 10 for p in (d * w for d, w in zip([*digits, last], (1, 2, 1, 2, 1, 2, 4, 1),
                                                                            strict=True)))
            if total % 5 == 0 or (digits[6] == 7 and (total + 1) % 5 == 0):
                return "".join(map(str, digits)) + str(last)


class Numbers:
    """The gapless series as ``erp.numbering.take_number`` would hand them out, counted here."""

    def __init__(self, company):
        self.company = company
        self.rules = {r.doc_type: r for r in NumberingRule.objects.filter(company=company)}
        self.last = {}

    def take(self, doc_type: str, date: datetime.date) -> str:
        rule = self.rules.get(doc_type)
        fmt, prefix = (rule.format, rule.prefix) if rule else (DEFAULT_FORMAT, doc_type)
        year = fiscal_year_of(self.company, date)
        key = (doc_type, year if (rule is None or rule.yearly_reset) else 0)
        if key not in self.last:
            row = NumberSequence.objects.filter(company=self.company, doc_type=key[0], year=key[1]).first()
            self.last[key] = row.last_value if row else 0
        self.last[key] += 1
        return format_number(fmt=fmt, prefix=prefix, year=year, seq=self.last[key])

    def save(self):
        for (doc_type, year), last in self.last.items():
            NumberSequence.objects.update_or_create(company=self.company, doc_type=doc_type, year=year,
                                                    defaults={"last_value": last})


class Buffer(CopyBuffer):
    """A COPY buffer that also counts every row it ever held."""

    written = 0

    def add(self, *values):
        self.written += 1
        super().add(*values)


def take_ids(model, count):
    """``count`` ids from the table's own sequence (safe next to concurrent inserts)."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [model._meta.db_table, count])
        return [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = "Create sales bench data: customers, prices, reps and N sales orders with their history (COPY)."

    def add_arguments(self, parser):
        parser.add_argument("--company", default="SBENCH", metavar="CODE", help="company code (default SBENCH)")
        parser.add_argument("--customers", type=int, default=2000, help="customers (default 2000)")
        parser.add_argument("--orders", type=int, default=20000, help="sales orders (default 20000)")
        parser.add_argument("--lines", type=int, default=3, help="average lines per order, 1 to 2×N-1 (default 3)")
        parser.add_argument("--items", type=int, default=5000,
                            help="items, when the company has none yet (passed to generate_inventory_data)")
        parser.add_argument("--locations", type=int, default=200, help="storage locations (generate_inventory_data)")
        parser.add_argument("--moves", type=int, default=None,
                            help="stock moves for generate_inventory_data (default 10 per item)")
        parser.add_argument("--reps", type=int, default=20, help="sales reps owning the customers (default 20)")
        parser.add_argument("--days", type=int, default=730, help="spread the orders over this many days")
        parser.add_argument("--no-history", action="store_true",
                            help="orders and lines only: no delivery notes, events, tasks or audit entries")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default=None, help="password of the bench users (default DEMO_PASSWORD)")

    def handle(self, *args, **opts):
        code = opts["company"].strip().upper()
        if opts["customers"] < 1 or opts["orders"] < 0 or opts["lines"] < 1 or opts["reps"] < 1:
            raise CommandError("need --customers ≥ 1, --orders ≥ 0, --lines ≥ 1, --reps ≥ 1")
        password = opts["password"] or settings.DEMO_PASSWORD
        self.rng = random.Random(opts["seed"])
        self.started = time.monotonic()
        company = Company.objects.filter(code=code).first()
        if company is None or not Item.objects.filter(company=company).exists():
            call_command("generate_inventory_data", company=code, items=opts["items"], locations=opts["locations"],
                         moves=opts["moves"] if opts["moves"] is not None else 10 * opts["items"], seed=opts["seed"],
                         password=password, no_check=True, stdout=self.stdout, stderr=self.stderr)
            company = Company.objects.get(code=code)
        if Customer.objects.filter(company=company).exists():
            raise CommandError(f"company {code} already has customers: choose another --company")
        with transaction.atomic():
            self.skip_fk_checks()
            self.setup(company, password, opts["reps"])
            self.make_prices()
            self.make_customers(opts["customers"])
            self.make_orders(opts["orders"], opts["lines"], opts["days"], history=not opts["no_history"])
            if self.triggers_off:  # back to normal should an outer transaction go on (tests)
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = origin")
        self.analyze()
        self.stdout.write(f"done in {time.monotonic() - self.started:.1f} s; users: {self.admin.username} (System "
                          f"admin), {self.manager.username} (Sales manager), {self.reps[0].username}… (Sales)")

    def skip_fk_checks(self):
        """The rows are consistent by construction: as a superuser, skip the per-row foreign-key
        triggers for this transaction (COPY took a third less time); otherwise check them per statement
        rather than queueing millions of checks to the commit."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            self.triggers_off = bool(row and row[0])
            if self.triggers_off:
                cursor.execute("SET LOCAL session_replication_role = replica")
                self.stdout.write("foreign-key triggers off for this transaction (superuser)")
            else:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def progress(self, what, done, total, since):
        elapsed = max(time.monotonic() - since, 1e-6)
        self.stdout.write(f"{what}: {done:,}/{total:,}  {done / elapsed:,.0f}/s")
        self.stdout.flush()

    # Master data ---------------------------------------------------------------------------

    def setup(self, company, password, reps):
        self.company = company
        User = get_user_model()
        base = re.sub(r"[^a-z0-9._-]", "-", company.code.lower())
        self.admin = User.objects.filter(company=company, username=base).first() or \
            User.objects.filter(company=company).order_by("pk").first()

        def user(username, role, first_name):
            found = User.objects.filter(username=username).first()
            if found is not None and found.company_id != company.pk:
                raise CommandError(f"user {username!r} belongs to another company")
            if found is None:
                found = User(username=username, company=company, first_name=first_name)
                found.set_password(password)
                found.save()
            found.groups.add(Group.objects.get(name=role))
            return found

        self.manager = user(f"{base}-mgr", SALES_MANAGER, "Bench sales manager")
        self.reps = [user(f"{base}-rep{n:02d}", SALES, f"Bench rep {n:02d}") for n in range(1, reps + 1)]
        self.vat = masterdata.tax_code_save(company=company, code="VAT5", name="營業稅 5%", rate=VAT, is_default=True)
        self.terms = [masterdata.payment_term_save(company=company, code=c, name=n, days=d, end_of_month=e)
                      for c, n, d, e in (("EOM30", "月結30天", 30, True), ("EOM60", "月結60天", 60, True),
                                         ("COD", "貨到付現", 0, False))]
        self.price_list = masterdata.price_list_save(company=company, code="STD", name="標準售價", is_default=True)
        self.types = {model: ContentType.objects.get_for_model(model).pk
                      for model in (SalesOrder, DeliveryNote, Customer)}
        self.roles = {name: Group.objects.get(name=name).pk for name in (WAREHOUSE, FINANCE, PURCHASING)}
        self.warehouses = list(Warehouse.objects.filter(company=company, is_active=True).order_by("code"))
        self.locations = {wh.pk: list(Location.objects.filter(warehouse=wh, kind=ist.LocationKind.INTERNAL)
                                      .values_list("pk", flat=True)) for wh in self.warehouses}
        self.items = list(Item.objects.filter(company=company, is_active=True).values_list(
            "pk", "code", "name", "base_unit_id", "base_unit__code", "standard_cost", "lead_time_days"))
        if not self.items:
            raise CommandError(f"company {company.code} has no active items")

    def make_prices(self):
        since, rng = time.monotonic(), self.rng
        prices = Buffer(PriceListItem, ["price_list_id", "item_id", "unit_id", "min_quantity", "price"])
        self.prices = {}
        with connection.cursor() as cursor:
            for pk, _code, _name, unit_id, _unit, cost, _lead in self.items:
                price = (max(cost, Decimal("1")) * Decimal(rng.randint(130, 180)) / 100).quantize(Decimal("1"))
                self.prices[pk] = price
                prices.add(self.price_list.pk, pk, unit_id, 0, price)
                if pk % 10 == 0:  # a quantity break on every tenth item
                    prices.add(self.price_list.pk, pk, unit_id, 100, (price * Decimal("0.95")).quantize(CENT))
            written = prices.rows
            prices.flush(cursor)
        self.progress("prices", written, written, since)

    def make_customers(self, count):
        since, rng = time.monotonic(), self.rng
        ids = take_ids(Customer, count)
        customers = Buffer(Customer, [
            "id", "company_id", "code", "name", "is_active", "short_name", "tax_id", "billing_address",
            "shipping_address", "phone", "email", "payment_term_id", "currency", "credit_limit", "price_list_id",
            "tax_code_id", "owner_id", "notes"])
        contacts = Buffer(CustomerContact, ["customer_id", "name", "title", "phone", "email", "is_primary"])
        grants = Buffer(UserObjectPermission, ["user_id", "permission_id", "content_type_id", "object_pk"])
        serve = Permission.objects.get(content_type__app_label="sales", codename="serve_customer").pk
        self.customers = []  # (pk, display name, owner pk, ship to, code, tax id, name)
        with connection.cursor() as cursor:
            for n, pk in enumerate(ids, start=1):
                short = rng.choice(PREFIXES) + rng.choice(PREFIXES) + rng.choice(TRADES)
                name = short + rng.choice(FORMS)
                city, districts = rng.choice(PLACES)
                address = f"{city}{rng.choice(districts)}{rng.choice(ROADS)} {rng.randint(1, 400)} 號"
                owner = self.reps[n % len(self.reps)]
                code = f"K{n:06d}"
                # One in ten has a credit limit; those are left out of the confirm benchmark's drafts.
                limit = Decimal(rng.choice((300000, 500000, 1000000, 3000000))) if n % 10 == 0 else None
                customer_tax_id = tax_id(rng)
                customers.add(pk, self.company.pk, code, name, True, short, customer_tax_id, address, address,
                              f"0{rng.randint(2, 8)}-{rng.randint(2000, 2999)}-{rng.randint(1000, 9999)}",
                              f"purchase{n}@example.com.tw", self.terms[n % len(self.terms)].pk, "TWD", limit, None,
                              None, owner.pk, "")
                contacts.add(pk, rng.choice(SURNAMES) + rng.choice(GIVEN), "採購", "", f"buyer{n}@example.com.tw",
                             True)
                grants.add(owner.pk, serve, self.types[Customer], str(pk))
                self.customers.append((pk, f"{code} {name}", owner.pk, address, code, customer_tax_id, name))
                if n % 20000 == 0 or n == count:
                    for buffer in (customers, contacts, grants):
                        buffer.flush(cursor)
        self.progress("customers (with contact and the rep's permission)", count, count, since)

    # Orders --------------------------------------------------------------------------------

    def plan_status(self, age_days):
        r = self.rng.random()
        if age_days < 14:  # the recent past: still in the works
            for status, share in ((st.OrderStatus.DRAFT, 0.15), (st.OrderStatus.CONFIRMED, 0.30),
                                  (st.OrderStatus.PARTIAL, 0.15), (st.OrderStatus.CANCELLED, 0.05)):
                if r < share:
                    return status
                r -= share
            return st.OrderStatus.DELIVERED
        if r < 0.05:
            return st.OrderStatus.CANCELLED
        if r < 0.06:
            return st.OrderStatus.PARTIAL
        return st.OrderStatus.CLOSED if age_days > 45 or r < 0.5 else st.OrderStatus.DELIVERED

    def make_orders(self, total, lines_avg, days, *, history):
        since = time.monotonic()
        self.numbers = Numbers(self.company)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.history = history
        self.buffers = {
            "orders": Buffer(SalesOrder, [
                "id", "company_id", "number", "status", "document_date", "created_by_id", "created_at",
                "updated_by_id", "updated_at", "customer_id", "sales_rep_id", "currency", "price_list_id",
                "payment_term_id", "customer_reference", "ship_to", "notes", "net_amount", "tax_amount",
                "total_amount", "quotation_id", "warehouse_id", "requested_date", "promised_date", "confirmed_at"]),
            "lines": Buffer(SalesOrderLine, [
                "id", "order_id", "line_no", "item_id", "description", "quantity", "unit_id", "quantity_base",
                "list_price", "unit_price", "discount_percent", "tax_code_id", "tax_rate", "net_amount",
                "requested_date", "shortage_quantity", "delivered_quantity", "returned_quantity", "promised_date"]),
            "deliveries": Buffer(DeliveryNote, [
                "id", "company_id", "number", "status", "document_date", "created_by_id", "created_at",
                "updated_by_id", "updated_at", "warehouse_id", "notes", "posted_at", "source_type_id", "source_id",
                "source_reference", "customer_code", "customer_name", "customer_tax_id", "customer_reference",
                "ship_to", "due_date", "backorder_of_id", "source_event"]),
            "delivery_lines": Buffer(DeliveryNoteLine, [
                "document_id", "source_line_id", "source_line_no", "description", "item_id", "unit_id", "quantity",
                "picked", "location_id", "lot_id", "unit_cost"]),
            "events": Buffer(OutboxEvent, ["id", "name", "payload", "company_id", "source_type_id", "source_id",
                                               "created_at"]),
            "event_deliveries": Buffer(EventDelivery, ["event_id", "subscriber", "status", "attempts",
                                                           "last_error", "next_attempt_at", "delivered_at"]),
            "tasks": Buffer(Task, [
                "company_id", "title", "description", "title_message", "description_message", "assignee_role_id",
                "document_type_id", "document_id",
                "document_reference", "close_on_status", "status", "priority", "due_date", "created_by_id",
                "created_at", "closed_by_id", "closed_at", "close_note", "kind", "source_event_id"]),
            "audit": Buffer(LogEntry, [
                "content_type_id", "object_pk", "object_id", "object_repr", "action", "changes", "changes_text",
                "timestamp", "actor_id", "additional_data"]),
        }
        start = self.now - datetime.timedelta(days=days)
        span = (self.now - start).total_seconds()
        done = 0
        while done < total:
            size = min(CHUNK, total - done)
            plans = []
            for n in range(done, done + size):
                created = start + datetime.timedelta(seconds=span * (n + self.rng.random()) / max(total, 1))
                plans.append(self.plan_order(created, lines_avg))
            self.write_chunk(plans)
            done += size
            if done % (CHUNK * 10) == 0 or done == total:
                self.progress("orders", done, total, since)
        self.numbers.save()
        rows = sum(b.written for b in self.buffers.values())
        self.stdout.write(f"rows written: {rows:,} (" + ", ".join(
            f"{name} {b.written:,}" for name, b in self.buffers.items() if b.written) + ")")

    def plan_order(self, created: datetime.datetime, lines_avg: int) -> dict[str, Any]:
        rng = self.rng
        customer = self.customers[rng.randrange(len(self.customers))]
        age = (self.now - created).days
        status = self.plan_status(age)
        count = rng.randint(1, 2 * lines_avg - 1)
        lines = []
        for item in rng.sample(self.items, min(count, len(self.items))):
            quantity = Decimal(rng.randint(1, 20))
            price = self.prices[item[0]]
            lines.append({"item": item, "quantity": quantity, "price": price, "net": round_money(quantity * price)})
        if status == st.OrderStatus.PARTIAL and len(lines) == 1 and lines[0]["quantity"] < 2:
            lines[0].update(quantity=Decimal(2), net=round_money(2 * lines[0]["price"]))  # something left to deliver
        return {"created": created, "customer": customer, "status": status, "lines": lines,
                "warehouse": self.warehouses[rng.randrange(len(self.warehouses))].pk}

    def write_chunk(self, plans):
        b = self.buffers
        order_ids = take_ids(SalesOrder, len(plans))
        line_ids = iter(take_ids(SalesOrderLine, sum(len(p["lines"]) for p in plans)))
        shipped = [p for p in plans if p["status"] in (st.OrderStatus.PARTIAL, st.OrderStatus.DELIVERED,
                                                       st.OrderStatus.CLOSED)]
        delivery_ids = iter(take_ids(DeliveryNote, len(shipped) if self.history else 0))
        numbered = [p for p in plans if p["status"] != st.OrderStatus.DRAFT]
        # per numbered order: confirmed (+ purchase request when open and short, or cancelled); per delivery: posted
        event_count = sum(1 + (p["status"] in (st.OrderStatus.CONFIRMED, st.OrderStatus.CANCELLED)) for p in numbered)
        event_ids = iter(take_ids(OutboxEvent, event_count + len(shipped) if self.history else 0))
        for plan, order_id in zip(plans, order_ids, strict=True):
            self.write_order(plan, order_id, line_ids, delivery_ids, event_ids)
        with connection.cursor() as cursor:
            for buffer in b.values():
                buffer.flush(cursor)

    def write_order(self, plan: dict[str, Any], order_id: int, line_ids: Iterator[int], delivery_ids: Iterator[int],
                    event_ids: Iterator[int]) -> None:
        b, rng = self.buffers, self.rng
        status, created, lines = plan["status"], plan["created"], plan["lines"]
        customer_id, customer_name, rep_id, ship_to, customer_code, customer_tax_id, plain_name = plan["customer"]
        date = timezone.localdate(created)
        requested = date + datetime.timedelta(days=rng.randint(3, 21))
        # created ≤ confirmed ≤ posted ≤ closed, none later than now
        confirmed_at = min(created + datetime.timedelta(minutes=rng.randint(5, 600)), self.now)
        posted_at = min(confirmed_at + datetime.timedelta(days=rng.randint(1, 5), minutes=rng.randint(0, 600)),
                        self.now)
        closed_at = min(posted_at + datetime.timedelta(days=rng.randint(5, 40)), self.now)
        numbered = status != st.OrderStatus.DRAFT
        number = self.numbers.take("SO", date) if numbered else ""
        open_short = status == st.OrderStatus.CONFIRMED  # open and nothing reserved: short, with a purchase request
        updated = {st.OrderStatus.DRAFT: created, st.OrderStatus.CONFIRMED: confirmed_at,
                   st.OrderStatus.CANCELLED: min(confirmed_at + datetime.timedelta(hours=rng.randint(1, 72)), self.now),
                   st.OrderStatus.PARTIAL: posted_at, st.OrderStatus.DELIVERED: posted_at,
                   st.OrderStatus.CLOSED: closed_at}[status]
        promised = None
        for line in lines:
            line["id"] = next(line_ids)
            item = line["item"]
            line["short"] = line["quantity"] if open_short else Decimal(0)
            line["promised"] = requested + datetime.timedelta(days=item[6]) if open_short else requested
            if status in (st.OrderStatus.DELIVERED, st.OrderStatus.CLOSED):
                line["delivered"] = line["quantity"]
            elif status == st.OrderStatus.PARTIAL:
                first = line is lines[0]
                line["delivered"] = (line["quantity"] // 2 or line["quantity"]) if first else Decimal(0)
            else:
                line["delivered"] = Decimal(0)
            if numbered:
                promised = max(promised or line["promised"], line["promised"])
        net = sum((line["net"] for line in lines), Decimal(0))
        tax = round_money(net * VAT / 100)
        b["orders"].add(order_id, self.company.pk, number, status, date, rep_id, created, rep_id, updated, customer_id,
                        rep_id, "TWD", self.price_list.pk, None, f"PO-{order_id}", ship_to, "", net, tax, net + tax,
                        None, plan["warehouse"], requested, promised, confirmed_at if numbered else None)
        for n, line in enumerate(lines, start=1):
            item = line["item"]
            line["line_no"] = n
            b["lines"].add(line["id"], order_id, n, item[0], "", line["quantity"], item[3], line["quantity"],
                           line["price"], line["price"], 0, self.vat.pk, VAT, line["net"], None, line["short"],
                           line["delivered"], 0, line["promised"] if numbered else None)
        if not self.history:
            return
        self.audit(order_id, number or f"SO #{order_id}", created, rep_id, None)
        if not numbered:
            return
        self.audit(order_id, number, confirmed_at, rep_id, {"status": ["draft", "confirmed"], "number": ["", number]})
        confirmed = self.event(signals.order_confirmed, order_id, confirmed_at, {
            "order_id": order_id, "order_number": number, "customer": customer_name,
            "promised_date": promised.isoformat(),
            "lines": [{"line_id": line["id"], "item_id": line["item"][0],
                       "reserved": str(line["quantity"] - line["short"]), "short": str(line["short"])}
                      for line in lines]}, next(event_ids))
        if open_short:
            payload_lines = [{"line_id": line["id"], "line_no": n, "item_id": line["item"][0],
                              "item_code": line["item"][1], "item_name": line["item"][2],
                              "quantity": str(line["short"]), "unit": line["item"][4],
                              "required_date": requested.isoformat()} for n, line in enumerate(lines, start=1)]
            requested_event = self.event(signals.purchase_requested, order_id, confirmed_at, {
                "order_id": order_id, "order_number": number, "customer": customer_name, "lines": payload_lines},
                next(event_ids))
            self.task(PURCHASING, message(gettext_noop("Buy for %(order)s"), order=number), SalesOrder, order_id,
                      number, confirmed_at, due=requested, event=(signals.purchase_requested, requested_event),
                      description=signals.shortage_description({"lines": payload_lines})[0])
            return
        if status == st.OrderStatus.CANCELLED:
            self.audit(order_id, number, updated, rep_id, {"status": ["confirmed", "cancelled"]})
            self.event(signals.order_cancelled, order_id, updated, {
                "order_id": order_id, "order_number": number, "reason": "", "status": "cancelled"},
                next(event_ids))
            return
        # partial, delivered, closed: one posted delivery note for what was delivered
        delivery_id, dn_date = next(delivery_ids), timezone.localdate(posted_at)
        dn_number = self.numbers.take("DN", dn_date)
        b["deliveries"].add(delivery_id, self.company.pk, dn_number, ist.DocStatus.POSTED, dn_date, rep_id,
                            confirmed_at, None, posted_at, plan["warehouse"], "", posted_at, self.types[SalesOrder],
                            order_id, number, customer_code, plain_name, customer_tax_id, f"PO-{order_id}",
                            ship_to, promised, None, confirmed)
        locations = self.locations[plan["warehouse"]]
        delivered = [line for line in lines if line["delivered"] > 0]
        for line in delivered:
            item = line["item"]
            b["delivery_lines"].add(delivery_id, line["id"], line["line_no"], "", item[0], item[3], line["delivered"],
                                    line["delivered"], locations[rng.randrange(len(locations))], None, item[5])
        self.task(WAREHOUSE, pick_task_title(order=number, customer=customer_name), DeliveryNote, delivery_id,
                  dn_number,
                  confirmed_at, due=promised, closed_at=posted_at, close_on_status=ist.DocStatus.POSTED,
                  kind=PICK_TASK)
        posted_event = self.event(inventory_signals.delivery_posted, delivery_id, posted_at, {
            "delivery_id": delivery_id, "delivery_number": dn_number, "source_type": SalesOrder._meta.label_lower,
            "source_id": order_id, "source_reference": number, "customer": customer_name, "backorder_id": None,
            "lines": [{"source_line_id": line["id"], "item_id": line["item"][0], "item_code": line["item"][1],
                       "quantity": str(line["delivered"]), "unit_cost": str(line["item"][5])} for line in delivered]},
            next(event_ids), source=DeliveryNote)
        invoiced = posted_at + datetime.timedelta(days=rng.randint(1, 10))
        self.task(FINANCE, message(gettext_noop("Invoice %(dn)s (%(customer)s)"), dn=dn_number, customer=customer_name),
                  DeliveryNote, delivery_id, dn_number,
                  posted_at, closed_at=invoiced if invoiced < self.now - datetime.timedelta(days=2) else None,
                  event=(inventory_signals.delivery_posted, posted_event),
                  kind="finance.invoice_delivery",  # of the event's two finance handlers, the one that makes tasks
                  description=message(gettext_noop("%(source)s: %(count)s line(s) delivered."), source=number,
                                      count=len(delivered)))
        new = "partial" if status == st.OrderStatus.PARTIAL else "delivered"
        self.audit(order_id, number, posted_at, rep_id, {"status": ["confirmed", new]})
        if status == st.OrderStatus.CLOSED:
            self.audit(order_id, number, closed_at, rep_id, {"status": ["delivered", "closed"]})

    def event(self, signal: EventSignal, source_id: int, at: datetime.datetime, payload: dict[str, Any],
              event_id: int, source: type[Model] = SalesOrder) -> int:
        """An event as ``publish`` writes it, delivered (done) to each of its subscribers."""
        self.buffers["events"].add(event_id, signal.name, json.dumps(payload, ensure_ascii=False), self.company.pk,
                                   self.types[source], source_id, at)
        for subscriber in subscribers_of(signal):
            self.buffers["event_deliveries"].add(event_id, subscriber, EventDelivery.Status.DONE, 1, "", at,
                                                 at + datetime.timedelta(seconds=2))
        return event_id

    def task(self, role: str, title: Stored, model: type[Model], document_id: int, reference: str,
             at: datetime.datetime, *, due: datetime.date | None = None, closed_at: datetime.datetime | None = None,
             close_on_status: str = "", description: Stored | None = None, kind: str = "",
             event: tuple[EventSignal, int] | None = None) -> None:
        """A task as ``task_assign`` writes it; ``event``: (signal, event id) of the event whose
        handler made it, whose kind is the handler's subscriber key."""
        status = TaskStatus.DONE if closed_at else TaskStatus.OPEN
        event_id = None
        if event is not None:
            signal, event_id = event
            if not kind:
                (kind,) = subscribers_of(signal)  # the one handler that makes this task: its key is the kind
        self.buffers["tasks"].add(self.company.pk, in_default_language(title)[:200],
                                  in_default_language(description) if description else "", json.dumps(title),
                                  json.dumps(description) if description else None, self.roles[role],
                                  self.types[model], document_id, reference, close_on_status, status, "normal", due,
                                  None, at, None, closed_at, "", kind, event_id)

    def audit(self, order_id, reference, at, actor_id, changes):
        action = LogEntry.Action.CREATE if changes is None else LogEntry.Action.UPDATE
        changes = changes or {"status": ["None", "draft"]}
        self.buffers["audit"].add(self.types[SalesOrder], str(order_id), order_id, reference, action,
                                  json.dumps(changes), "", at, actor_id, None)

    def analyze(self):
        """VACUUM ANALYZE the grown tables (after the commit): planner statistics, and the visibility
        map that index-only scans (the list's count) need — what autovacuum would have done by now."""
        since = time.monotonic()
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"  # VACUUM: not in a transaction
        with connection.cursor() as cursor:
            for model in (Customer, CustomerContact, PriceListItem, SalesOrder, SalesOrderLine, DeliveryNote,
                          DeliveryNoteLine, OutboxEvent, EventDelivery, Task, LogEntry, UserObjectPermission):
                cursor.execute(f'{command} "{model._meta.db_table}"')
        self.stdout.write(f"{command.lower()}: {time.monotonic() - since:.1f} s")
