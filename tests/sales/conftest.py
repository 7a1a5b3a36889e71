"""A small sales world: a warehouse with stock, an in-stock item, a make item and a buy item, a
5 % tax code, a price list, a customer owned by a rep, a sales manager and a keeper."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from erp import events
from erp.models import EventDelivery
from inventory import status as inventory_status
from inventory.models import UnitOfMeasure
from inventory.services import masterdata
from inventory.services.documents import receipt_post, receipt_save
from sales.services import masterdata as sales_masterdata
from tests.conftest import acme, ensure_roles, shared_data, user_maker

D = Decimal


def deliver_events():
    """Run the pending event deliveries the way the worker would (tests have no worker)."""
    outcomes = []
    for _round in range(5):  # handlers may publish further events
        pending = list(EventDelivery.objects.filter(status=EventDelivery.Status.PENDING).order_by("pk")
                       .values_list("pk", flat=True))
        if not pending:
            break
        outcomes += [events.deliver(pk) for pk in pending]
    return outcomes


class World:
    def receive(self, item, quantity, location=None, cost="10", lot_number=""):
        location = location or self.a1
        receipt = receipt_save(company=self.company, actor=self.admin, warehouse=location.warehouse, lines=[
            {"item": item, "quantity": D(quantity), "unit": item.base_unit, "location": location,
             "unit_cost": D(cost), "lot_number": lot_number}])
        return receipt_post(receipt=receipt, actor=self.admin)

    def order(self, lines, customer=None, actor=None, **header):
        from sales.services.orders import order_save

        return order_save(company=self.company, actor=actor or self.rep, customer=customer or self.customer,
                          lines=[{"unit": line["item"].base_unit, **line} for line in lines], **header)


def build_world():
    ensure_roles()
    w = World()
    w.company = company = acme()
    make_user = user_maker(company)
    w.today = timezone.localdate()
    w.in_a_week = w.today + datetime.timedelta(days=7)
    masterdata.units_seed(company=company)
    w.pcs, w.box = (UnitOfMeasure.objects.get(company=company, code=c) for c in ("PCS", "BOX"))
    w.admin = make_user("boss", "System admin", is_superuser=True, is_staff=True)
    w.rep = make_user("rep", "Sales")
    w.rep2 = make_user("rep2", "Sales")
    w.manager = make_user("salesmgr", "Sales manager")
    w.keeper = make_user("keeper", "Warehouse")
    w.wh = masterdata.warehouse_create(company=company, code="FG", name="成品倉")
    assign_perm("inventory.operate_warehouse", w.keeper, w.wh)
    w.a1 = masterdata.location_create(warehouse=w.wh, code="A-01", name="A 區 01")
    w.a2 = masterdata.location_create(warehouse=w.wh, code="A-02", name="A 區 02")
    w.widget = masterdata.item_create(company=company, code="WID-1", name="齒輪組", base_unit=w.pcs,
                                      units=[(w.box, D("12"))], item_type=inventory_status.ItemType.FINISHED_GOOD,
                                      procurement=inventory_status.Procurement.MAKE, lead_time_days=10)
    w.pump = masterdata.item_create(company=company, code="PMP-1", name="油壓泵", base_unit=w.pcs,
                                    item_type=inventory_status.ItemType.FINISHED_GOOD,
                                    procurement=inventory_status.Procurement.MAKE, lead_time_days=14)
    w.motor = masterdata.item_create(company=company, code="MOT-1", name="馬達", base_unit=w.pcs,
                                     item_type=inventory_status.ItemType.RAW_MATERIAL,
                                     procurement=inventory_status.Procurement.BUY, lead_time_days=21)
    w.vat = sales_masterdata.tax_code_save(company=company, code="VAT5", name="營業稅 5%", rate=D("5"),
                                           is_default=True)
    w.prices = sales_masterdata.price_list_save(
        company=company, code="STD", name="標準價", is_default=True,
        prices=[
            {"item": w.widget, "unit": w.pcs, "price": D("100")},
            {"item": w.widget, "unit": w.pcs, "price": D("90"), "min_quantity": D("100")},
            {"item": w.pump, "unit": w.pcs, "price": D("2500")},
            {"item": w.motor, "unit": w.pcs, "price": D("800")},
        ],
    )
    w.customer = sales_masterdata.customer_create(company=company, code="C001", name="大同機械", owner=w.rep,
                                                  tax_id="22099131", shipping_address="台中市")
    w.other_customer = sales_masterdata.customer_create(company=company, code="C002", name="永豐工業", owner=w.rep2)
    return w


@pytest.fixture(scope="module")
def _sal_shared(django_db_setup, django_db_blocker):
    # Built once per module, ~0.3-0.5 s saved per test; each test gets a deep copy in its own
    # savepoint, a transactional test a world of its own (tests/conftest.py, docs/testing.md).
    with shared_data(django_db_blocker, build_world) as shared:
        yield shared


@pytest.fixture
def sal(_sal_shared, request, db):
    return _sal_shared.for_test(request)
