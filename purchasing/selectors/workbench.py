"""The buyer's workbench: what is waiting for purchasing, each group counted and its first rows listed
(a fixed number of queries whatever the numbers), in the reader's scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from erp.models import User
from purchasing import status as st
from purchasing.models import Inspection, PurchaseOrder, PurchaseOrderLine, PurchaseRequisitionLine

SHOWN = 10
# Counted up to this many: past it the group says "1,000+" (counting 65,000 late lines of 500,000
# orders exactly took 200 ms for a number nobody reads to the unit; the first 1,001 take a few ms).
COUNT_CAP = 1000


@dataclass
class WorkbenchGroup:
    key: str
    count: int
    rows: list[Any]

    @property
    def more(self) -> bool:
        """More rows wait than were counted (``count`` is COUNT_CAP)."""
        return self.count > COUNT_CAP

    @property
    def shown_count(self) -> int:
        return min(self.count, COUNT_CAP)


def open_requisition_lines(user: User) -> QuerySet[PurchaseRequisitionLine]:
    """Requisition lines to order: open lines of open requisitions, the earliest required first."""
    return (PurchaseRequisitionLine.objects.restrict(user)
            .filter(status=st.RequisitionLineStatus.OPEN, requisition__status=st.RequisitionStatus.OPEN)
            .select_related("requisition", "item", "unit", "supplier")
            .order_by(F("required_date").asc(nulls_last=True), "pk"))


def orders_awaiting_approval(user: User) -> QuerySet[PurchaseOrder]:
    return (PurchaseOrder.objects.restrict(user).filter(status=st.OrderStatus.AWAITING_APPROVAL)
            .select_related("supplier", "buyer").order_by("document_date", "pk"))


def late_order_lines(user: User, today: datetime.date | None = None) -> QuerySet[PurchaseOrderLine]:
    """Lines of receivable orders expected before today and not fully received (kept); the filter is
    the partial index ``purchase_line_to_receive``'s."""
    today = today or timezone.localdate()
    return (PurchaseOrderLine.objects.restrict(user)
            .filter(order_receivable=True, expected_date__lt=today,
                    quantity_base__gt=F("received_quantity") - F("returned_quantity"))
            .select_related("order", "order__supplier", "item", "unit").order_by("expected_date", "pk"))


def inspections_waiting(user: User) -> QuerySet[Inspection]:
    return (Inspection.objects.restrict(user).filter(status=st.InspectionStatus.PENDING)
            .select_related("item", "supplier", "receipt", "warehouse").order_by("created_at", "pk"))


def workbench_for_user(user: User, today: datetime.date | None = None) -> list[WorkbenchGroup]:
    """The four groups of the workbench: two queries each (the count up to COUNT_CAP + 1, the first rows)."""
    groups = (("requisitions", open_requisition_lines(user)), ("approvals", orders_awaiting_approval(user)),
              ("late", late_order_lines(user, today)), ("inspections", inspections_waiting(user)))
    return [WorkbenchGroup(key, rows.values("pk")[:COUNT_CAP + 1].count(), list(rows[:SHOWN]))
            for key, rows in groups]
