from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from erp.registry import register_company_seed
        from erp.roles import register_role_grants
        from finance import receivers  # noqa: F401  (connects this department's event subscriptions)
        from finance.roles import ROLE_GRANTS
        from finance.services.setup import books_seed

        register_role_grants("finance", ROLE_GRANTS)
        # Every company's books: the default chart (by its currency), its account roles and journals.
        register_company_seed("finance", books_seed, order=60)
