"""What the supplier invoices add to other documents' pages (registered in PurchasingConfig.ready):
"Create invoice" on a purchase order with something received and not yet invoiced."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from erp.registry import Action, register_document_action


def create_invoice_action(user: Any, document: Any) -> Action | None:
    from purchasing.selectors.invoices import invoiceable_orders
    from purchasing.services.invoices import INVOICEABLE_ORDER_STATUSES

    if document.status not in INVOICEABLE_ORDER_STATUSES:
        return None
    if not invoiceable_orders(user).filter(pk=document.pk).exists():
        return None
    return Action(_("Create invoice"), f"{reverse('purchasing:invoice_create')}?order={document.pk}",
                  "outline-primary", link=True)


def register() -> None:
    register_document_action("purchasing", create_invoice_action, permission="purchasing.add_supplierinvoice",
                             models=["purchasing.purchaseorder"])
