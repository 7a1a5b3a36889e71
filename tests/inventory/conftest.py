"""A small stocked world for inventory tests: two warehouses, three bins, two items."""

from decimal import Decimal

import pytest

from inventory.models import AdjustmentReason, UnitOfMeasure
from inventory.services import masterdata
from inventory.services.documents import receipt_post, receipt_save
from tests.conftest import acme, ensure_roles, shared_data, user_maker


class World:
    def receive(self, item, quantity, location, unit=None, cost="10", lot_number="", warehouse=None):
        receipt = receipt_save(
            company=self.company, actor=self.admin, warehouse=warehouse or location.warehouse,
            lines=[{"item": item, "quantity": Decimal(quantity), "unit": unit or item.base_unit,
                    "location": location, "unit_cost": Decimal(cost), "lot_number": lot_number}],
        )
        return receipt_post(receipt=receipt, actor=self.admin)


def build_world():
    ensure_roles()
    w = World()
    w.company = company = acme()
    make_user = user_maker(company)
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
    return w


@pytest.fixture(scope="module")
def _inv_shared(django_db_setup, django_db_blocker):
    # Built once per module, ~0.3 s saved per test; each test gets a deep copy in its own
    # savepoint, a transactional test a world of its own (tests/conftest.py, docs/testing.md).
    with shared_data(django_db_blocker, build_world) as shared:
        yield shared


@pytest.fixture
def inv(_inv_shared, request, db):
    return _inv_shared.for_test(request)
