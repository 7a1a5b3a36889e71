from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from erp.audit import register_label
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from erp.registry import register_company_seed, register_demo_loader, register_document_panel
        from erp.roles import register_role_grants
        from office.approval_types import register_approval_type
        from purchasing import (
            invoice_actions,
            receivers,  # noqa: F401  (connects this department's event subscriptions)
            scoping,
            signals,  # noqa: F401  (declares the events it announces: the event map lists them)
        )
        from purchasing.approvals import ORDER_APPROVAL_TYPE, seed_order_rules
        from purchasing.demo import load_purchasing_demo
        from purchasing.demo_story import load_procure_to_pay_demo
        from purchasing.imports import KINDS as IMPORT_KINDS
        from purchasing.panels import sales_order_supply
        from purchasing.roles import ROLE_GRANTS

        register_role_grants("purchasing", ROLE_GRANTS)
        scoping.register()
        register_menu(MenuEntry("purchasing", _("Purchasing"), "purchasing:workbench",
                                "purchasing.view_purchaserequisition", order=25))
        register_demo_loader("purchasing", load_purchasing_demo, order=35)
        register_demo_loader("purchasing", load_procure_to_pay_demo, order=36)
        for kind in IMPORT_KINDS:
            register_import_kind(kind)
        # Purchase orders are approved by the office engine (rules as data, seeded per company).
        register_approval_type(ORDER_APPROVAL_TYPE)
        register_company_seed("purchasing", seed_order_rules, order=40)
        register_label("approval", _("Approval"))
        register_label("sent_to", _("Sent to"))
        # The sales order's page shows the purchase orders that supply its lines and when.
        register_document_panel("purchasing", "purchasing/panels/sales_order_supply.html", sales_order_supply,
                                permission="purchasing.view_purchaseorder", models=["sales.salesorder"], order=40)
        # "Create invoice" on a purchase order's page.
        invoice_actions.register()
        self.register_receiving()

    def register_receiving(self) -> None:
        """Receiving's buttons and panels on the order's page and on inventory's receipt page."""
        from erp.registry import register_document_action, register_document_panel
        from purchasing import panels as receiving

        register_document_action("purchasing", receiving.receive_action, permission="inventory.add_goodsreceipt",
                                 models=["purchasing.purchaseorder"])
        register_document_panel("purchasing", "purchasing/partials/receiving_panel.html",
                                receiving.order_receiving_panel, permission="purchasing.view_inspection",
                                models=["purchasing.purchaseorder"], order=40)
        register_document_action("purchasing", receiving.return_action, permission="purchasing.add_supplierreturn",
                                 models=["inventory.goodsreceipt"])
        register_document_panel("purchasing", "purchasing/partials/receiving_panel.html",
                                receiving.receipt_receiving_panel, permission="purchasing.view_inspection",
                                models=["inventory.goodsreceipt"], order=40)
