"""Generate a large purchasing data set for benchmarks: suppliers with their buyers, a preferred
supplier item (with price breaks) for every item, open requisition lines, and a history of purchase
orders.

    manage.py generate_purchasing_data --suppliers 2000 --items 100000 --requisition-lines 50000 --orders 500000

The items come from ``generate_inventory_data`` (run first when the company has no items; an
existing company's items are reused). Users, the tax code and the payment terms go through the
ORM/services; the bulk (suppliers with their buyers' object permission, supplier items and prices,
requisitions, orders and lines) is written with PostgreSQL COPY in one transaction.

Orders are spread over ``--days`` days, oldest first: old orders are closed or received, the last
weeks hold drafts, orders awaiting approval, approved and sent orders (some late) and partial
receipts. Every order and requisition past draft has a number from the gapless series. Received
quantities are not backed by goods receipts (the inventory ledger stays the one
``generate_inventory_data`` made), and no audit entries are written: these rows exist for the
lists, the consolidation and the receipt benchmarks (bench/purchasing.py).
"""

import datetime
import random
import re
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from erp.models import Company
from erp.money import round_money
from erp.roles import PURCHASING, PURCHASING_MANAGER
from inventory.management.commands.generate_inventory_data import CopyBuffer
from inventory.models import Item, Warehouse
from purchasing import status as st
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    PurchaseRequisitionLine,
    Supplier,
    SupplierItem,
    SupplierPrice,
)
from sales.management.commands.generate_sales_data import PLACES, PREFIXES, ROADS, Numbers, take_ids, tax_id
from sales.models import PaymentTerm, TaxCode
from sales.services.pricing import document_totals, line_amount

VAT = Decimal("5")
CHUNK = 20000  # orders per COPY round
TRADES = ["電機", "五金", "精密", "螺絲", "軸承", "塑膠", "電子", "化工", "鋼鐵", "模具", "包材", "氣動", "油壓"]
FORMS = ["股份有限公司"] * 5 + ["有限公司"] * 4 + ["企業社"]
DOC_HEADER = ["id", "company_id", "number", "status", "document_date", "created_by_id", "created_at",
              "updated_by_id", "updated_at"]


class Command(BaseCommand):
    help = "Create purchasing bench data: suppliers, supplier prices, open requisition lines and N purchase orders."

    def add_arguments(self, parser):
        parser.add_argument("--company", default="PBENCH")
        parser.add_argument("--suppliers", type=int, default=2000)
        parser.add_argument("--items", type=int, default=100000, help="items to create when the company has none")
        parser.add_argument("--locations", type=int, default=40)
        parser.add_argument("--moves", type=int, default=None, help="stock moves when creating items (default 2×items)")
        parser.add_argument("--requisition-lines", type=int, default=50000)
        parser.add_argument("--orders", type=int, default=500000)
        parser.add_argument("--lines", type=int, default=2, help="average lines per order (default 2)")
        parser.add_argument("--buyers", type=int, default=20)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default=None, help="password of the bench users (default DEMO_PASSWORD)")

    def handle(self, *args, **opts):
        code = opts["company"].strip().upper()
        if opts["suppliers"] < 1 or opts["orders"] < 0 or opts["lines"] < 1 or opts["buyers"] < 1:
            raise CommandError("need --suppliers ≥ 1, --orders ≥ 0, --lines ≥ 1, --buyers ≥ 1")
        password = opts["password"] or settings.DEMO_PASSWORD
        self.rng = random.Random(opts["seed"])
        self.started = time.monotonic()
        company = Company.objects.filter(code=code).first()
        if company is None or not Item.objects.filter(company=company).exists():
            call_command("generate_inventory_data", company=code, items=opts["items"], locations=opts["locations"],
                         moves=opts["moves"] if opts["moves"] is not None else 2 * opts["items"], seed=opts["seed"],
                         password=password, no_check=True, stdout=self.stdout, stderr=self.stderr)
            company = Company.objects.get(code=code)
        if Supplier.objects.filter(company=company).exists():
            raise CommandError(f"company {code} already has suppliers: choose another --company")
        with transaction.atomic():
            self.setup(company, password, opts["buyers"])
            self.make_suppliers(opts["suppliers"])
            self.make_supplier_items()
            self.make_requisitions(opts["requisition_lines"])
            self.make_orders(opts["orders"], opts["lines"], opts["days"])
            self.numbers.save()
        self.analyze()
        self.stdout.write(f"done in {time.monotonic() - self.started:.1f} s; users: {self.manager.username} "
                          f"(Purchasing manager), {self.buyers[0].username}… (Purchasing)")

    def progress(self, what, done, since):
        elapsed = max(time.monotonic() - since, 1e-6)
        self.stdout.write(f"{what}: {done:,}  {done / elapsed:,.0f}/s")
        self.stdout.flush()

    def setup(self, company, password, buyers):
        self.company = company
        self.numbers = Numbers(company)
        self.now = timezone.now()
        self.today = timezone.localdate()
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

        self.manager = user(f"{base}-purchmgr", PURCHASING_MANAGER, "Bench purchasing manager")
        self.buyers = [user(f"{base}-buyer{n:02d}", PURCHASING, f"Bench buyer {n:02d}") for n in range(1, buyers + 1)]
        self.vat = TaxCode.objects.filter(company=company, code="VAT5").first() or TaxCode.objects.create(
            company=company, code="VAT5", name="營業稅 5%", rate=VAT, is_default=True)
        self.term = PaymentTerm.objects.filter(company=company, code="EOM30").first() or PaymentTerm.objects.create(
            company=company, code="EOM30", name="月結30天", days=30, end_of_month=True)
        self.warehouses = list(Warehouse.objects.filter(company=company, is_active=True).order_by("code")
                               .values_list("pk", flat=True))
        self.items = list(Item.objects.filter(company=company, is_active=True).order_by("pk").values_list(
            "pk", "base_unit_id", "standard_cost"))
        if not self.items or not self.warehouses:
            raise CommandError(f"company {company.code} has no active items or warehouses")
        self.buy_perm = Permission.objects.get(content_type__app_label="purchasing", codename="buy_from_supplier")
        self.supplier_type = ContentType.objects.get_for_model(Supplier).pk

    def make_suppliers(self, count):
        since, rng = time.monotonic(), self.rng
        ids = take_ids(Supplier, count)
        suppliers = CopyBuffer(Supplier, ["id", "company_id", "code", "name", "is_active", "short_name", "tax_id",
                                          "address", "remit_to_address", "phone", "email", "payment_term_id",
                                          "tax_code_id", "currency", "lead_time_days", "buyer_id", "notes"])
        grants = CopyBuffer(UserObjectPermission, ["content_type_id", "object_pk", "permission_id", "user_id"])
        self.suppliers = []  # (id, buyer id, lead time)
        for n, pk in enumerate(ids, start=1):
            city, districts = rng.choice(PLACES)
            name = f"{rng.choice(PREFIXES)}{rng.choice(PREFIXES)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
            buyer = self.buyers[n % len(self.buyers)]
            lead = rng.randint(3, 30)
            suppliers.add(pk, self.company.pk, f"S{n:06d}", name, True, name[:4], tax_id(rng),
                          f"{city}{rng.choice(districts)}{rng.choice(ROADS)}{rng.randint(1, 300)}號", "",
                          f"0{rng.randint(2, 8)}-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}",
                          f"sales{n}@supplier.example", self.term.pk, self.vat.pk, "TWD", lead, buyer.pk, "")
            grants.add(self.supplier_type, str(pk), self.buy_perm.pk, buyer.pk)
            self.suppliers.append((pk, buyer.pk, lead))
        with connection.cursor() as cursor:
            suppliers.flush(cursor)
            grants.flush(cursor)
        self.progress("suppliers", count, since)

    def make_supplier_items(self):
        """A preferred supplier for every item, a second (not preferred) one for every third item;
        one or two price breaks each."""
        since, rng = time.monotonic(), self.rng
        rows = []
        for item_id, unit_id, cost in self.items:
            chosen = rng.sample(self.suppliers, 2 if item_id % 3 == 0 and len(self.suppliers) > 1 else 1)
            for n, (supplier_id, _buyer, _lead) in enumerate(chosen):
                rows.append((supplier_id, item_id, unit_id, max(Decimal(cost), Decimal("1")), n == 0))
        ids = take_ids(SupplierItem, len(rows))
        items = CopyBuffer(SupplierItem, ["id", "supplier_id", "item_id", "supplier_part_number", "unit_id",
                                          "min_order_quantity", "order_multiple", "lead_time_days", "is_preferred",
                                          "valid_from", "valid_to", "is_active"])
        prices = CopyBuffer(SupplierPrice, ["supplier_item_id", "min_quantity", "price", "valid_from", "valid_to"])
        self.preferred = {}  # item id: (supplier id, supplier item id, price, lead)
        leads = {pk: lead for pk, _buyer, lead in self.suppliers}
        for pk, (supplier_id, item_id, unit_id, cost, preferred) in zip(ids, rows, strict=True):
            moq = rng.choice((0, 0, 10, 50))
            multiple = rng.choice((0, 0, 5, 10))
            items.add(pk, supplier_id, item_id, f"P-{item_id}", unit_id, moq, multiple, None, preferred, None, None,
                      True)
            price = (cost * Decimal(rng.randint(90, 120)) / 100).quantize(Decimal("0.01"))
            prices.add(pk, 0, price, None, None)
            if item_id % 4 == 0:
                prices.add(pk, 100, (price * Decimal("0.95")).quantize(Decimal("0.01")), None, None)
            if preferred:
                self.preferred[item_id] = (supplier_id, price, leads[supplier_id], unit_id)
        with connection.cursor() as cursor:
            items.flush(cursor)
            prices.flush(cursor)
        self.progress("supplier items", len(rows), since)

    def make_requisitions(self, total):
        """Open requisitions of 100 lines each, every line open and unordered (the buyers' pool)."""
        since, rng = time.monotonic(), self.rng
        per = 100
        count = (total + per - 1) // per
        req_ids = take_ids(PurchaseRequisition, count)
        headers = CopyBuffer(PurchaseRequisition, [*DOC_HEADER, "requested_by_id", "warehouse_id", "source", "notes"])
        lines = CopyBuffer(PurchaseRequisitionLine, [
            "requisition_id", "line_no", "status", "item_id", "quantity", "unit_id", "quantity_base", "required_date",
            "notes", "source", "source_key"])
        made = 0
        for pk in req_ids:
            date = self.today - datetime.timedelta(days=rng.randint(0, 20))
            source = rng.choice((st.RequisitionSource.MANUAL, st.RequisitionSource.REORDER))
            headers.add(pk, self.company.pk, self.numbers.take("PR", date), st.RequisitionStatus.OPEN, date,
                        self.admin.pk, self.now, self.admin.pk, self.now, self.admin.pk, rng.choice(self.warehouses),
                        source, "")
            for line_no in range(1, min(per, total - made) + 1):
                item_id, unit_id, _cost = rng.choice(self.items)
                quantity = Decimal(rng.randint(1, 200))
                lines.add(pk, line_no, st.RequisitionLineStatus.OPEN, item_id, quantity, unit_id, quantity,
                          date + datetime.timedelta(days=rng.randint(7, 45)), "", source, "")
                made += 1
        with connection.cursor() as cursor:
            headers.flush(cursor)
            lines.flush(cursor)
        self.progress("requisition lines", made, since)

    def plan_status(self, age_days):
        rng = self.rng
        if age_days > 60:
            return rng.choice((st.OrderStatus.CLOSED, st.OrderStatus.RECEIVED, st.OrderStatus.RECEIVED,
                               st.OrderStatus.CANCELLED))
        return rng.choice((st.OrderStatus.DRAFT, st.OrderStatus.AWAITING_APPROVAL, st.OrderStatus.APPROVED,
                           st.OrderStatus.SENT, st.OrderStatus.SENT, st.OrderStatus.PARTIAL, st.OrderStatus.RECEIVED))

    def make_orders(self, total, lines_avg, days):
        since = time.monotonic()
        preferred = list(self.preferred.items())
        suppliers = {pk: buyer for pk, buyer, _lead in self.suppliers}
        done = 0
        while done < total:
            chunk = min(CHUNK, total - done)
            plans = []
            for n in range(chunk):
                age = days - (done + n) * days // max(total, 1)  # oldest first
                plans.append((age, self.plan_status(age), [self.rng.choice(preferred)
                                                           for _l in range(self.rng.randint(1, 2 * lines_avg - 1))]))
            self.write_orders(plans, suppliers)
            done += chunk
            self.progress("purchase orders", done, since)

    def write_orders(self, plans, suppliers):
        rng = self.rng
        order_ids = take_ids(PurchaseOrder, len(plans))
        headers = CopyBuffer(PurchaseOrder, [
            *DOC_HEADER, "supplier_id", "buyer_id", "warehouse_id", "currency", "payment_term_id", "tax_code_id",
            "supplier_reference", "expected_date", "revision", "notes", "net_amount", "tax_amount", "total_amount",
            "approved_at", "sent_at"])
        lines = CopyBuffer(PurchaseOrderLine, [
            "order_id", "line_no", "item_id", "description", "supplier_part_number", "quantity", "unit_id",
            "quantity_base", "unit_price", "tax_rate", "net_amount", "expected_date", "received_quantity",
            "returned_quantity", "invoiced_quantity", "order_receivable"])
        for order_id, (age, status, chosen) in zip(order_ids, plans, strict=True):
            date = self.today - datetime.timedelta(days=age)
            supplier_id = chosen[0][1][0]  # the first line's preferred supplier; its other lines follow it
            lead = chosen[0][1][2]
            expected = date + datetime.timedelta(days=lead)
            at = timezone.make_aware(datetime.datetime.combine(date, datetime.time(9)))
            amounts = []
            for line_no, (item_id, (_supplier, price, _lead, unit_id)) in enumerate(chosen, start=1):
                quantity = Decimal(rng.randint(1, 300))
                net = line_amount(quantity, price)
                amounts.append((net, VAT))
                received = {st.OrderStatus.RECEIVED: quantity, st.OrderStatus.CLOSED: quantity,
                            st.OrderStatus.PARTIAL: (quantity / 2).quantize(Decimal("1"))}.get(status, 0)
                lines.add(order_id, line_no, item_id, "", f"P-{item_id}", quantity, unit_id, quantity, price, VAT, net,
                          expected, received, 0, received if status == st.OrderStatus.CLOSED else 0,
                          status in st.RECEIVABLE_ORDER_STATUSES)
            net, tax, total = document_totals(amounts)
            number = "" if status == st.OrderStatus.DRAFT else self.numbers.take("PO", date)
            approved = at if status not in (st.OrderStatus.DRAFT, st.OrderStatus.AWAITING_APPROVAL,
                                            st.OrderStatus.CANCELLED) else None
            headers.add(order_id, self.company.pk, number, status, date, self.admin.pk, at, self.admin.pk, at,
                        supplier_id, suppliers[supplier_id], rng.choice(self.warehouses), "TWD", self.term.pk,
                        self.vat.pk, "", expected, 0, "", round_money(net), tax, total, approved,
                        approved if status not in (st.OrderStatus.APPROVED,) else None)
        with connection.cursor() as cursor:
            headers.flush(cursor)
            lines.flush(cursor)

    def analyze(self):
        since = time.monotonic()
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (Supplier, SupplierItem, SupplierPrice, PurchaseRequisition, PurchaseRequisitionLine,
                          PurchaseOrder, PurchaseOrderLine, UserObjectPermission):
                cursor.execute(f'{command} "{model._meta.db_table}"')
        self.stdout.write(f"{command.lower()}: {time.monotonic() - since:.1f} s")
