"""What purchasing adds to its own and other departments' pages (erp.registry, PurchasingConfig.ready):
the purchase orders that supply a sales order's lines; "Receive goods" and the receiving panel on a
purchase order's page; "Return to supplier" and the inspections and returns on inventory's goods
receipt page. No DocumentKind here: importing this module at start-up must not declare screens (the
first kind declared for a model is its screens)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _

from erp.registry import Action
from inventory import status as inventory_status
from inventory.models import GoodsReceipt
from purchasing import status as st
from purchasing.models import PurchaseOrder, PurchaseRequisitionLine
from purchasing.selectors import receiving as selectors


def sales_order_supply(user: Any, document: Model) -> dict[str, Any] | None:
    """The purchase orders that supply the sales order's lines, with each line's expected date: two
    queries, whatever their number (the pegs, then which orders the reader may open). None when
    nothing of the order is bought."""
    pegs = list(PurchaseRequisitionLine.objects.filter(sales_order_line__order_id=document.pk)
                .exclude(status=st.RequisitionLineStatus.CANCELLED)
                .select_related("sales_order_line", "item", "order_line__order__supplier", "order_line__unit",
                                "requisition")
                .order_by("sales_order_line__line_no", "pk"))
    if not pegs:
        return None
    from erp.document_screens.kinds import visible_documents

    order_ids = {peg.order_line.order_id for peg in pegs if peg.order_line is not None}
    visible = visible_documents(user, PurchaseOrder, order_ids) if order_ids else None
    openable = visible[1] if visible is not None else set()
    rows = []
    for peg in pegs:
        line = peg.order_line
        order = line.order if line is not None and line.order.status != st.OrderStatus.CANCELLED else None
        rows.append({"peg": peg, "sales_line": peg.sales_order_line, "line": line if order else None, "order": order,
                     "link": order is not None and order.pk in openable})
    return {"supply_rows": rows}



def receive_action(user: Any, order: PurchaseOrder) -> Action | None:
    if order.status not in st.RECEIVABLE_ORDER_STATUSES:
        return None
    return Action(_("Receive goods"), reverse("purchasing:order_receive", args=[order.pk]), "outline-primary",
                  confirm=_("Make a draft receipt of what is still open on this order?"))


def order_receiving_panel(user: Any, order: PurchaseOrder) -> dict[str, Any]:
    """The order's receipts, inspections and returns the user may see (three queries)."""
    return {
        "receipts": list(selectors.receipts_for_user(user).filter(source_id=order.pk).order_by("-pk")),
        "inspections": list(selectors.inspections_for_user(user).filter(order_line__order=order).order_by("-pk")),
        "returns": list(selectors.returns_for_user(user).filter(order=order).order_by("-pk")),
    }


def return_action(user: Any, receipt: GoodsReceipt) -> Action | None:
    if receipt.status != inventory_status.DocStatus.POSTED or receipt.source_id is None:
        return None
    return Action(_("Return to supplier"), reverse("purchasing:return_from_receipt", args=[receipt.pk]),
                  "outline-secondary", confirm=_("Make a draft return of this receipt's rejected goods?"))


def receipt_receiving_panel(user: Any, receipt: GoodsReceipt) -> dict[str, Any]:
    """A receipt's inspections and returns the user may see (two queries)."""
    return {
        "receipts": [],
        "inspections": list(selectors.inspections_for_user(user).filter(receipt=receipt).order_by("pk")),
        "returns": list(selectors.returns_for_user(user).filter(receipt=receipt).order_by("-pk")),
    }

