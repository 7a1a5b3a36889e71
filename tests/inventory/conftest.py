"""A small stocked world for inventory tests: two warehouses, three bins, two items."""

from decimal import Decimal

import pytest

from inventory.models import AdjustmentReason, UnitOfMeasure
from inventory.services import masterdata
from inventory.services.documents import receipt_post, receipt_save


class World:
    pass


@pytest.fixture
def inv(company, make_user):
    w = World()
    w.company = company
    masterdata.units_seed(company=company)
    w.pcs, w.box, w.kg, w.g = (UnitOfMeasure.objects.get(company=company, code=c) for c in ("PCS", "BOX", "KG", "G"))
    w.keeper = make_user("keeper", "Warehouse")
    w.admin = make_user("boss", "System admin", is_superuser=True, is_staff=True)
    w.wh1 = masterdata.warehouse_create(company=company, code="WH1", name="成品倉")
    w.wh2 = masterdata.warehouse_create(company=company, code="WH2", name="原料倉")
    w.a1 = masterdata.location_create(warehouse=w.wh1, code="A-01", name="A 區 01")
    w.a2 = masterdata.location_create(warehouse=w.wh1, code="A-02", name="A 區 02")
    w.b1 = masterdata.location_create(warehouse=w.wh2, code="B-01", name="B 區 01")
    w.screw = masterdata.item_create(company=company, code="SCR-M3", name="M3 螺絲", base_unit=w.pcs,
                                     units=[(w.box, Decimal("12"))], reorder_point=Decimal("10"))
    w.resin = masterdata.item_create(company=company, code="RES-01", name="環氧樹脂", base_unit=w.kg,
                                     units=[(w.g, Decimal("0.001"))], lot_tracked=True, shelf_life_days=180)
    w.damage = AdjustmentReason.objects.get(company=company, code="DAMAGE")

    def receive(item, quantity, location, unit=None, cost="10", lot_number="", warehouse=None):
        receipt = receipt_save(
            company=company, actor=w.admin, warehouse=warehouse or location.warehouse,
            lines=[{"item": item, "quantity": Decimal(quantity), "unit": unit or item.base_unit,
                    "location": location, "unit_cost": Decimal(cost), "lot_number": lot_number}],
        )
        return receipt_post(receipt=receipt, actor=w.admin)

    w.receive = receive
    return w
