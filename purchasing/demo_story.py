"""Procure to pay in the demo company (``bootstrap --demo``, after the supplier master data): what a new
user finds already done, and one order left for them to approve.

1. The demo's confirmed sales order short of a bought item (sales' shortage event made a requisition
   line pegged to the order line) is consolidated by the supplier's buyer into a purchase order.
2. The order is above the demo's approval threshold: the buyer submits it, the Purchasing manager
   approves it (the sales order's promised date follows the order's expected date and the rep is
   notified), and the buyer marks it sent.
3. Half of it arrives; the item needs incoming inspection, so it waits in quarantine until the
   inspector accepts all but one unit; the rejected unit goes back to the supplier.
4. The supplier's invoice for what was kept matches the order and the receipt and is posted.
5. A second order (a buyer's requisition for another bought item) waits in the Purchasing manager's
   inbox for approval, to try the inbox (or WeCom's fake, ``WECOM_FAKE=1 make run``).

Every step goes through the services, as the screens would. Loading again does nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from erp import messages
from erp.models import Company, User
from inventory.models import Warehouse
from inventory.services.documents import receipt_post
from inventory.services.masterdata import item_update
from office.models import ApprovalRequest, ApprovalRule
from office.services.approvals import approval_decide, approval_rule_save
from office.status import ApprovalStatus, ConditionOperator, StepKind
from purchasing import status as st
from purchasing.approvals import ORDER_APPROVAL
from purchasing.models import Inspection, PurchaseOrder, PurchaseRequisitionLine, SupplierItem
from purchasing.services.consolidation import requisition_lines_consolidate
from purchasing.services.inspections import inspection_record
from purchasing.services.invoices import invoice_create_from_order, invoice_match, invoice_post
from purchasing.services.orders import order_send, order_submit
from purchasing.services.receiving import receipt_create_for_order
from purchasing.services.requisitions import requisition_save, requisition_submit
from purchasing.services.returns import return_create_from_receipt, return_post
from sales.demo import run_events

D = Decimal
DEMO_THRESHOLD = D("1000")
# A rule of the demo company (rules are data): small orders need the manager too, so the story shows
# an approval; the two default rules (100,000 and 1,000,000) stay as they are.
DEMO_RULE_NAME = messages.message(gettext_noop("Purchase order above 1,000 → Purchasing manager (demo)"))
SECOND_ITEM_PREFIX = "RM-"  # the second order: a raw material the buyer asks for by hand


def demo_rule(company: Company, manager_role: Any) -> None:
    name = messages.in_default_language(DEMO_RULE_NAME)
    if ApprovalRule.objects.filter(company=company, type_key=ORDER_APPROVAL, name=name).exists():
        return
    approval_rule_save(company=company, actor=None, type_key=ORDER_APPROVAL, name=name, priority=90,
                       conditions=[{"field": "order_total", "operator": ConditionOperator.GT,
                                    "value": DEMO_THRESHOLD}],
                       steps=[{"sequence": 1, "kind": StepKind.ROLE, "role": manager_role}])


def buyer_of(line: PurchaseRequisitionLine, fallback: User) -> User:
    offer = (SupplierItem.objects.filter(item=line.item, is_preferred=True, is_active=True)
             .select_related("supplier__buyer").first())
    return offer.supplier.buyer if offer is not None and offer.supplier.buyer is not None else fallback


def approve(order: PurchaseOrder, manager: User) -> None:
    request = ApprovalRequest.objects.filter(document_id=order.pk, type_key=ORDER_APPROVAL,
                                             status=ApprovalStatus.PENDING).first()
    if request is not None:
        approval_decide(request=request, actor=manager, decision="approve", comment="")


def shortage_story(company: Company, users: dict[str, Any]) -> int:
    """Steps 1–4; returns the records made (0 when there is no sales shortage to buy for)."""
    line = (PurchaseRequisitionLine.objects.filter(requisition__company=company, source=st.RequisitionSource.SALES,
                                                   status=st.RequisitionLineStatus.OPEN)
            .select_related("item", "requisition").order_by("pk").first())
    if line is None:
        return 0
    manager, keeper, inspector = users["purchmgr"], users["warehouse"], users["quality"]
    buyer = buyer_of(line, users["purchasing"])
    # The bearing needs incoming inspection in the demo: its receipt waits in quarantine.
    item_update(item=line.item, actor=users.get("admin"), inspection_required=True)
    result = requisition_lines_consolidate(company=company, line_ids=[line.pk], actor=buyer)
    order = result.orders[0]
    order_submit(order=order, actor=buyer)
    approve(order, manager)
    order.refresh_from_db()
    order_send(order=order, actor=buyer, by_email=False)
    order_line = order.lines.get()
    half = (order_line.quantity / 2).quantize(D("1"))
    receipt = receipt_create_for_order(order=order, actor=keeper, lines=[{"order_line": order_line, "quantity": half}])
    receipt_post(receipt=receipt, actor=keeper)
    inspection = Inspection.objects.get(receipt=receipt)
    inspection_record(inspection=inspection, accepted=inspection.quantity - 1, rejected=D("1"),
                      notes="1 件外環刮傷，退回廠商。", actor=inspector)
    supplier_return = return_create_from_receipt(receipt=receipt, actor=keeper, reason="進料檢驗不合格：外環刮傷")
    return_post(supplier_return=supplier_return, actor=keeper)
    invoice = invoice_create_from_order(order=order, actor=buyer, supplier_invoice_number="AB12345678")
    invoice = invoice_match(invoice=invoice, actor=buyer)
    invoice_post(invoice=invoice, actor=buyer)
    return 8


def approval_waiting_story(company: Company, users: dict[str, Any]) -> int:
    """Step 5: a buyer's requisition for a raw material, ordered and waiting for the manager."""
    offers = (SupplierItem.objects.filter(supplier__company=company, is_preferred=True, is_active=True,
                                          item__code__startswith=SECOND_ITEM_PREFIX, item__is_active=True)
              .select_related("item", "item__base_unit", "supplier__buyer").order_by("item__code"))
    offer = next((o for o in offers if o.supplier.buyer is not None), None)
    if offer is None:
        return 0
    buyer, item = offer.supplier.buyer, offer.item
    warehouse = item.default_warehouse or Warehouse.objects.filter(company=company, is_active=True).order_by(
        "code").first()
    requisition = requisition_save(company=company, actor=buyer, warehouse=warehouse, notes="月底備料",
                                   lines=[{"item": item, "quantity": D("500"), "unit": item.base_unit}])
    requisition = requisition_submit(requisition=requisition, actor=buyer)
    line_ids = list(requisition.lines.values_list("pk", flat=True))
    result = requisition_lines_consolidate(company=company, line_ids=line_ids, actor=buyer)
    for order in result.orders:
        order_submit(order=order, actor=buyer)
    return 3


def load_procure_to_pay_demo(company: Company, users: dict[str, Any]) -> int:
    """The demo's purchasing documents (see the module); nothing when they exist already."""
    if PurchaseOrder.objects.filter(company=company).exists():
        return 0
    from django.contrib.auth.models import Group

    from erp.roles import PURCHASING_MANAGER

    demo_rule(company, Group.objects.get(name=PURCHASING_MANAGER))
    users = {**{u.username: u for u in User.objects.filter(company=company)}, **users}
    made = 1 + shortage_story(company, users) + approval_waiting_story(company, users)
    # What the story announced is handled now, as the worker would: the accepted bearings are
    # reserved for the waiting sales order line, the approval reaches the manager's channels.
    run_events(company)
    return made
