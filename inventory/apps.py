from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from inventory import receivers, signals  # noqa: F401  (declares the events, connects receivers)
        from inventory.imports import KINDS as IMPORT_KINDS

        register_menu(MenuEntry("inventory", _("Inventory"), "inventory:workbench", "inventory.view_stockbalance",
                                order=30))
        for kind in IMPORT_KINDS:
            register_import_kind(kind)
