from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    name = "office"
    verbose_name = _("Office")

    def ready(self):
        from erp.navigation import MenuEntry, register_menu
        from office import receivers  # noqa: F401

        register_menu(MenuEntry("office", _("Task inbox"), "office:inbox", "office.view_task", order=10))
