from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from erp.imports import register_import_kind
        from erp.navigation import MenuEntry, register_menu
        from sales import signals  # noqa: F401  (declares the events)
        from sales.imports import KINDS as IMPORT_KINDS

        register_menu(MenuEntry("sales", _("Sales"), "sales:order_list", "sales.view_salesorder", order=20))
        for kind in IMPORT_KINDS:
            register_import_kind(kind)
