"""A small production world: a bicycle made of a frame and two wheels, each wheel of a rim, spokes and a
tube; spokes are bought in boxes of 100 and are also a spare part sold on their own (a common
component at two levels: the wheel's spokes and the bicycle's spare spokes). Two work centers with
a routing per made item, a warehouse with stock, a production planner, a buyer with a supplier for
every buy item, a sales rep with a customer, a warehouse keeper and an outsider with no role.

Engineering data is written straight to the tables (the BOM and routing services are what the
tests test); each area's tests add helpers to ``World`` (methods) rather than fixtures of their own,
so every production test module shares one world built once per module."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from inventory import status as inventory_status
from inventory.models import UnitOfMeasure
from inventory.services import masterdata
from production.models import Bom, BomLine, Routing, RoutingOperation, WorkCenter
from purchasing.models import Supplier, SupplierItem, SupplierPrice
from sales.services import masterdata as sales_masterdata
from tests.conftest import acme, ensure_roles, shared_data, user_maker
from tests.sales.conftest import deliver_events

D = Decimal
__all__ = ["D", "World", "build_world", "deliver_events"]


class World:
    def bom(self, item, lines, version="1", quantity="1", **fields):
        """A BOM version made straight in the tables: lines = [(component, quantity per[, unit[, base
        factor]][, {kind, scrap_percent}])]."""
        bom = Bom.objects.create(company=self.company, item=item, version=version, quantity=D(quantity), **fields)
        for n, (component, quantity_per, *rest) in enumerate(lines, start=1):
            extra = rest.pop() if rest and isinstance(rest[-1], dict) else {}
            unit, factor = (rest[0], D(rest[1])) if rest else (component.base_unit, D("1"))
            BomLine.objects.create(bom=bom, sequence=n * 10, component=component, quantity=D(quantity_per), unit=unit,
                                   quantity_base=D(quantity_per) * factor, **extra)
        return bom

    def receive(self, item, quantity, unit_cost="10", location=None):
        """Stock in by an inventory goods receipt."""
        from inventory.services.documents import receipt_post, receipt_save

        receipt = receipt_save(company=self.company, actor=self.admin, warehouse=self.wh, lines=[
            {"item": item, "quantity": D(quantity), "unit": item.base_unit, "location": location or self.a1,
             "unit_cost": D(unit_cost)}])
        return receipt_post(receipt=receipt, actor=self.admin)

    def sales_order(self, lines, confirm=True):
        """A sales order of the world's customer (unit price 5000 each), confirmed unless told."""
        from sales.services.orders import order_confirm, order_save

        order = order_save(company=self.company, actor=self.rep, customer=self.customer, warehouse=self.wh,
                           lines=[{"unit": line["item"].base_unit, "unit_price": D("5000"), **line}
                                  for line in lines])
        if confirm:
            order_confirm(order=order, actor=self.rep)
        return order


def build_world():
    ensure_roles()
    w = World()
    w.company = company = acme()
    make_user = user_maker(company)
    w.today = timezone.localdate()
    w.in_a_week = w.today + datetime.timedelta(days=7)
    masterdata.units_seed(company=company)
    w.pcs, w.box, w.kg = (UnitOfMeasure.objects.get(company=company, code=c) for c in ("PCS", "BOX", "KG"))
    w.admin = make_user("boss", "System admin", is_superuser=True, is_staff=True)
    w.planner = make_user("planner", "Production")
    w.buyer = make_user("buyer", "Purchasing")
    w.keeper = make_user("keeper", "Warehouse")
    w.rep = make_user("rep", "Sales")
    w.outsider = make_user("nobody")
    w.wh = masterdata.warehouse_create(company=company, code="FG", name="成品倉")
    assign_perm("inventory.operate_warehouse", w.keeper, w.wh)
    w.a1 = masterdata.location_create(warehouse=w.wh, code="A-01", name="A 區 01")
    make = {"procurement": inventory_status.Procurement.MAKE}
    buy = {"item_type": inventory_status.ItemType.RAW_MATERIAL, "procurement": inventory_status.Procurement.BUY}
    w.bike = masterdata.item_create(company=company, code="BIKE", name="自行車", base_unit=w.pcs,
                                    item_type=inventory_status.ItemType.FINISHED_GOOD, lead_time_days=3,
                                    standard_cost=D("3000"), **make)
    w.frame = masterdata.item_create(company=company, code="FRAME", name="車架", base_unit=w.pcs,
                                     item_type=inventory_status.ItemType.SEMI_FINISHED, lead_time_days=5, **make)
    w.wheel = masterdata.item_create(company=company, code="WHEEL", name="車輪", base_unit=w.pcs,
                                     item_type=inventory_status.ItemType.SEMI_FINISHED, lead_time_days=2, **make)
    w.rim = masterdata.item_create(company=company, code="RIM", name="輪圈", base_unit=w.pcs, lead_time_days=10,
                                   standard_cost=D("200"), **buy)
    w.spoke = masterdata.item_create(company=company, code="SPOKE", name="鋼絲", base_unit=w.pcs, lead_time_days=7,
                                     units=[(w.box, D("100"))], standard_cost=D("2"), **buy)
    w.tube = masterdata.item_create(company=company, code="TUBE", name="鋼管", base_unit=w.kg, lead_time_days=4,
                                    standard_cost=D("80"), **buy)
    w.frame_shop = WorkCenter.objects.create(company=company, code="WELD", name="焊接", capacity_hours=D("16"),
                                             cost_rate=D("600"), efficiency_percent=D("80"), warehouse=w.wh)
    w.assembly = WorkCenter.objects.create(company=company, code="ASSY", name="組裝線", capacity_hours=D("8"),
                                           cost_rate=D("450"), warehouse=w.wh)
    w.bike_routing = Routing.objects.create(company=company, code="R-BIKE", name="自行車組裝", item=w.bike)
    RoutingOperation.objects.create(routing=w.bike_routing, sequence=10, name="組裝", work_center=w.assembly,
                                    setup_minutes=D("30"), run_minutes=D("45"))
    w.frame_routing = Routing.objects.create(company=company, code="R-FRAME", name="車架焊接", item=w.frame)
    RoutingOperation.objects.create(routing=w.frame_routing, sequence=10, name="焊接", work_center=w.frame_shop,
                                    setup_minutes=D("60"), run_minutes=D("90"))
    # BIKE = FRAME + 2 WHEEL + 4 spare SPOKE; WHEEL = RIM + 36 SPOKE; FRAME = 2.5 kg TUBE (5 % scrap)
    w.bike_bom = w.bom(w.bike, [(w.frame, "1"), (w.wheel, "2"), (w.spoke, "4")], routing=w.bike_routing)
    w.wheel_bom = w.bom(w.wheel, [(w.rim, "1"), (w.spoke, "36")])
    w.frame_bom = w.bom(w.frame, [(w.tube, "2.5", {"scrap_percent": D("5")})], routing=w.frame_routing)
    w.supplier = Supplier.objects.create(company=company, code="S001", name="巨大零件", buyer=w.buyer,
                                         lead_time_days=7)
    assign_perm("purchasing.buy_from_supplier", w.buyer, w.supplier)
    for item, price in ((w.rim, "200"), (w.spoke, "2"), (w.tube, "80")):
        row = SupplierItem.objects.create(supplier=w.supplier, item=item, unit=item.base_unit, is_preferred=True)
        SupplierPrice.objects.create(supplier_item=row, min_quantity=D("0"), price=D(price))
    w.customer = sales_masterdata.customer_create(company=company, code="C001", name="捷安特經銷", owner=w.rep)
    return w


@pytest.fixture(scope="module")
def _prod_shared(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_world) as shared:
        yield shared


@pytest.fixture
def prod(_prod_shared, request, db):
    return _prod_shared.for_test(request)
