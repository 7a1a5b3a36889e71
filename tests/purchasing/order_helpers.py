"""Helpers of the purchase order tests (functions on the shared ``pur`` world)."""

import datetime

from office.models import ApprovalRequest
from office.services.approvals import approval_decide
from office.status import Decision
from purchasing import status as st
from purchasing.approvals import ORDER_APPROVAL
from purchasing.models import PurchaseRequisition, PurchaseRequisitionLine
from purchasing.services import orders as services
from tests.purchasing.conftest import D


def draft(pur, quantity="10", actor=None, supplier=None, item=None, **header):
    """A draft order of ``quantity`` motors from 東元 (800 each below 50, 760 from 50; 5 % tax)."""
    return services.order_save(company=pur.company, actor=actor or pur.buyer, supplier=supplier or pur.acme_parts,
                               lines=[{"item": item or pur.motor, "quantity": D(quantity)}], **header)


def request_of(order):
    return ApprovalRequest.objects.filter(type_key=ORDER_APPROVAL, document_id=order.pk).order_by("-pk").first()


def decide(order, actor, decision=Decision.APPROVE, comment=""):
    return approval_decide(request=request_of(order), actor=actor, decision=decision, comment=comment)


def approved(pur, quantity="10", **kwargs):
    """An approved order (below 100,000: no rule applies, approved when submitted)."""
    order = services.order_submit(order=draft(pur, quantity, **kwargs), actor=kwargs.get("actor") or pur.buyer)
    assert order.status == st.OrderStatus.APPROVED
    return order


def confirmed_sales_order(pur, quantity="10", requested=None):
    """A confirmed sales order of motors for 大同 (no stock: short, promised after the item's lead time)."""
    from sales.services.orders import order_confirm, order_save

    order = order_save(company=pur.company, actor=pur.rep, customer=pur.customer, requested_date=requested,
                       lines=[{"item": pur.motor, "quantity": D(quantity), "unit": pur.pcs, "unit_price": D("1500")}])
    order_confirm(order=order, actor=pur.rep)
    order.refresh_from_db()
    return order


def peg(pur, order_line, sales_line, quantity="10"):
    """A requisition line for ``sales_line`` consolidated into ``order_line`` (as consolidation does)."""
    requisition = PurchaseRequisition.objects.create(company=pur.company, warehouse=pur.wh,
                                                     status=st.RequisitionStatus.OPEN,
                                                     source=st.RequisitionSource.SALES)
    return PurchaseRequisitionLine.objects.create(
        requisition=requisition, item=order_line.item, quantity=D(quantity), unit=order_line.unit,
        quantity_base=D(quantity), required_date=datetime.date.today(), source=st.RequisitionSource.SALES,
        sales_order_line=sales_line, order_line=order_line, status=st.RequisitionLineStatus.ORDERED)
