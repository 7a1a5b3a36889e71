from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = _("Production")

    def ready(self) -> None:
        from erp.roles import register_role_grants
        from production import receivers, scoping  # noqa: F401  (receivers: this department's event subscriptions)
        from production.roles import ROLE_GRANTS

        register_role_grants("production", ROLE_GRANTS)
        scoping.register()

        # planning (branch plan): the demand lines import kind
        from erp.imports import register_import_kind
        from production.imports import DEMAND

        register_import_kind(DEMAND)
