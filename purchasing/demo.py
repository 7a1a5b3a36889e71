"""Purchasing demo data: a dozen Taiwanese suppliers with their buyers and contacts, and for every item
the demo buys (inventory's demo: raw materials, standard parts, consumables) a preferred supplier with
price breaks, plus a second, non-preferred supplier for some. Registered with ``register_demo_loader``
(order 35, after inventory and sales); adds a second buyer (``purchasing2``) and a Purchasing manager
(``purchmgr``) with the password of the demo's ``purchasing`` user.

Everything goes through ``purchasing.services``. Idempotent: suppliers are keyed by code, supplier
items by (supplier, item, unit), users by username, so a second run creates nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import Group

from erp.identifiers import taiwan_tax_id_valid
from erp.models import Company, User
from erp.roles import PURCHASING, PURCHASING_MANAGER
from inventory import status as inventory_status
from inventory.models import Item
from purchasing.models import PurchasingSettings, Supplier, SupplierItem
from purchasing.services import settings as settings_services
from purchasing.services import suppliers as services
from sales.models import PaymentTerm, TaxCode

D = Decimal


def tax_id(prefix: str) -> str:
    """The 8-digit 統一編號 starting with the 7 digits ``prefix`` whose checksum is valid."""
    return next(prefix + str(d) for d in range(10) if taiwan_tax_id_valid(prefix + str(d)))


# code, name, short name, tax id prefix, address, phone, lead time, buyer, contact (name, title, phone)
SUPPLIERS = [
    ("S-AL01", "台灣鋁業股份有限公司", "台鋁", "2283154", "高雄市小港區中鋼路 1 號", "07-801-1234", 7, "purchasing",
     ("陳志明", "業務經理", "0912-345-678")),
    ("S-AL02", "永豐金屬材料有限公司", "永豐金屬", "5318720", "臺南市永康區中正南路 88 號", "06-232-5566", 10,
     "purchasing2", ("林佳慧", "業務專員", "0922-111-222")),
    ("S-ST01", "中鋼鋼品股份有限公司", "中鋼鋼品", "7312345", "高雄市前鎮區成功二路 8 號", "07-336-8899", 14,
     "purchasing", ("黃俊傑", "業務課長", "0933-456-789")),
    ("S-ST02", "新光特殊鋼有限公司", "新光特鋼", "8453216", "彰化縣和美鎮彰美路五段 120 號", "04-756-3344", 12,
     "purchasing2", ("張雅婷", "業務", "0955-222-333")),
    ("S-PL01", "長春塑膠原料股份有限公司", "長春塑料", "1176542", "臺北市松山區民生東路三段 117 號", "02-2500-1234",
     14, "purchasing", ("王建國", "業務經理", "0910-555-666")),
    ("S-PL02", "南亞化工材料有限公司", "南亞化材", "4376213", "新北市樹林區中正路 200 號", "02-2681-7788", 21,
     "purchasing2", ("李淑芬", "客服專員", "0988-777-666")),
    ("S-FS01", "大億螺絲工業股份有限公司", "大億螺絲", "8962154", "高雄市岡山區本洲路 55 號", "07-622-1122", 5,
     "purchasing", ("吳文雄", "業務", "0911-222-333")),
    ("S-FS02", "晉禾五金有限公司", "晉禾五金", "5439816", "臺中市大里區中興路二段 300 號", "04-2407-5566", 7,
     "purchasing2", ("蔡宜君", "業務助理", "0966-333-444")),
    ("S-BR01", "東培軸承股份有限公司", "東培", "2231457", "新竹縣湖口鄉光復北路 20 號", "03-597-1234", 14,
     "purchasing", ("劉冠宇", "業務經理", "0919-888-777")),
    ("S-CN01", "立大工業耗材行", "立大耗材", "6012735", "臺中市西屯區工業區二十路 15 號", "04-2359-9988", 3,
     "purchasing2", ("楊美玲", "店長", "0937-123-456")),
    ("S-PK01", "正隆包裝材料股份有限公司", "正隆包材", "3415286", "桃園市大園區大觀路 400 號", "03-386-5566", 7,
     "purchasing", ("謝明哲", "業務", "0958-246-810")),
    ("S-GN01", "全興機電貿易有限公司", "全興機電", "7654321", "臺北市內湖區瑞光路 500 號", "02-2799-3344", 10,
     "purchasing2", ("鄭家豪", "業務專員", "0972-135-790")),
]

# Which suppliers sell which items, by the item code's beginning: (prefix, preferred, other or None).
SOURCES = [
    ("RM-AL", "S-AL01", "S-AL02"),
    ("RM-SUS", "S-ST01", "S-ST02"),
    ("RM-S45C", "S-ST01", "S-ST02"),
    ("RM-SCM", "S-ST02", "S-ST01"),
    ("RM-C36", "S-ST02", None),
    ("RM-POM", "S-PL01", None),
    ("RM-PA", "S-PL01", "S-PL02"),
    ("RM-EPOXY", "S-PL02", None),
    ("STD-SCR", "S-FS01", "S-FS02"),
    ("STD-NUT", "S-FS01", "S-FS02"),
    ("STD-WSH", "S-FS01", "S-FS02"),
    ("STD-BRG", "S-BR01", None),
    ("STD-", "S-FS02", "S-FS01"),
    ("PKG", "S-PK01", None),
    ("CON-", "S-CN01", "S-GN01"),
]
FALLBACK = "S-GN01"

EXTRA_USERS = {  # username: (role, last name, first name)
    "purchasing2": (PURCHASING, "趙", "採購二"),
    "purchmgr": (PURCHASING_MANAGER, "孫", "採購經理"),
}


def sources_of(item_code: str) -> tuple[str, str | None]:
    for prefix, preferred, other in SOURCES:
        if item_code.startswith(prefix):
            return preferred, other
    return FALLBACK, None


def price(cost: Decimal, factor: str) -> Decimal:
    return (max(cost, D("0.1")) * D(factor)).quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def demo_users(company: Company, users: dict[str, Any]) -> tuple[dict[str, Any], int]:
    created = 0
    users = dict(users)
    template = users.get("purchasing")
    for username, (role, last, first) in EXTRA_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, company=company, last_name=last, first_name=first,
                        email=f"{username}@demo.example",
                        department=getattr(template, "department", None))
            if template is not None:
                user.password = template.password  # the demo's password
            else:
                user.set_unusable_password()
            user.save()
            created += 1
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users, created


def load_purchasing_demo(company: Company, users: dict[str, Any]) -> int:
    """Create (or complete) the demo company's supplier master data; returns the records created."""
    users, created = demo_users(company, users)
    manager = users["purchmgr"]
    if not PurchasingSettings.objects.filter(company=company).exists():
        settings_services.settings_save(company=company, actor=manager, over_receipt_percent=D("5"),
                                        invoice_tolerance_percent=D("1"), invoice_tolerance_amount=D("10"),
                                        default_lead_time_days=7)
        created += 1
    terms = {t.code: t for t in PaymentTerm.objects.filter(company=company)}
    tax = TaxCode.objects.filter(company=company, is_default=True).first()
    term = terms.get("EOM30") or next(iter(terms.values()), None)
    suppliers = {s.code: s for s in Supplier.objects.filter(company=company)}
    for code, name, short, prefix, address, phone, lead, buyer, contact in SUPPLIERS:
        if code in suppliers:
            continue
        contact_name, title, mobile = contact
        suppliers[code] = services.supplier_create(
            company=company, actor=manager, code=code, name=name, short_name=short, tax_id=tax_id(prefix),
            address=address, phone=phone, email=f"sales@{code.lower()}.example", lead_time_days=lead,
            buyer=users.get(buyer), payment_term=term, tax_code=tax,
            contacts=[{"name": contact_name, "title": title, "phone": mobile, "is_primary": True}])
        created += 2
    existing = set(SupplierItem.objects.filter(supplier__company=company).values_list("supplier_id", "item_id"))
    buyable = Item.objects.filter(company=company, is_active=True,
                                  procurement=inventory_status.Procurement.BUY).select_related("base_unit")
    for item in buyable.order_by("code"):
        preferred, other = sources_of(item.code)
        for supplier_code, is_preferred, factor in ((preferred, True, "1"), (other, False, "1.05")):
            supplier = suppliers.get(supplier_code) if supplier_code else None
            if supplier is None or (supplier.pk, item.pk) in existing:
                continue
            base = price(item.standard_cost, factor)
            services.supplier_item_save(
                supplier=supplier, actor=manager, item=item, unit=item.base_unit, is_preferred=is_preferred,
                supplier_part_number=f"{supplier.code[2:]}-{item.code}",
                min_order_quantity=D("0") if item.standard_cost > 100 else D("10"),
                prices=[{"min_quantity": D("0"), "price": base},
                        {"min_quantity": D("100"), "price": (base * D("0.95")).quantize(D("0.0001"))}])
            created += 3
    return created
