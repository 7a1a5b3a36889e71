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

        # --- Supplier master data (masters) -------------------------------------------------------
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from erp.registry import register_demo_loader
        from purchasing.demo import load_purchasing_demo
        from purchasing.imports import KINDS as IMPORT_KINDS

        register_menu(MenuEntry("purchasing", _("Purchasing"), "purchasing:supplier_list", "purchasing.view_supplier",
                                order=25))
        register_demo_loader("purchasing", load_purchasing_demo, order=35)
        for kind in IMPORT_KINDS:
            register_import_kind(kind)
        # --- end of supplier master data ----------------------------------------------------------
