"""What purchasing adds to other departments' pages (erp.registry, PurchasingConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from purchasing import status as st
from purchasing.models import PurchaseOrder, PurchaseRequisitionLine


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
