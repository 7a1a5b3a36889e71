"""A company in which every business model has one object with the same primary key, ``OUT``, that
lies outside the scope of the walk's outsiders: another rep's customer (with its contact, quotation,
order, delivery note, return…), a warehouse no keeper of the walk operates (with its locations,
documents, balances and moves), and the company's own master data. Whatever model a route's id
names, ``OUT`` is a real object of that model, so the URL walk covers every route with an id
without knowing more than the route's model.

How: the company's everyday records are made first (low ids); then every table's sequence is moved
so that its next id is ``OUT``, and the out-of-scope world is made in an order where the first row
of each table is the one the routes should not reach. The sequences are put back afterwards.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection, models
from django.utils import timezone
from guardian.shortcuts import assign_perm

from erp.messages import message
from erp.models import Company, Department, ExportJob
from finance.services.setup import chart_install
from inventory import status as inventory_status
from inventory.models import AdjustmentReason, DeliveryNote, UnitOfMeasure
from inventory.services import deliveries, documents, masterdata
from office.models import (
    ApprovalStepApprover,
    WeComAccessToken,
    WeComApprovalCard,
    WeComCallback,
    WeComIdentity,
    WeComRobot,
    WeComRobotMessage,
    WeComSettings,
    WeComUserSends,
)
from office.services import task_assign
from office.services.announcements import announcement_mark_read, announcement_save
from office.services.approvals import approval_decide, approval_rule_save, delegation_save
from office.services.notifications import notify, notify_department_channels, preferences_set
from purchasing.services import settings as purchasing_settings
from purchasing.services import suppliers as purchasing_suppliers
from purchasing.services.requisitions import requisition_save, requisition_submit
from sales.approvals import CREDIT_EXCEPTION
from sales.services import masterdata as sales_masterdata
from sales.services.orders import credit_request_approval, order_confirm, order_save
from sales.services.quotations import quotation_save
from sales.services.returns import return_save
from tests.factories import CompanyFactory, UserFactory
from tests.sales.conftest import deliver_events

OUT = 900_001
D = Decimal
APPS = ("erp", "office", "inventory", "sales", "purchasing", "production", "finance")


@dataclass
class ScopeWorld:
    company: Company
    other_company: Company
    insider: Any  # a superuser of the company: sees everything
    users: dict[str, Any] = field(default_factory=dict)  # the outsiders, by name
    tokens: dict[str, str] = field(default_factory=dict)  # import kind key -> a pending upload's token
    out_buyer: Any = None  # the buyer of purchasing's OUT supplier


def business_models() -> list[type[models.Model]]:
    return [model for app in APPS for model in apps.get_app_config(app).get_models()
            if isinstance(model._meta.pk, models.AutoField)]


def sequence_values() -> dict[str, int]:
    """{table: the value its id sequence is at}."""
    values = {}
    with connection.cursor() as cursor:
        for model in business_models():
            table = model._meta.db_table
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            if sequence:
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                last, called = cursor.fetchone()
                values[table] = (sequence, last, called)
    return values


def move_sequences(values: dict[str, Any], to: int) -> None:
    with connection.cursor() as cursor:
        for sequence, _last, _called in values.values():
            cursor.execute("SELECT setval(%s, %s, false)", [sequence, to])


def restore_sequences(values: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        for sequence, last, called in values.values():
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last, called])


def user(username: str, company: Company, *roles: str, **fields: Any) -> Any:
    return UserFactory(username=username, company=company, roles=list(roles), language="en", **fields)


def receiving_out_objects(company: Company, admin: Any, far: Any, bin_: Any, item: Any, pcs: Any,
                          supplier: Any) -> Any:
    """A purchase order of ``supplier`` (another buyer's) to warehouse FAR (partly received: a replayed
    receipt can be made), its posted receipt (100 of ``item`` in lot L-OUT at 10 into ``bin_``, 2 of a
    sensor into quarantine), the sensor's inspection (both rejected) and a draft supplier return of
    them: each the OUT row of its table."""
    from erp.documents import transition
    from purchasing.models import Inspection, PurchaseOrder, PurchaseOrderLine
    from purchasing.services.inspections import inspection_record
    from purchasing.services.receiving import receipt_create_for_order
    from purchasing.services.returns import return_create_from_receipt

    sensor = masterdata.item_create(company=company, code="OUT-QC", name="外檢料", base_unit=pcs,
                                    inspection_required=True, item_type=inventory_status.ItemType.RAW_MATERIAL)
    order = PurchaseOrder.objects.create(company=company, supplier=supplier, warehouse=far, created_by=admin)
    first = PurchaseOrderLine.objects.create(order=order, line_no=1, item=item, quantity=D("200"), unit=pcs,
                                             quantity_base=D("200"), unit_price=D("10"), net_amount=D("2000"))
    PurchaseOrderLine.objects.create(order=order, line_no=2, item=sensor, quantity=D("2"), unit=pcs,
                                     quantity_base=D("2"), unit_price=D("5"), net_amount=D("10"))
    transition(order, "approved", actor=admin)
    receipt = receipt_create_for_order(order=order, actor=admin, lines=[
        {"order_line": first, "quantity": D("100"), "location": bin_, "lot_number": "L-OUT"},
        {"order_line": order.lines.get(line_no=2), "quantity": D("2"), "location": bin_}])
    documents.receipt_post(receipt=receipt, actor=admin)
    inspection_record(inspection=Inspection.objects.get(receipt=receipt), accepted=D("0"), rejected=D("2"),
                      actor=admin)
    return_create_from_receipt(receipt=receipt, actor=admin, reason="外退")
    return receipt


def build(sequences: dict[str, Any]) -> ScopeWorld:
    company = CompanyFactory(code="ACME", name="測試精密股份有限公司")
    other = CompanyFactory(code="OTHER", name="別家公司")
    world = ScopeWorld(company=company, other_company=other,
                       insider=user("root-a", company, "System admin", is_superuser=True, is_staff=True))
    masterdata.units_seed(company=company)
    pcs = UnitOfMeasure.objects.get(company=company, code="PCS")
    rep, rep2 = user("rep", company, "Sales"), user("rep2", company, "Sales")
    own_warehouse = masterdata.warehouse_create(company=company, code="OWN", name="自己的倉")
    masterdata.location_create(warehouse=own_warehouse, code="O-01", name="O 01")
    keepers = Group.objects.create(name="Keepers of OWN")  # the keeper's warehouse comes through a group
    assign_perm("inventory.operate_warehouse", keepers, own_warehouse)
    keeper = user("keeper", company, "Warehouse")
    keeper.groups.add(keepers)
    viewer = user("viewer", company, "Warehouse")  # reads every warehouse, operates none
    viewer.user_permissions.add(Permission.objects.get(codename="view_all_warehouses"))
    approver = user("approver", company, "Sales manager")  # decides the OUT approval request
    sales_masterdata.customer_create(company=company, code="MINE", name="我的客戶", owner=rep)
    buyer, buyer2 = user("buyer", company, "Purchasing"), user("buyer2", company, "Purchasing")
    purchasing_suppliers.supplier_create(company=company, code="MINE", name="我的廠商", buyer=buyer)
    world.users = {
        "another company's superuser": user("root-b", other, "System admin", is_superuser=True, is_staff=True),
        "another company's sales manager": user("mgr-b", other, "Sales manager"),
        "a rep of other customers": rep,
        "a keeper of another warehouse": keeper,
        "a keeper who operates no warehouse": viewer,
        "a buyer of other suppliers": buyer,
    }
    # buys from the OUT orders' supplier; no outsider does
    world.out_buyer = buyer_out = user("buyer-out", company, "Purchasing")
    chart_install(company=company, template="tw")  # the chart, its roles and journals: the company's own ids
    # From here on, the first row of every table gets the id OUT.
    sequences.update(sequence_values())
    move_sequences(sequences, OUT)
    admin = world.insider
    far = masterdata.warehouse_create(company=company, code="FAR", name="遠方倉")  # and its transit location
    far2 = masterdata.warehouse_create(company=company, code="FAR2", name="遠方倉二")
    bin_ = masterdata.location_create(warehouse=far, code="F-01", name="F 01")
    masterdata.location_create(warehouse=far2, code="G-01", name="G 01")
    masterdata.unit_create(company=company, code="OUTU", name="外單位")
    category = masterdata.category_create(company=company, code="OUTC", name="外類別")
    item = masterdata.item_create(company=company, code="OUT-1", name="外料", base_unit=pcs, category=category,
                                  units=[(UnitOfMeasure.objects.get(company=company, code="BOX"), D("12"))],
                                  lot_tracked=True, shelf_life_days=365,
                                  item_type=inventory_status.ItemType.FINISHED_GOOD)
    build_finance(world, category)  # before anything posts stock: the ledger's first rows are finance's own
    # The first goods receipt is a purchase order's (purchasing's receipts list shows only those), with
    # a second line of an item that needs inspection: its inspection and a supplier return of its rejects.
    # Another buyer's supplier (the OUT supplier), with its contact; its item and price come below.
    supplier = purchasing_suppliers.supplier_create(company=company, code="OUTSIDE", name="別人的廠商", buyer=buyer2,
                                                    contacts=[{"name": "林小華", "is_primary": True}])
    receiving_out_objects(company, admin, far, bin_, item, pcs, supplier)
    lot = item.lots.get()
    line = {"item": item, "quantity": D("1"), "unit": pcs}
    issue = documents.issue_save(company=company, actor=admin, warehouse=far,
                                 lines=[{**line, "location": bin_, "lot": lot}])
    documents.issue_reserve(issue=issue, actor=admin)
    documents.transfer_save(company=company, actor=admin, warehouse=far, to_warehouse=far2,
                            lines=[{**line, "from_location": bin_, "to_location": far2.locations.get(code="G-01"),
                                    "lot": lot}])
    documents.adjustment_save(company=company, actor=admin, warehouse=far,
                              reason=AdjustmentReason.objects.filter(company=company).first(),
                              lines=[{"item": item, "quantity_change": D("1"), "unit": pcs, "location": bin_,
                                      "lot": lot, "unit_cost": D("10")}])
    documents.count_create(company=company, warehouse=far, actor=admin)
    # Purchasing: a requisition (the buyers' pool of the company: only other companies' users are out).
    requisition = requisition_save(company=company, actor=admin, warehouse=far, lines=[line])
    requisition_submit(requisition=requisition, actor=admin)
    tax = sales_masterdata.tax_code_save(company=company, code="OUTT", name="外稅", rate=D("5"))
    sales_masterdata.payment_term_save(company=company, code="OUTP", name="外條件", days=30)
    prices = sales_masterdata.price_list_save(company=company, code="OUTL", name="外價目",
                                              prices=[{"item": item, "unit": pcs, "price": D("100")}])
    # Another buyer's supplier, with its contact, a bought item and its price.
    bought = masterdata.item_create(company=company, code="OUT-B", name="外購料", base_unit=pcs,
                                    units=[(UnitOfMeasure.objects.get(company=company, code="BOX"), D("10"))],
                                    item_type=inventory_status.ItemType.RAW_MATERIAL,
                                    procurement=inventory_status.Procurement.BUY)
    purchasing_suppliers.supplier_item_save(supplier=supplier, item=bought, unit=pcs, supplier_part_number="X-1",
                                            prices=[{"min_quantity": D("0"), "price": D("5")}])
    purchasing_suppliers.supplier_item_save(supplier=purchasing_suppliers.Supplier.objects.get(code="MINE"),
                                            item=bought, unit=pcs, prices=[{"price": D("6")}])
    purchasing_settings.settings_save(company=company, default_lead_time_days=9)
    customer = sales_masterdata.customer_create(
        company=company, code="OUTSIDE", name="別人的客戶", owner=rep2, tax_code=tax, price_list=prices,
        contacts=[{"name": "王小明", "is_primary": True}])
    quotation_save(company=company, actor=rep2, customer=customer, lines=[line])
    order = order_save(company=company, actor=rep2, customer=customer, warehouse=far, lines=[{**line,
                                                                                               "quantity": D("5")}])
    # The first notification (with its e-mail delivery) is the insider's own; the task's notify rep2.
    notify(company=company, recipients=[admin], kind="sales.order_late", message=message("Outside notice"))
    lonely = Department.objects.create(company=company, code="NOBODY", name="沒人的部門")
    announcement = announcement_save(company=company, actor=admin, title="外部公告", body="只給沒人的部門",
                                     audience="departments", departments=[lonely])
    announcement_mark_read(announcement=announcement, user=admin)
    preferences_set(user=admin, choices={("sales.order_late", "email"): False})
    notify_department_channels(company=company, department=lonely, kind="sales.order_late",
                               message=message("Outside digest"))
    task_assign(company=company, title="Outside task", user=rep2, actor=admin)  # before the order's tasks
    WeComIdentity.objects.create(company=company, user=rep2, wecom_userid="rep2")
    robot = WeComRobot.objects.create(company=company, name="外部群",
                                      webhook_key="693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa")
    WeComRobotMessage.objects.create(company=company, robot=robot, msgtype="text", payload={"content": "外"})
    WeComSettings.objects.create(company=company, corp_id="wwout", agent_id=1000002, app_secret="out-secret-0001")
    WeComAccessToken.objects.create(corp_id="wwout", agent_id=1000002, token="out-token")  # no company: superusers'
    WeComUserSends.objects.create(corp_id="wwout", agent_id=1000002, wecom_userid="rep2")
    order_confirm(order=order, actor=rep2)
    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    note_line = note.lines.get()
    deliveries.delivery_save_picks(delivery=note, actor=admin, lines=[
        {"id": note_line.pk, "picked": D("3"), "location": bin_, "lot": lot}])
    note = deliveries.delivery_post(delivery=note, actor=admin)
    deliver_events()
    return_save(company=company, actor=admin, delivery=note,
                lines=[{"delivery_line": note_line, "quantity": D("1"), "location": bin_}])
    ExportJob.objects.create(user=admin, filename="orders", fmt="csv", path="/sales/orders/",
                             finished_at=timezone.now())
    # The approval engine: a rule, a pending request (another rep's order above the customer's credit
    # limit), a delegation of that rep's.
    approval_rule_save(company=company, actor=admin, type_key=CREDIT_EXCEPTION, name="Outside rule", priority=1,
                       conditions=[{"field": "order_total", "operator": "gt", "value": "0"}],
                       steps=[{"sequence": 1, "kind": "role", "role": Group.objects.get(name="Sales manager")},
                              {"sequence": 2, "kind": "user", "user": admin}])
    sales_masterdata.customer_update(customer=customer, actor=admin, credit_limit=D("1"))
    held = order_save(company=company, actor=rep2, customer=customer, warehouse=far, lines=[line])
    request = credit_request_approval(order=held, actor=rep2)
    # The approver's card on WeCom and the callback of its tap (office.models.wecom_cards).
    seat = ApprovalStepApprover.objects.get(step__request=request, user=approver)
    WeComApprovalCard.objects.create(company=company, seat=seat, task_id=f"apr{seat.pk}-out", wecom_userid="approver")
    WeComCallback.objects.create(company=company, dedupe_key="approver:1:template_card_event:out:approve",
                                 event="template_card_event", from_user="approver", task_id=f"apr{seat.pk}-out",
                                 event_key="approve", status="applied")
    approval_decide(request=request, actor=approver, decision="approve",
                    comment="first step")  # a decision; the second step waits for the admin
    today = timezone.localdate()
    delegation_save(company=company, actor=rep2, user=rep2, delegate=approver, starts_on=today, ends_on=today)
    build_purchasing(company, buyer_out, item, far, order)
    build_purchasing_invoices(world, far, item, pcs)
    build_production(world, far, bought, pcs, order)
    build_finance_invoices(world)
    return world


def build_finance(world: ScopeWorld, category: Any) -> None:
    """Finance's OUT objects: an income account (its code sorts first, so the first page of the chart
    holds it), its mapping as the sales revenue of the OUT item category, this fiscal year (the first
    of its periods is the OUT period) and a posted entry (bank 1,000 to that income account), with its
    first line and balance row. The ledger is the company's: only other companies' users are out."""
    from erp.fiscal import fiscal_year_of
    from finance import status as finance_status
    from finance.models import Account, Journal
    from finance.services.accounts import account_save, role_account_set
    from finance.services.ledger import Line, RoleAccounts, entry_record
    from finance.services.setup import fiscal_year_ensure

    company, admin, today = world.company, world.insider, timezone.localdate()
    income = account_save(company=company, actor=admin, code="0-OUT", name="外收入", name_en="Outside income",
                          account_type=finance_status.AccountType.INCOME,
                          parent=Account.objects.get(company=company, code="4"))
    role_account_set(company=company, actor=admin, role=finance_status.AccountRole.REVENUE, account=income,
                     item_category=category)
    fiscal_year_ensure(company=company, year=fiscal_year_of(company, today))
    bank = RoleAccounts(company).get(finance_status.AccountRole.BANK)
    entry_record(company=company, journal=Journal.objects.get(company=company, code="GEN"), date=today,
                 memo="外部傳票", actor=admin, lines=[Line(bank, debit=D("1000")), Line(income, credit=D("1000"))])


def build_finance_invoices(world: ScopeWorld) -> None:
    """Finance's OUT receivables: this period's uniform invoice range, the OUT customer invoice (drafted
    by the event of the OUT sales order's delivery, with its line and the company's finance settings)
    posted with the range's first number, and a draft payment of the OUT customer allocated to it (with
    its allocation). Finance's are the company's: only other companies' users are out."""
    from finance import status as finance_status
    from finance.models import CustomerInvoice
    from finance.services.invoices import invoice_post, two_month_start, uniform_range_save
    from finance.services.ledger import RoleAccounts
    from finance.services.payments import payment_save

    company, admin, today = world.company, world.insider, timezone.localdate()
    uniform_range_save(company=company, actor=admin, year=today.year, start_month=two_month_start(today), track="OU",
                       first_number=0, last_number=99)
    invoice = invoice_post(invoice=CustomerInvoice.objects.get(pk=OUT), actor=admin)
    payment_save(company=company, actor=admin, direction=finance_status.PaymentDirection.IN, partner=invoice.customer,
                 account=RoleAccounts(company).get(finance_status.AccountRole.BANK), amount=D("10"),
                 document_date=today, allocations=[(invoice, D("10"))])


def build_production(world: ScopeWorld, warehouse: Any, component: Any, pcs: Any, sales_order: Any) -> None:
    """Production's OUT objects, made directly (the areas' services have their own tests): a made item
    OUT-M, a work center with a holiday, a routing with an operation, a BOM with a line of ``component``,
    a demand line, an MRP run with its record, item header, planned order (pegged to the OUT sales
    order's line) and exception, and a draft work order. Production's data is the company's: only
    other companies' users are out of its scope (the keepers read it, none may change it)."""
    from production import status as production_status
    from production.models import (
        Bom,
        BomLine,
        Demand,
        MrpException,
        MrpItemPlan,
        MrpRecord,
        MrpRun,
        PlannedOrder,
        PlannedOrderPeg,
        Routing,
        RoutingOperation,
        WorkCenter,
        WorkCenterHoliday,
        WorkOrder,
        WorkOrderComponent,
        WorkOrderOperation,
    )

    company, today = world.company, timezone.localdate()
    item = masterdata.item_create(company=company, code="OUT-M", name="外自製品", base_unit=pcs,
                                  item_type=inventory_status.ItemType.FINISHED_GOOD,
                                  procurement=inventory_status.Procurement.MAKE)
    center = WorkCenter.objects.create(company=company, code="OUTWC", name="外工作中心", warehouse=warehouse)
    WorkCenterHoliday.objects.create(work_center=center, date=today, name="外假日")
    routing = Routing.objects.create(company=company, code="OUTR", name="外途程", item=item)
    RoutingOperation.objects.create(routing=routing, sequence=10, name="外工序", work_center=center,
                                    setup_minutes=D("10"), run_minutes=D("1"))
    bom = Bom.objects.create(company=company, item=item, version="1", routing=routing)
    BomLine.objects.create(bom=bom, component=component, quantity=D("2"), unit=pcs, quantity_base=D("2"))
    demand = Demand.objects.create(company=company, item=item, date=today, quantity=D("3"), reference="外預測")
    run = MrpRun.objects.create(company=company, as_of=today, horizon_days=30,
                                status=production_status.MrpRunStatus.DONE, progress=100)
    MrpItemPlan.objects.create(run=run, item=item, procurement="make", on_hand=D("0"), safety_stock=D("0"),
                               lead_time_days=1, planned_orders=1)
    MrpRecord.objects.create(run=run, item=item, date=today, gross=D("5"), projected=D("-5"), net=D("5"),
                             planned_receipt=D("5"))
    planned = PlannedOrder.objects.create(run=run, item=item, kind=production_status.PlannedOrderKind.MAKE,
                                          quantity=D("5"), due_date=today, release_date=today, bom=bom)
    PlannedOrderPeg.objects.create(planned_order=planned, quantity=D("5"), need_date=today,
                                   sales_order_line=sales_order.lines.first(), demand=demand)
    MrpException.objects.create(run=run, item=item, kind=production_status.MrpExceptionKind.LATE_RELEASE, date=today,
                                quantity=D("5"), planned_order=planned)
    order = WorkOrder.objects.create(company=company, item=item, bom=bom, routing=routing, warehouse=warehouse,
                                     quantity=D("5"), start_date=today, due_date=today, created_by=world.insider)
    WorkOrderComponent.objects.create(company=company, work_order=order, component=component, quantity_per=D("2"),
                                      quantity_required=D("10"))
    WorkOrderOperation.objects.create(company=company, work_order=order, name="外工序", work_center=center,
                                      planned_hours=D("1"))


def build_purchasing(company: Company, buyer: Any, item: Any, warehouse: Any, sales_order: Any) -> None:
    """Purchasing's OUT objects: a supplier only ``buyer`` buys from, its order (approved, then revised:
    a draft of revision 1 with the revision kept) pegged through a requisition line to the OUT sales
    order's line."""
    from purchasing import status as purchasing_status
    from purchasing.models import PurchaseRequisition, PurchaseRequisitionLine, Supplier
    from purchasing.services.orders import order_revise, order_save, order_submit

    supplier = Supplier.objects.create(company=company, code="OUTS", name="外廠商", buyer=buyer,
                                       email="out@supplier.example")
    assign_perm("purchasing.buy_from_supplier", buyer, supplier)
    purchase = order_save(company=company, actor=buyer, supplier=supplier, warehouse=warehouse,
                          lines=[{"item": item, "quantity": D("2"), "unit_price": D("10")}])
    order_submit(order=purchase, actor=buyer)
    requisition = PurchaseRequisition.objects.create(company=company, warehouse=warehouse,
                                                     status=purchasing_status.RequisitionStatus.OPEN)
    PurchaseRequisitionLine.objects.create(
        requisition=requisition, item=item, quantity=D("2"), unit=item.base_unit, quantity_base=D("2"),
        sales_order_line=sales_order.lines.first(), order_line=purchase.lines.get(),
        status=purchasing_status.RequisitionLineStatus.ORDERED)
    order_revise(order=purchase, reason="Outside revision", actor=buyer)


def build_purchasing_invoices(world: ScopeWorld, warehouse: Any, item: Any, pcs: Any) -> None:
    """Purchasing's OUT objects: a supplier of another buyer, an approved order with a received line
    (made directly: the order and receiving services are other areas'), a draft supplier invoice."""
    from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
    from purchasing.services.invoices import invoice_save

    company, admin = world.company, world.insider
    other_buyer = world.out_buyer
    supplier = Supplier.objects.get(company=company, code="OUTS")  # build_purchasing's, bought by other_buyer
    order = PurchaseOrder.objects.create(company=company, supplier=supplier, warehouse=warehouse, status="approved",
                                         number="PO-OUT-1", buyer=other_buyer)
    order_line = PurchaseOrderLine.objects.create(
        order=order, item=item, quantity=D("10"), unit=pcs, quantity_base=D("10"), unit_price=D("5"),
        tax_rate=D("5"), net_amount=D("50"), received_quantity=D("10"))
    invoice_save(company=company, actor=admin, supplier=supplier, supplier_invoice_number="OUT-INV",
                 lines=[{"order_line": order_line, "quantity": D("2")}])


def snapshot() -> dict[str, dict[str, Any] | None]:
    """Every field of every OUT object, to show that no outsider's request changed one."""
    rows = {}
    for model in business_models():
        row = model._default_manager.filter(pk=OUT).values().first()
        rows[model._meta.label_lower] = row
    return rows


def upload_token(client: Any, upload_url: str, app_label: str, key: str) -> str:
    """A pending upload of a one-row CSV (every column of the kind) through the import screen: the
    token its preview URL carries."""
    from erp.imports import import_kind

    columns = import_kind(f"{app_label}.{key}").columns
    data = io.StringIO()
    csv.writer(data).writerows([[column.key for column in columns], ["X1" for _column in columns]])
    upload = io.BytesIO(data.getvalue().encode())
    upload.name = "walk.csv"
    response = client.post(upload_url, {"file": upload})
    assert response.status_code == 302, (upload_url, response.status_code)
    return response["Location"].rstrip("/").split("/")[-1]
