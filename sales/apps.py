from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from erp.navigation import MenuEntry, register_menu
        from sales import signals  # noqa: F401  (declares the events)

        register_menu(MenuEntry("sales", _("Sales"), "sales:order_list", "sales.view_salesorder", order=20))
