from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = _("Production")

    def ready(self) -> None:
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from erp.registry import register_demo_loader, register_document_panel
        from erp.roles import register_role_grants
        from office.notification_channels import register_kind
        from production import (
            receivers,  # noqa: F401  (connects this department's event subscriptions)
            scoping,
            signals,  # noqa: F401  (declares the events it announces: production.work_order_closed)
        )
        from production.demo import load_production_demo
        from production.demo_story import load_production_story
        from production.imports import DEMAND
        from production.panels import sales_order_work_orders
        from production.roles import ROLE_GRANTS

        register_role_grants("production", ROLE_GRANTS)
        scoping.register()
        register_menu(MenuEntry("production", _("Production"), "production:home", "production.view_bom", order=27))
        register_import_kind(DEMAND)
        register_kind(receivers.DEMAND_ARRIVED, _("New demand to plan"),
                      _("A confirmed sales order is short of items we make: the next MRP run plans them."))
        # A sales order line made to order shows its work orders and their state on the order's page.
        register_document_panel("production", "production/workorders/sales_order_panel.html", sales_order_work_orders,
                                permission="production.view_workorder", models=["sales.salesorder"], order=45)
        # After purchasing's demo (its suppliers give the bought components their lead times).
        register_demo_loader("production", load_production_demo, order=40)
        register_demo_loader("production", load_production_story, order=41)
