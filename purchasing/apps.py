from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from erp.roles import register_role_grants
        from purchasing import (
            receivers,  # noqa: F401  (connects this department's event subscriptions)
            scoping,
        )
        from purchasing.roles import ROLE_GRANTS

        register_role_grants("purchasing", ROLE_GRANTS)
        scoping.register()
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
