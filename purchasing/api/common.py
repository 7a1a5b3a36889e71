"""What the purchasing API modules share."""

from erp.api.viewsets import DepartmentRootView


class PurchasingAPIRootView(DepartmentRootView):
    """The purchasing API: suppliers and their items and prices, requisitions, purchase orders,
    receipts, inspections, supplier returns and supplier invoices."""

    app_label = "purchasing"
