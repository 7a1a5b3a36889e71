"""Inventory demo data: the item master, two warehouses and a few weeks of stock documents of a small
precision-parts manufacturer. Called at the end of ``erp.demo.load_demo``.

Idempotent: categories, items, warehouses and locations are keyed by their codes, documents by the
``[DEMO-…]`` key at the end of their notes, so a second run creates nothing. Every stock change goes
through the document services, so the ledger, the balances and the valuation agree.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from guardian.shortcuts import assign_perm

from inventory import status as st
from inventory.models import (
    AdjustmentReason,
    GoodsReceipt,
    Item,
    ItemCategory,
    Location,
    StockAdjustment,
    StockCount,
    StockIssue,
    StockTransfer,
    UnitOfMeasure,
    Warehouse,
)
from inventory.services import documents, masterdata

D = Decimal
OPERATE = "inventory.operate_warehouse"

# (code, name, parent code)
CATEGORIES = [
    ("RM", "原料", None),
    ("RM-AL", "鋁材", "RM"),
    ("RM-ST", "鋼材與銅材", "RM"),
    ("RM-PL", "塑膠與樹脂", "RM"),
    ("RM-STD", "標準零件", "RM"),
    ("SEMI", "半成品", None),
    ("SEMI-MC", "機加工件", "SEMI"),
    ("SEMI-SF", "表面處理與熱處理件", "SEMI"),
    ("FG", "成品", None),
    ("FG-ASSY", "精密組件", "FG"),
    ("FG-KIT", "維修包與備品", "FG"),
    ("CON", "耗材", None),
    ("CON-OIL", "油品與膠類", "CON"),
    ("CON-TOOL", "刀具", "CON"),
    ("CON-PACK", "包裝材料", "CON"),
]

# What the root category says about an item: (item type, procurement, default warehouse).
BY_ROOT = {
    "RM": (st.ItemType.RAW_MATERIAL, st.Procurement.BUY, "WH-RM"),
    "SEMI": (st.ItemType.SEMI_FINISHED, st.Procurement.MAKE, "WH-FG"),
    "FG": (st.ItemType.FINISHED_GOOD, st.Procurement.MAKE, "WH-FG"),
    "CON": (st.ItemType.CONSUMABLE, st.Procurement.BUY, "WH-RM"),
}

# code: (name, address, [(location code, location name)])
WAREHOUSES = {
    "WH-RM": ("原料倉", "臺中市西屯區工業區一路 100 號 A 棟", [
        ("A-01", "鋁材區"), ("A-02", "鋼材區"), ("A-03", "塑膠區"), ("B-01", "標準件架 1"),
        ("B-02", "標準件架 2"), ("C-01", "油品化學品區"), ("C-02", "刀具櫃"), ("D-01", "包材區"),
    ]),
    "WH-FG": ("成品倉", "臺中市西屯區工業區一路 100 號 B 棟", [
        ("S-01", "半成品區 1"), ("S-02", "半成品區 2"), ("F-01", "成品區 1"), ("F-02", "成品區 2"),
        ("P-01", "包裝區"),
    ]),
}

BOX12 = (("BOX", "12"), ("CTN", "144"))
BOX100 = (("BOX", "100"),)
PER_CM = (("CM", "0.01"),)
PER_G = (("G", "0.001"),)
PER_ML = (("ML", "0.001"),)


@dataclass
class DemoItem:
    code: str
    name: str
    specification: str
    category: str
    unit: str
    cost: str
    reorder: str = "0"
    lead: int = 0
    units: tuple = ()
    shelf_life: int | None = None  # lot-tracked when set
    safety: str = "0"


ITEMS = [
    # Raw materials: bars by the metre, sheet and pellets by the kilogram.
    DemoItem("RM-AL6061-20", "鋁合金棒材 6061 Ø20", "6061-T6 Ø20mm 抽製棒，3m/支", "RM-AL", "M", "135", "30", 7,
             PER_CM),
    DemoItem("RM-AL6061-30", "鋁合金棒材 6061 Ø30", "6061-T6 Ø30mm 抽製棒，3m/支", "RM-AL", "M", "290", "20", 7,
             PER_CM),
    DemoItem("RM-AL7075-25", "鋁合金棒材 7075 Ø25", "7075-T651 Ø25mm，3m/支", "RM-AL", "M", "420", "10", 14, PER_CM),
    DemoItem("RM-AL6061-PL10", "鋁板 6061 10mm", "6061-T651 10mm 厚，裁切料", "RM-AL", "KG", "165", "50", 10, PER_G),
    DemoItem("RM-SUS304-2", "SUS304 不鏽鋼板 2mm", "SUS304 2B 2mm，4'×8'", "RM-ST", "KG", "118", "100", 10, PER_G),
    DemoItem("RM-SUS303-12", "SUS303 不鏽鋼棒 Ø12", "SUS303 易削不鏽鋼 Ø12mm", "RM-ST", "M", "160", "20", 10,
             PER_CM),
    DemoItem("RM-S45C-40", "S45C 中碳鋼棒 Ø40", "S45C 黑皮 Ø40mm", "RM-ST", "M", "210", "15", 10, PER_CM),
    DemoItem("RM-SCM440-30", "SCM440 合金鋼棒 Ø30", "SCM440 調質 Ø30mm", "RM-ST", "M", "260", "30", 21, PER_CM),
    DemoItem("RM-C3604-10", "黃銅棒 C3604 Ø10", "C3604 快削黃銅 Ø10mm", "RM-ST", "M", "190", "10", 14, PER_CM),
    DemoItem("RM-POM-20", "POM 塑膠棒 Ø20", "POM 白色 Ø20mm，1m/支", "RM-PL", "M", "95", "10", 7, PER_CM),
    DemoItem("RM-PA66-GF30", "尼龍 PA66 玻纖粒 GF30", "PA66 GF30 黑色射出級，25kg/包", "RM-PL", "KG", "145", "50", 21,
             PER_G, shelf_life=365),
    DemoItem("RM-EPOXY-E51", "環氧樹脂 E-51", "雙酚 A 型環氧樹脂，20kg/桶", "RM-PL", "KG", "230", "20", 14, PER_G,
             shelf_life=365),
    # Standard parts.
    DemoItem("STD-SCR-M3-8", "M3 螺絲 M3×8", "內六角圓柱頭 SUS304", "RM-STD", "PCS", "0.8", "500", 5, BOX100),
    DemoItem("STD-SCR-M4-10", "M4 螺絲 M4×10", "內六角圓柱頭 SUS304", "RM-STD", "PCS", "1.2", "500", 5, BOX100),
    DemoItem("STD-SCR-M5-12", "M5 螺絲 M5×12", "內六角圓柱頭 12.9 級 黑色", "RM-STD", "PCS", "1.6", "400", 5, BOX100),
    DemoItem("STD-NUT-M5", "M5 六角螺帽", "SUS304", "RM-STD", "PCS", "0.6", "300", 5, BOX100),
    DemoItem("STD-WSH-M5", "M5 平華司", "SUS304 Ø10×1", "RM-STD", "PCS", "0.3", "300", 5, BOX100),
    DemoItem("STD-BRG-6201ZZ", "軸承 6201ZZ", "深溝滾珠軸承 12×32×10 雙鐵蓋", "RM-STD", "PCS", "38", "48", 14, BOX12),
    DemoItem("STD-BRG-6202ZZ", "軸承 6202ZZ", "深溝滾珠軸承 15×35×11 雙鐵蓋", "RM-STD", "PCS", "45", "100", 14, BOX12),
    DemoItem("STD-BRG-608ZZ", "軸承 608ZZ", "深溝滾珠軸承 8×22×7 雙鐵蓋", "RM-STD", "PCS", "18", "48", 14, BOX12),
    DemoItem("STD-OR-P20", "O 型環 P20", "NBR 70°", "RM-STD", "PCS", "2.5", "200", 7, BOX100),
    DemoItem("STD-PIN-4-20", "定位銷 Ø4×20", "SUJ2 淬火 h6", "RM-STD", "PCS", "3.5", "100", 7, BOX100),
    DemoItem("STD-KEY-5", "平鍵 5×5×20", "S45C", "RM-STD", "PCS", "4", "100", 7, BOX100),
    DemoItem("STD-SPR-C12", "壓縮彈簧 C12", "SWP-B 外徑 12 自由長 30", "RM-STD", "PCS", "6", "100", 10, BOX100),
    DemoItem("STD-CLIP-S15", "C 型扣環 S-15", "軸用 65Mn 黑色", "RM-STD", "PCS", "0.9", "200", 7, BOX100),
    # Semi-finished goods, made in house.
    DemoItem("SEMI-SH-A", "半成品 加工軸 A", "6061 Ø20 車削，長 120", "SEMI-MC", "PCS", "210", "20", 3),
    DemoItem("SEMI-SH-B", "半成品 加工軸 B", "S45C Ø40 車削＋銑鍵槽", "SEMI-MC", "PCS", "380", "10", 4),
    DemoItem("SEMI-HSG-100", "半成品 軸承座 HS-100", "6061 板料 CNC 銑削", "SEMI-MC", "PCS", "520", "10", 4),
    DemoItem("SEMI-FLG-50", "半成品 法蘭盤 FL-50", "SUS303 車削", "SEMI-MC", "PCS", "260", "10", 3),
    DemoItem("SEMI-PLT-01", "半成品 固定板 PL-01", "SUS304 2mm 雷射切割折彎", "SEMI-MC", "PCS", "85", "20", 2),
    DemoItem("SEMI-BUSH-12", "半成品 銅襯套 BU-12", "C3604 車削", "SEMI-MC", "PCS", "48", "30", 2),
    DemoItem("SEMI-SH-A-AN", "半成品 加工軸 A（陽極處理）", "硬陽極 25μm 託外加工", "SEMI-SF", "PCS", "260", "20", 7),
    DemoItem("SEMI-SH-B-HT", "半成品 加工軸 B（熱處理）", "高週波淬火 HRC 55", "SEMI-SF", "PCS", "450", "10", 7),
    # Finished goods.
    DemoItem("FG-PA-100", "成品 精密軸組 PA-100", "加工軸 A＋軸承 6201ZZ×2", "FG-ASSY", "PCS", "980", "10", 10,
             BOX12),
    DemoItem("FG-PA-200", "成品 精密軸組 PA-200", "加工軸 B＋軸承 6202ZZ×2", "FG-ASSY", "PCS", "1450", "10", 12,
             BOX12),
    DemoItem("FG-BH-100", "成品 軸承座組 BH-100", "軸承座 HS-100＋軸承 6202ZZ", "FG-ASSY", "PCS", "1280", "10", 10),
    DemoItem("FG-LM-30", "成品 線性滑座 LM-30", "行程 300mm", "FG-ASSY", "PCS", "3600", "5", 15),
    DemoItem("FG-CP-12", "成品 聯軸器 CP-12", "鋁合金 梅花型 Ø12–Ø12", "FG-ASSY", "PCS", "420", "20", 7, BOX12),
    DemoItem("FG-KIT-PA100", "成品 維修包 PA-100 用", "軸承×2、O 型環×2、扣環×2", "FG-KIT", "SET", "160", "10", 5),
    # Consumables: oils and glue are lot-tracked with a shelf life.
    DemoItem("CON-OIL-CUT", "切削油 水溶性", "水溶性切削液 原液，20L/桶", "CON-OIL", "L", "180", "40", 7, PER_ML,
             shelf_life=730),
    DemoItem("CON-OIL-SLIDE", "滑軌油 #68", "ISO VG68，20L/桶", "CON-OIL", "L", "150", "20", 7, PER_ML,
             shelf_life=730),
    DemoItem("CON-OIL-RUST", "防鏽油", "短期防鏽油，4L/罐", "CON-OIL", "L", "220", "8", 7, PER_ML, shelf_life=365),
    DemoItem("CON-GLUE-243", "螺絲固定劑 243", "中強度 50ml/支", "CON-OIL", "PCS", "320", "10", 7, shelf_life=365),
    DemoItem("CON-GLUE-AB", "AB 膠", "環氧樹脂 AB 膠 50g/組", "CON-OIL", "PCS", "95", "10", 5, shelf_life=540),
    DemoItem("CON-TOOL-EM6", "銑刀 Ø6 4 刃", "鎢鋼 TiAlN 鍍層", "CON-TOOL", "PCS", "650", "20", 10),
    DemoItem("CON-TOOL-DR5", "鑽頭 Ø5", "HSS-Co 含鈷", "CON-TOOL", "PCS", "85", "24", 7, BOX12),
    DemoItem("CON-TOOL-CNMG", "車刀刀片 CNMG120408", "鋼件用 P25", "CON-TOOL", "PCS", "180", "30", 10,
             (("BOX", "10"),)),
    DemoItem("CON-PACK-CTN", "包裝紙箱", "五層 AB 浪 40×30×25cm", "CON-PACK", "PCS", "28", "100", 5),
    DemoItem("CON-PACK-BAG", "PE 夾鏈袋 10×15", "0.08mm，100 個/包", "CON-PACK", "PCS", "0.9", "500", 5, BOX100),
    DemoItem("CON-PACK-FOAM", "珍珠棉捲 1m 寬", "EPE 5mm 厚", "CON-PACK", "M", "22", "50", 5, PER_CM),
    DemoItem("CON-GLOVE", "工作手套", "PU 塗掌 M 號", "CON-PACK", "PAIR", "18", "50", 3),
]


def ean13(seq):
    """A valid EAN-13 with Taiwan's GS1 prefix 471 (demo company prefix 4710000)."""
    body = f"4710000{seq:05d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# Documents ------------------------------------------------------------------------------------
# Lines: (item code, quantity, unit code or None for the base unit, location code, unit cost per line unit,
#         lot number suffix or "" — lot numbers are the manufacture date + suffix).

OPENING_RECEIPTS = [
    ("DEMO-GR-01", "WH-RM", 30, "期初開帳", "期初庫存：金屬與塑膠原料", "admin", [
        ("RM-AL6061-20", "60", None, "A-01", "132", ""),
        ("RM-AL6061-30", "45", None, "A-01", "288", ""),
        ("RM-AL7075-25", "24", None, "A-01", "415", ""),
        ("RM-AL6061-PL10", "180.5", None, "A-01", "165", ""),
        ("RM-SUS304-2", "320", None, "A-02", "116", ""),
        ("RM-SUS303-12", "36", None, "A-02", "158", ""),
        ("RM-S45C-40", "30", None, "A-02", "205", ""),
        ("RM-SCM440-30", "12", None, "A-02", "262", ""),  # below its reorder point
        ("RM-C3604-10", "18", None, "A-02", "188", ""),
        ("RM-POM-20", "20", None, "A-03", "92", ""),
    ]),
    ("DEMO-GR-02", "WH-RM", 30, "期初開帳", "期初庫存：標準零件", "admin", [
        ("STD-SCR-M3-8", "20", "BOX", "B-01", "78", ""),
        ("STD-SCR-M4-10", "15", "BOX", "B-01", "115", ""),
        ("STD-SCR-M5-12", "8", "BOX", "B-01", "155", ""),
        ("STD-NUT-M5", "6", "BOX", "B-01", "58", ""),
        ("STD-WSH-M5", "6", "BOX", "B-01", "28", ""),
        ("STD-BRG-6201ZZ", "2", "CTN", "B-02", "5400", ""),
        ("STD-BRG-6202ZZ", "3", "BOX", "B-02", "535", ""),  # 36 pcs, below its reorder point of 100
        ("STD-BRG-608ZZ", "8", "BOX", "B-02", "210", ""),
        ("STD-OR-P20", "5", "BOX", "B-02", "240", ""),
        ("STD-PIN-4-20", "3", "BOX", "B-02", "340", ""),
        ("STD-KEY-5", "2", "BOX", "B-02", "390", ""),
        ("STD-SPR-C12", "2", "BOX", "B-02", "590", ""),
        ("STD-CLIP-S15", "4", "BOX", "B-02", "88", ""),
    ]),
    ("DEMO-GR-03", "WH-RM", 30, "期初開帳", "期初庫存：油品、樹脂與膠類（批號管理）", "admin", [
        ("RM-PA66-GF30", "200", None, "A-03", "142", "01"),
        ("RM-EPOXY-E51", "40", None, "A-03", "228", "01"),
        ("CON-OIL-CUT", "60", None, "C-01", "176", "01"),
        ("CON-OIL-CUT", "40", None, "C-01", "182", "02"),
        ("CON-OIL-SLIDE", "40", None, "C-01", "148", "01"),
        ("CON-OIL-RUST", "12", None, "C-01", "220", "01"),
        ("CON-GLUE-243", "24", None, "C-01", "315", "01"),
        ("CON-GLUE-AB", "30", None, "C-01", "92", "01"),
    ]),
    ("DEMO-GR-04", "WH-RM", 30, "期初開帳", "期初庫存：刀具與包材", "admin", [
        ("CON-TOOL-EM6", "8", None, "C-02", "640", ""),  # below its reorder point
        ("CON-TOOL-DR5", "4", "BOX", "C-02", "1000", ""),
        ("CON-TOOL-CNMG", "10", "BOX", "C-02", "1750", ""),
        ("CON-PACK-CTN", "600", None, "D-01", "27", ""),
        ("CON-PACK-BAG", "30", "BOX", "D-01", "88", ""),
        ("CON-PACK-FOAM", "150", None, "D-01", "21.5", ""),
        ("CON-GLOVE", "120", None, "D-01", "17", ""),
    ]),
    ("DEMO-GR-05", "WH-FG", 30, "期初開帳", "期初庫存：半成品與成品", "admin", [
        ("SEMI-SH-A", "80", None, "S-01", "205", ""),
        ("SEMI-SH-B", "40", None, "S-01", "372", ""),
        ("SEMI-HSG-100", "25", None, "S-01", "515", ""),
        ("SEMI-FLG-50", "30", None, "S-02", "255", ""),
        ("SEMI-PLT-01", "120", None, "S-02", "84", ""),
        ("SEMI-BUSH-12", "150", None, "S-02", "47", ""),
        ("SEMI-SH-A-AN", "60", None, "S-02", "258", ""),
        ("SEMI-SH-B-HT", "6", None, "S-02", "446", ""),  # below its reorder point
        ("FG-PA-100", "5", "BOX", "F-01", "11700", ""),
        ("FG-PA-200", "24", None, "F-01", "1440", ""),
        ("FG-BH-100", "18", None, "F-01", "1275", ""),
        ("FG-LM-30", "6", None, "F-02", "3580", ""),
        ("FG-KIT-PA100", "30", None, "F-02", "158", ""),
        # FG-CP-12 has no stock at all: it shows on the low-stock report.
    ]),
    ("DEMO-GR-06", "WH-RM", 12, "永豐金屬 送貨單 YF-1131025", "採購入庫：鋁棒補貨", "warehouse", [
        ("RM-AL6061-20", "90", None, "A-01", "138", ""),
        ("RM-AL6061-30", "30", None, "A-01", "292", ""),
    ]),
]


@dataclass
class Context:
    company: object
    admin: object
    keeper: object
    today: datetime.date
    units: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)
    warehouses: dict = field(default_factory=dict)
    locations: dict = field(default_factory=dict)

    def user(self, name):
        return self.admin if name == "admin" else self.keeper

    def loc(self, warehouse, code):
        return self.locations[(warehouse, code)]

    def day(self, days_ago):
        return self.today - datetime.timedelta(days=days_ago)


def keyed(model, company, key):
    return model.objects.filter(company=company, notes__endswith=f"[{key}]").exists()


def note(text, key):
    return f"{text} [{key}]"


def load_inventory_demo(company, users):
    """Create (or complete) the demo company's inventory; returns the number of records created.

    ``users``: {username: User} of the demo users; the admin posts the opening stock, the
    ``warehouse`` keeper the daily documents and gets operate_warehouse on both warehouses."""
    admin = users["admin"]
    ctx = Context(company=company, admin=admin, keeper=users.get("warehouse") or admin, today=datetime.date.today())
    created = masterdata.units_seed(company=company)
    ctx.units = {u.code: u for u in UnitOfMeasure.objects.filter(company=company)}
    created += load_categories(ctx)
    created += load_warehouses(ctx)
    created += grant_keeper(ctx, users.get("warehouse"))
    created += load_items(ctx)
    created += load_documents(ctx)
    return created


def load_categories(ctx):
    created = 0
    existing = {c.code: c for c in ItemCategory.objects.filter(company=ctx.company)}
    for code, name, parent in CATEGORIES:
        if code not in existing:
            existing[code] = masterdata.category_create(company=ctx.company, code=code, name=name,
                                                        parent=existing[parent] if parent else None, actor=ctx.admin)
            created += 1
    return created


def load_warehouses(ctx):
    created = 0
    for code, (name, address, locations) in WAREHOUSES.items():
        warehouse = Warehouse.objects.filter(company=ctx.company, code=code).first()
        if warehouse is None:
            warehouse = masterdata.warehouse_create(company=ctx.company, code=code, name=name, address=address,
                                                    actor=ctx.admin)
            created += 1
        ctx.warehouses[code] = warehouse
        for loc_code, loc_name in locations:
            location = Location.objects.filter(warehouse=warehouse, code=loc_code).first()
            if location is None:
                location = masterdata.location_create(warehouse=warehouse, code=loc_code, name=loc_name,
                                                      actor=ctx.admin)
                created += 1
            ctx.locations[(code, loc_code)] = location
    return created


def grant_keeper(ctx, keeper):
    if keeper is None:
        return 0
    created = 0
    for warehouse in ctx.warehouses.values():
        if not keeper.has_perm(OPERATE, warehouse):
            assign_perm(OPERATE, keeper, warehouse)
            created += 1
    return created


def load_items(ctx):
    created = 0
    existing = {item.code: item for item in Item.objects.filter(company=ctx.company)}
    categories = {c.code: c for c in ItemCategory.objects.filter(company=ctx.company)}
    for seq, spec in enumerate(ITEMS, start=1):
        item = existing.get(spec.code)
        if item is None:
            item_type, procurement, warehouse = BY_ROOT[spec.category.split("-")[0]]
            item = masterdata.item_create(
                company=ctx.company, actor=ctx.admin, code=spec.code, name=spec.name,
                specification=spec.specification, category=categories[spec.category], item_type=item_type,
                procurement=procurement, base_unit=ctx.units[spec.unit], standard_cost=D(spec.cost),
                reorder_point=D(spec.reorder), safety_stock=D(spec.safety), lead_time_days=spec.lead,
                lot_tracked=spec.shelf_life is not None, shelf_life_days=spec.shelf_life, barcode=ean13(seq),
                default_warehouse=ctx.warehouses[warehouse],
                units=[(ctx.units[code], D(factor)) for code, factor in spec.units],
            )
            created += 1
        ctx.items[spec.code] = item
    return created


def load_documents(ctx):
    created = 0
    for key, warehouse, days_ago, reference, text, actor, lines in OPENING_RECEIPTS:
        created += receipt(ctx, key, warehouse, days_ago, reference, text, actor, lines)
    created += production_issue(ctx)
    created += transfers(ctx)
    created += damage_adjustment(ctx)
    created += stock_count(ctx)
    return created


def unit_of(ctx, item, code):
    return ctx.units[code] if code else item.base_unit


def receipt(ctx, key, warehouse, days_ago, reference, text, actor, lines):
    if keyed(GoodsReceipt, ctx.company, key):
        return 0
    date = ctx.day(days_ago)
    rows = []
    for code, quantity, unit, location, cost, lot in lines:
        item = ctx.items[code]
        made = ctx.day(days_ago + 20 + (45 if lot == "01" else 0))  # lot 01 is the older one
        rows.append({
            "item": item, "quantity": D(quantity), "unit": unit_of(ctx, item, unit),
            "location": ctx.loc(warehouse, location), "unit_cost": D(cost),
            "lot_number": f"{made:%y%m%d}-{lot}" if lot else "", "manufactured_on": made if lot else None,
        })
    document = documents.receipt_save(company=ctx.company, actor=ctx.user(actor), warehouse=ctx.warehouses[warehouse],
                                      document_date=date, supplier_reference=reference, notes=note(text, key),
                                      lines=rows)
    documents.receipt_post(receipt=document, actor=ctx.user(actor))
    return 1


def production_issue(ctx):
    """Material issued to the shop floor (領料) for a batch of shafts."""
    key = "DEMO-GI-01"
    if keyed(StockIssue, ctx.company, key):
        return 0
    rows = [
        ("RM-AL6061-20", "14.4", None, "A-01"),
        ("STD-SCR-M3-8", "2", "BOX", "B-01"),
        ("CON-TOOL-EM6", "2", None, "C-02"),
    ]
    document = documents.issue_save(
        company=ctx.company, actor=ctx.keeper, warehouse=ctx.warehouses["WH-RM"], document_date=ctx.day(10),
        purpose="工單 MO-加工軸 A 批次 120 支 領料", notes=note("生產領料", key),
        lines=[{"item": ctx.items[code], "quantity": D(qty), "unit": unit_of(ctx, ctx.items[code], unit),
                "location": ctx.loc("WH-RM", loc), "lot": None} for code, qty, unit, loc in rows],
    )
    documents.issue_post(issue=document, actor=ctx.keeper)
    return 1


def transfers(ctx):
    created = 0
    key = "DEMO-TR-01"  # between warehouses: shipped, then received
    if not keyed(StockTransfer, ctx.company, key):
        rm, fg = ctx.warehouses["WH-RM"], ctx.warehouses["WH-FG"]
        lines = [
            {"item": ctx.items["CON-PACK-CTN"], "quantity": D("200"), "unit": ctx.items["CON-PACK-CTN"].base_unit,
             "from_location": ctx.loc("WH-RM", "D-01"), "to_location": ctx.loc("WH-FG", "P-01"), "lot": None},
            {"item": ctx.items["CON-PACK-BAG"], "quantity": D("5"), "unit": ctx.units["BOX"],
             "from_location": ctx.loc("WH-RM", "D-01"), "to_location": ctx.loc("WH-FG", "P-01"), "lot": None},
            {"item": ctx.items["CON-PACK-FOAM"], "quantity": D("30"), "unit": ctx.items["CON-PACK-FOAM"].base_unit,
             "from_location": ctx.loc("WH-RM", "D-01"), "to_location": ctx.loc("WH-FG", "P-01"), "lot": None},
        ]
        document = documents.transfer_save(company=ctx.company, actor=ctx.keeper, warehouse=rm, to_warehouse=fg,
                                           document_date=ctx.day(8), notes=note("包材撥至成品倉包裝區", key),
                                           lines=lines)
        documents.transfer_ship(transfer=document, actor=ctx.keeper)
        documents.transfer_receive(transfer=document, actor=ctx.keeper)
        created += 1
    key = "DEMO-TR-02"  # within the raw-material warehouse: posts at once
    if not keyed(StockTransfer, ctx.company, key):
        rm = ctx.warehouses["WH-RM"]
        lines = [
            {"item": ctx.items["STD-SCR-M4-10"], "quantity": D("3"), "unit": ctx.units["BOX"],
             "from_location": ctx.loc("WH-RM", "B-01"), "to_location": ctx.loc("WH-RM", "B-02"), "lot": None},
            {"item": ctx.items["STD-BRG-6201ZZ"], "quantity": D("2"), "unit": ctx.units["BOX"],
             "from_location": ctx.loc("WH-RM", "B-02"), "to_location": ctx.loc("WH-RM", "B-01"), "lot": None},
        ]
        document = documents.transfer_save(company=ctx.company, actor=ctx.keeper, warehouse=rm, to_warehouse=rm,
                                           document_date=ctx.day(6), notes=note("標準件儲位整理", key), lines=lines)
        documents.transfer_receive(transfer=document, actor=ctx.keeper)
        created += 1
    return created


def damage_adjustment(ctx):
    key = "DEMO-ADJ-01"
    if keyed(StockAdjustment, ctx.company, key):
        return 0
    item = ctx.items["FG-PA-100"]
    document = documents.adjustment_save(
        company=ctx.company, actor=ctx.keeper, warehouse=ctx.warehouses["WH-FG"], document_date=ctx.day(4),
        reason=AdjustmentReason.objects.get(company=ctx.company, code="DAMAGE"),
        notes=note("搬運碰傷，報廢 2 組", key),
        lines=[{"item": item, "quantity_change": D("-2"), "unit": item.base_unit,
                "location": ctx.loc("WH-FG", "F-01"), "lot": None, "unit_cost": None}],
    )
    documents.adjustment_post(adjustment=document, actor=ctx.keeper)
    return 1


def stock_count(ctx):
    """Count shelf B-01: everything as expected except the M5 nuts (15 missing) and washers (20 found)."""
    key = "DEMO-SC-01"
    if keyed(StockCount, ctx.company, key):
        return 0
    count = documents.count_create(company=ctx.company, warehouse=ctx.warehouses["WH-RM"],
                                   location=ctx.loc("WH-RM", "B-01"), actor=ctx.keeper, document_date=ctx.day(2),
                                   notes=note("標準件架 1 月中盤點", key))
    documents.count_start(count=count, actor=ctx.keeper)
    variance = {ctx.items["STD-NUT-M5"].pk: D("-15"), ctx.items["STD-WSH-M5"].pk: D("20")}
    counted = {line.pk: line.expected_quantity + variance.get(line.item_id, 0) for line in count.lines.all()}
    documents.count_record(count=count, counted=counted, actor=ctx.keeper)
    documents.count_post(count=count, actor=ctx.keeper)
    return 1
