"""A small purchasing world: a warehouse with two storage locations, buy items (one lot-tracked, one
that needs incoming inspection, one bought in boxes), a 5 % tax code, two suppliers each owned by a
buyer with price lists, a Purchasing manager, a keeper, a quality inspector, a sales rep with a
customer, and a general manager.

Each area's tests add their own helpers to ``World`` (methods) rather than fixtures of their own, so
every purchasing test module shares one world built once per module."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from inventory import status as inventory_status
from inventory.models import UnitOfMeasure
from inventory.services import masterdata
from purchasing.models import PurchasingSettings, Supplier, SupplierItem, SupplierPrice
from sales.services import masterdata as sales_masterdata
from tests.conftest import acme, ensure_roles, shared_data, user_maker
from tests.sales.conftest import deliver_events

D = Decimal
__all__ = ["D", "World", "build_world", "deliver_events"]


class World:
    def supplier(self, code, name, buyer=None, **fields):
        """A supplier made as the supplier service would (the buyer holds buy_from_supplier on it)."""
        supplier = Supplier.objects.create(company=self.company, code=code, name=name, buyer=buyer, **fields)
        if buyer is not None:
            assign_perm("purchasing.buy_from_supplier", buyer, supplier)
        return supplier

    def supplier_item(self, supplier, item, unit=None, prices=(), **fields):
        """A supplier item with its price breaks: prices = [(from quantity, price), …]."""
        row = SupplierItem.objects.create(supplier=supplier, item=item, unit=unit or item.base_unit, **fields)
        for min_quantity, price in prices:
            SupplierPrice.objects.create(supplier_item=row, min_quantity=D(min_quantity), price=D(price))
        return row

    def invoices_order(self, supplier, lines, status="approved", tax_rate="5"):
        """An approved purchase order made straight in the database (the order and receiving services
        are other areas'): lines = [(item, quantity, unit price, received[, unit, base factor])]."""
        from purchasing.models import PurchaseOrder, PurchaseOrderLine

        self._po_seq = getattr(self, "_po_seq", 0) + 1
        order = PurchaseOrder.objects.create(company=self.company, supplier=supplier, warehouse=self.wh,
                                             status=status, number=f"PO-T-{self._po_seq:04d}", buyer=supplier.buyer)
        for n, (item, quantity, price, received, *unit) in enumerate(lines, start=1):
            unit_row, factor = (unit[0], D(unit[1])) if unit else (item.base_unit, D("1"))
            PurchaseOrderLine.objects.create(
                order=order, line_no=n, item=item, quantity=D(quantity), unit=unit_row,
                quantity_base=D(quantity) * factor, unit_price=D(price), tax_rate=D(tax_rate),
                net_amount=(D(quantity) * D(price)).quantize(D("0.01")), received_quantity=D(received) * factor,
                order_receivable=status in ("approved", "sent", "partial"))  # as the status transitions keep it
        return order

    # Requisitions (reqs) ---------------------------------------------------------------------------
    def requisition(self, lines, submit=True, actor=None, warehouse=None, **header):
        """A requisition by hand: lines = [{"item": …, "quantity": …, …}], submitted unless told."""
        from purchasing.services.requisitions import requisition_save, requisition_submit

        actor = actor or self.buyer
        requisition = requisition_save(company=self.company, actor=actor, warehouse=warehouse or self.wh,
                                       lines=lines, **header)
        return requisition_submit(requisition=requisition, actor=actor) if submit else requisition

    def sales_order(self, lines, confirm=True):
        """A sales order of the world's customer (unit price 1000 each), confirmed: the items short
        are asked of purchasing (the events are left pending)."""
        from sales.services.orders import order_confirm, order_save

        order = order_save(company=self.company, actor=self.rep, customer=self.customer, warehouse=self.wh,
                           lines=[{"unit": line["item"].base_unit, "unit_price": D("1000"), **line}
                                  for line in lines])
        if confirm:
            order_confirm(order=order, actor=self.rep)
        return order

    def receive(self, item, quantity, location=None):
        """Stock in by an inventory goods receipt (not a purchase order)."""
        from inventory.services.documents import receipt_post, receipt_save

        receipt = receipt_save(company=self.company, actor=self.admin, warehouse=self.wh, lines=[
            {"item": item, "quantity": D(quantity), "unit": item.base_unit, "location": location or self.a1,
             "unit_cost": D("10")}])
        return receipt_post(receipt=receipt, actor=self.admin)

    def approved_order(self, supplier, lines, status="approved", warehouse=None):
        """A purchase order made directly (the order services are another area's): lines = [(item,
        quantity, unit price[, unit])], approved (numbered) unless ``status`` says otherwise."""
        from erp.documents import transition
        from inventory.units import to_base
        from purchasing.models import PurchaseOrder, PurchaseOrderLine

        order = PurchaseOrder.objects.create(company=self.company, supplier=supplier, buyer=supplier.buyer,
                                             warehouse=warehouse or self.wh, created_by=self.admin)
        for n, (item, quantity, price, *unit) in enumerate(lines, start=1):
            unit = unit[0] if unit else item.base_unit
            PurchaseOrderLine.objects.create(order=order, line_no=n, item=item, quantity=D(quantity), unit=unit,
                                             quantity_base=to_base(item, D(quantity), unit), unit_price=D(price),
                                             net_amount=D(quantity) * D(price))
        if status != "draft":
            transition(order, "approved", actor=self.admin)
            if status == "cancelled":
                transition(order, "cancelled", actor=self.admin)
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
    w.buyer = make_user("buyer", "Purchasing")
    w.buyer2 = make_user("buyer2", "Purchasing")
    w.purchasing_manager = make_user("purchmgr", "Purchasing manager")
    w.general_manager = make_user("gm", "Manager")
    w.keeper = make_user("keeper", "Warehouse")
    w.inspector = make_user("qc", "Quality")
    w.rep = make_user("rep", "Sales")
    w.wh = masterdata.warehouse_create(company=company, code="RM", name="原料倉")
    assign_perm("inventory.operate_warehouse", w.keeper, w.wh)
    w.a1 = masterdata.location_create(warehouse=w.wh, code="A-01", name="A 區 01")
    w.a2 = masterdata.location_create(warehouse=w.wh, code="A-02", name="A 區 02")
    buy = {"item_type": inventory_status.ItemType.RAW_MATERIAL, "procurement": inventory_status.Procurement.BUY}
    w.motor = masterdata.item_create(company=company, code="MOT-1", name="馬達", base_unit=w.pcs,
                                     lead_time_days=21, reorder_point=D("10"), safety_stock=D("5"), **buy)
    w.screw = masterdata.item_create(company=company, code="SCR-1", name="螺絲", base_unit=w.pcs,
                                     units=[(w.box, D("100"))], **buy)
    w.resin = masterdata.item_create(company=company, code="RES-1", name="樹脂", base_unit=w.kg,
                                     lot_tracked=True, shelf_life_days=180, **buy)
    w.sensor = masterdata.item_create(company=company, code="SEN-1", name="感測器", base_unit=w.pcs,
                                      inspection_required=True, **buy)
    w.vat = sales_masterdata.tax_code_save(company=company, code="VAT5", name="營業稅 5%", rate=D("5"),
                                           is_default=True)
    w.net30 = sales_masterdata.payment_term_save(company=company, code="NET30", name="月結 30 天", days=30,
                                                 end_of_month=True)
    PurchasingSettings.objects.create(company=company, over_receipt_percent=D("5"),
                                      invoice_tolerance_percent=D("1"), invoice_tolerance_amount=D("1"))
    w.acme_parts = w.supplier("S001", "東元電機", buyer=w.buyer, tax_id="12345675", lead_time_days=14,
                              payment_term=w.net30, tax_code=w.vat, email="sales@teco.example")
    w.bolt_co = w.supplier("S002", "大億螺絲", buyer=w.buyer2, lead_time_days=5, tax_code=w.vat)
    w.motor_from_s1 = w.supplier_item(w.acme_parts, w.motor, prices=[("0", "800"), ("50", "760")],
                                      is_preferred=True, lead_time_days=10, min_order_quantity=D("5"))
    w.screw_from_s2 = w.supplier_item(w.bolt_co, w.screw, unit=w.box, prices=[("0", "120")], is_preferred=True,
                                      order_multiple=D("2"))
    w.resin_from_s1 = w.supplier_item(w.acme_parts, w.resin, prices=[("0", "55.5")], is_preferred=True)
    w.sensor_from_s1 = w.supplier_item(w.acme_parts, w.sensor, prices=[("0", "300")], is_preferred=True)
    w.customer = sales_masterdata.customer_create(company=company, code="C001", name="大同機械", owner=w.rep)
    return w


@pytest.fixture(scope="module")
def _pur_shared(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_world) as shared:
        yield shared


@pytest.fixture
def pur(_pur_shared, request, db):
    return _pur_shared.for_test(request)
