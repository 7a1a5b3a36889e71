from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from erp.roles import sync_roles

    sync_roles()


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = _("Shared core")

    def ready(self) -> None:
        from django.core import checks

        from erp import access_log  # noqa: F401  (connects the login signals)
        from erp.scoping import check_scopes, connect_grant_signals, register_core_scopes

        connect_grant_signals()
        register_core_scopes()
        checks.register(check_scopes)

        # After every migrate: new models' permissions reach the roles that match them.
        post_migrate.connect(_sync_roles, dispatch_uid="erp-sync-roles")
