"""Production demo data: the demo company's work centers (with Taiwan's public holidays), a routing
for each item made in house, and a BOM for each, as the items' specifications describe them (a
shaft turned from bar, anodised or hardened, assembled with bearings into a shaft set: three levels).
Called by the demo loader after purchasing's (its suppliers give the bought items their lead times).

Idempotent: keyed by the codes of work centers and routings and by each item's version "1"."""

import datetime
from decimal import Decimal
from typing import Any

from erp.models import Company
from inventory.models import Item, UnitOfMeasure, Warehouse
from production.models import Bom, Routing, WorkCenter
from production.services.boms import bom_save
from production.services.engineering import holiday_save, routing_save, work_center_create

D = Decimal

# code: (name, hours a day, cost per hour, efficiency %)
WORK_CENTERS = {
    "CNC-L": ("CNC 車床", "16", "900", "90"),
    "CNC-M": ("CNC 銑床", "8", "1100", "85"),
    "LASER": ("雷射切割折彎", "8", "800", "100"),
    "ASSY": ("組裝線", "8", "450", "100"),
}
# Taiwan's public holidays of 2027 that fall on working days (行政院人事行政總處 calendar).
HOLIDAYS = [
    ("2027-01-01", "開國紀念日"),
    ("2027-02-05", "春節"), ("2027-02-08", "春節"), ("2027-02-09", "春節"), ("2027-02-10", "春節"),
    ("2027-02-11", "春節"),
    ("2027-03-01", "和平紀念日補假"),
    ("2027-04-05", "兒童節及民族掃墓節"),
    ("2027-06-09", "端午節"),
    ("2027-09-15", "中秋節"),
    ("2027-10-11", "國慶日補假"),
]
# item: (routing code, name, [(sequence, operation, work center, setup minutes, run minutes per unit)])
ROUTINGS = {
    "SEMI-SH-A": ("R-SH-A", "加工軸 A 車削", [(10, "CNC 車削", "CNC-L", "30", "6")]),
    "SEMI-SH-B": ("R-SH-B", "加工軸 B 車削銑鍵槽", [(10, "CNC 車削", "CNC-L", "40", "9"),
                                                   (20, "銑鍵槽", "CNC-M", "30", "5")]),
    "SEMI-HSG-100": ("R-HSG-100", "軸承座 CNC 銑削", [(10, "CNC 銑削", "CNC-M", "60", "25")]),
    "SEMI-FLG-50": ("R-FLG-50", "法蘭盤車削", [(10, "CNC 車削", "CNC-L", "30", "8")]),
    "SEMI-PLT-01": ("R-PLT-01", "固定板雷射折彎", [(10, "雷射切割", "LASER", "15", "2"),
                                                 (20, "折彎", "LASER", "20", "1.5")]),
    "SEMI-BUSH-12": ("R-BUSH-12", "銅襯套車削", [(10, "CNC 車削", "CNC-L", "20", "2.5")]),
    "FG-PA-100": ("R-PA-100", "精密軸組 PA-100 組裝", [(10, "組裝", "ASSY", "15", "8"),
                                                      (20, "檢驗包裝", "ASSY", "5", "2")]),
    "FG-PA-200": ("R-PA-200", "精密軸組 PA-200 組裝", [(10, "組裝", "ASSY", "15", "10"),
                                                      (20, "檢驗包裝", "ASSY", "5", "2")]),
    "FG-BH-100": ("R-BH-100", "軸承座組壓入組裝", [(10, "壓入組裝", "ASSY", "10", "6")]),
    "FG-KIT-PA100": ("R-KIT", "維修包包裝", [(10, "包裝", "ASSY", "5", "3")]),
    "FG-CP-12": ("R-CP-12", "聯軸器車削組裝", [(10, "CNC 車削", "CNC-L", "20", "4"), (20, "組裝", "ASSY", "5", "2")]),
    "FG-LM-30": ("R-LM-30", "線性滑座組裝", [(10, "組裝", "ASSY", "20", "25")]),
}
# item: [(component, quantity per, unit or None for the base unit, scrap %)]
BOMS = {
    "SEMI-SH-A": [("RM-AL6061-20", "13", "CM", "2")],  # 120 mm long + 10 mm for the cut
    "SEMI-SH-B": [("RM-S45C-40", "16", "CM", "2")],
    "SEMI-HSG-100": [("RM-AL6061-PL10", "650", "G", "5")],
    "SEMI-FLG-50": [("RM-SUS303-12", "6", "CM", "3")],
    "SEMI-PLT-01": [("RM-SUS304-2", "350", "G", "8")],
    "SEMI-BUSH-12": [("RM-C3604-10", "2.5", "CM", "2")],
    "SEMI-SH-A-AN": [("SEMI-SH-A", "1", None, "1")],  # anodised by a subcontractor
    "SEMI-SH-B-HT": [("SEMI-SH-B", "1", None, "1")],  # induction-hardened by a subcontractor
    "FG-PA-100": [("SEMI-SH-A-AN", "1", None, "0"), ("STD-BRG-6201ZZ", "2", None, "0"),
                  ("STD-CLIP-S15", "2", None, "0"), ("CON-PACK-BAG", "1", None, "0")],
    "FG-PA-200": [("SEMI-SH-B-HT", "1", None, "0"), ("STD-BRG-6202ZZ", "2", None, "0"),
                  ("STD-KEY-5", "1", None, "0"), ("STD-CLIP-S15", "2", None, "0"), ("CON-PACK-BAG", "1", None, "0")],
    "FG-BH-100": [("SEMI-HSG-100", "1", None, "0"), ("STD-BRG-6202ZZ", "1", None, "0"),
                  ("STD-SCR-M5-12", "4", None, "0"), ("STD-PIN-4-20", "2", None, "0")],
    "FG-KIT-PA100": [("STD-BRG-6201ZZ", "2", None, "0"), ("STD-OR-P20", "2", None, "0"),
                     ("STD-CLIP-S15", "2", None, "0"), ("CON-PACK-BAG", "1", None, "0")],
    "FG-CP-12": [("RM-AL6061-30", "4", "CM", "3"), ("STD-SCR-M4-10", "2", None, "0")],
    "FG-LM-30": [("SEMI-PLT-01", "2", None, "0"), ("STD-BRG-608ZZ", "4", None, "0"), ("STD-SCR-M4-10", "8", None, "0"),
                 ("STD-SPR-C12", "1", None, "0")],
}


def load_production_demo(company: Company, users: dict[str, Any]) -> int:
    """Create (or complete) the demo company's work centers, routings and BOMs; returns the rows made."""
    actor = users.get("production") or users.get("admin")
    items = {item.code: item for item in Item.objects.filter(company=company).select_related("base_unit")}
    if not all(code in items for code in BOMS):
        return 0  # the inventory demo was not loaded
    units = {unit.code: unit for unit in UnitOfMeasure.objects.filter(company=company)}
    warehouse = Warehouse.objects.filter(company=company, code="WH-FG").first()
    created = 0
    centers = {center.code: center for center in WorkCenter.objects.filter(company=company)}
    for code, (name, hours, rate, efficiency) in WORK_CENTERS.items():
        if code in centers:
            continue
        centers[code] = center = work_center_create(company=company, actor=actor, code=code, name=name,
                                                    capacity_hours=D(hours), cost_rate=D(rate),
                                                    efficiency_percent=D(efficiency), warehouse=warehouse)
        for day, holiday in HOLIDAYS:
            holiday_save(work_center=center, date=datetime.date.fromisoformat(day), name=holiday, actor=actor)
        created += 1 + len(HOLIDAYS)
    routings = {routing.code: routing for routing in Routing.objects.filter(company=company)}
    for item_code, (code, name, operations) in ROUTINGS.items():
        if code in routings:
            continue
        routings[code] = routing_save(company=company, actor=actor, code=code, name=name, item=items[item_code],
                                      operations=[{"sequence": sequence, "name": operation,
                                                   "work_center": centers[center], "setup_minutes": D(setup),
                                                   "run_minutes": D(run)}
                                                  for sequence, operation, center, setup, run in operations])
        created += 1 + len(operations)
    made = set(Bom.objects.filter(company=company, version="1").values_list("item__code", flat=True))
    for item_code, lines in BOMS.items():
        if item_code in made:
            continue
        routing = routings.get(ROUTINGS[item_code][0]) if item_code in ROUTINGS else None
        bom_save(company=company, actor=actor, item=items[item_code], version="1", name=items[item_code].name,
                 routing=routing,
                 lines=[{"component": items[component], "quantity": D(quantity),
                         "unit": units[unit] if unit else items[component].base_unit, "scrap_percent": D(scrap)}
                        for component, quantity, unit, scrap in lines])
        created += 1 + len(lines)
    return created
