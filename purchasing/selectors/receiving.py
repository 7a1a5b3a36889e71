"""Reads of receiving: goods receipts of purchase orders, incoming inspections and supplier returns,
each through ``restrict`` (the order's supplier and the warehouse: see purchasing/scoping.py)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from erp.models import User
from erp.scoping import VIEW
from inventory.models import GoodsReceipt, GoodsReceiptLine
from purchasing import status as st
from purchasing.models import Inspection, PurchaseOrder, SupplierReturn


def order_type() -> ContentType:
    return ContentType.objects.get_for_model(PurchaseOrder)


def receipts_for_user(user: User, action: str = VIEW) -> QuerySet[GoodsReceipt]:
    """Goods receipts whose source is a purchase order, in the user's warehouses: inventory's scope of
    receipts, the same as inventory's own list shows them (one scope for one model)."""
    return GoodsReceipt.objects.restrict(user, action).filter(source_type=order_type())


def receipts_of_order(order: PurchaseOrder) -> QuerySet[GoodsReceipt]:
    return GoodsReceipt.objects.filter(source_type=order_type(), source_id=order.pk).order_by("-created_at", "-pk")


def receipt_lines(receipt: GoodsReceipt) -> QuerySet[GoodsReceiptLine]:
    return receipt.lines.select_related("item", "unit", "location", "posted_location", "lot").order_by("pk")


def inspections_for_user(user: User, action: str = VIEW, *, waiting: bool = False) -> QuerySet[Inspection]:
    rows = Inspection.objects.restrict(user, action).select_related(
        "item", "item__base_unit", "supplier", "warehouse", "lot", "quarantine_location", "destination", "receipt")
    return rows.filter(status=st.InspectionStatus.PENDING) if waiting else rows


def returns_for_user(user: User, action: str = VIEW) -> QuerySet[SupplierReturn]:
    return SupplierReturn.objects.restrict(user, action).select_related("supplier", "warehouse", "receipt", "order")
