from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        from erp.navigation import MenuEntry, register_menu
        from inventory import receivers, signals  # noqa: F401  (declares the events, connects receivers)

        register_menu(MenuEntry("inventory", _("Inventory"), "inventory:workbench", "inventory.view_stockbalance",
                                order=30))
