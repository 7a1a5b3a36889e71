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
            signals,  # noqa: F401  (declares the events it announces: the event map lists them)
        )
        from purchasing.roles import ROLE_GRANTS

        register_role_grants("purchasing", ROLE_GRANTS)
        scoping.register()
        from purchasing import invoice_actions

        invoice_actions.register()
