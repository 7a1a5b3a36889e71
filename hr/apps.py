from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HrConfig(AppConfig):
    name = "hr"
    verbose_name = _("HR")

    def ready(self) -> None:
        from erp.roles import register_role_grants
        from hr.roles import ROLE_GRANTS

        register_role_grants("hr", ROLE_GRANTS)
