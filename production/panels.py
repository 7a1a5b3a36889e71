"""What production adds to other departments' pages (erp.registry, ProductionConfig.ready): the work
orders that make a sales order's lines, with their state, on the sales order's page. No DocumentKind
here: importing this module at start-up must not declare screens."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from production.selectors.workorders import work_orders_for_sales_order


def sales_order_work_orders(user: Any, document: Model) -> dict[str, Any] | None:
    """The work orders made for the sales order's lines that the user may see, each with its line,
    state and completed quantity: one query. None when none of its lines is made to order."""
    orders = work_orders_for_sales_order(user, document.pk)
    if not orders:
        return None
    return {"work_orders": orders}
