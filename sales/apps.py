from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from erp.registry import (
            register_company_seed,
            register_demo_loader,
            register_document_action,
            register_document_panel,
            register_home_panel,
            register_related_documents,
        )
        from erp.roles import register_role_grants
        from inventory.panels import source_deliveries
        from office.approval_types import register_approval_type
        from office.notification_channels import register_kind
        from sales import receivers, signals  # noqa: F401  (declares the events, connects the receivers)
        from sales.approvals import CREDIT_EXCEPTION_TYPE, seed_credit_rule
        from sales.demo import load_sales_demo
        from sales.imports import KINDS as IMPORT_KINDS
        from sales.panels import delivery_return_action, delivery_returns
        from sales.roles import ROLE_GRANTS
        from sales.scoping import register as register_scopes
        from sales.selectors import order_family
        from sales.views.dashboard import home_tiles

        register_menu(MenuEntry("sales", _("Sales"), "sales:order_list", "sales.view_salesorder", order=20))
        register_home_panel("sales", "sales/partials/home_tiles.html", home_tiles,
                            permission="sales.view_salesorder", order=20, wide=True)
        register_demo_loader("sales", load_sales_demo, order=30)
        register_approval_type(CREDIT_EXCEPTION_TYPE)
        register_company_seed("sales", seed_credit_rule, order=30)
        register_role_grants("sales", ROLE_GRANTS)
        register_scopes()
        register_document_action("sales", delivery_return_action, permission="sales.add_customerreturn",
                                 models=["inventory.deliverynote"])
        register_document_panel("sales", "sales/partials/delivery_returns.html", delivery_returns,
                                permission="sales.view_customerreturn", models=["inventory.deliverynote"])
        # The order's page shows inventory's delivery notes of the order (inventory cannot name the
        # documents of the apps above it), and the tasks about the order's notes and returns too.
        register_document_panel("inventory", "inventory/panels/source_deliveries.html", source_deliveries,
                                permission="inventory.view_deliverynote", models=["sales.salesorder"], order=30)
        register_related_documents("sales", order_family, models=["sales.salesorder"])
        register_kind("sales.order_late", _("Order late"),
                      _("An order of yours is past its promised date with quantities still to deliver."),
                      default_channels=("inapp", "wecom", "email"))
        register_kind("sales.promise_changed", _("Promised date moved"),
                      _("The supply an order of yours waits for (a purchase order) moved its promised date."),
                      default_channels=("inapp", "wecom", "email"))
        for kind in IMPORT_KINDS:
            register_import_kind(kind)
