"""Receiving's buttons and sections on other pages (registered in PurchasingConfig.ready): "Receive
goods" and the receiving panel on a purchase order's page, "Return to supplier" and the inspections and
returns on inventory's goods receipt page. No DocumentKind here: importing this module at start-up must
not declare screens (the first kind declared for a model is its screens)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from erp.registry import Action
from inventory import status as inventory_status
from inventory.models import GoodsReceipt
from purchasing import status as st
from purchasing.models import PurchaseOrder
from purchasing.selectors import receiving as selectors


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

