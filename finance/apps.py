from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from erp.roles import register_role_grants
        from finance import receivers  # noqa: F401  (connects this department's event subscriptions)
        from finance.roles import ROLE_GRANTS

        register_role_grants("finance", ROLE_GRANTS)
