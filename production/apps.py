from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = _("Production")

    def ready(self) -> None:
        from erp.roles import register_role_grants
        from production import receivers, scoping  # noqa: F401  (receivers: this department's event subscriptions)
        from production.roles import ROLE_GRANTS

        register_role_grants("production", ROLE_GRANTS)
        scoping.register()
        self.register_work_orders()

    def register_work_orders(self) -> None:
        """Work orders (area wo): the events they announce, and their state on the sales order's page."""
        from erp.registry import register_document_panel
        from production import signals  # noqa: F401  (declares production.work_order_closed)
        from production.panels import sales_order_work_orders

        register_document_panel("production", "production/workorders/sales_order_panel.html", sales_order_work_orders,
                                permission="production.view_workorder", models=["sales.salesorder"], order=45)

        # planning (branch plan): the demand lines import kind
        from erp.imports import register_import_kind
        from production.imports import DEMAND

        register_import_kind(DEMAND)
