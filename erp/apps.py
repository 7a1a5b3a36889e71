from __future__ import annotations

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    """post_migrate is sent once per app, after that app's permissions are created: the roles are
    synced once, after the last app's (they take permissions from every app)."""
    # Not at the top: erp.roles imports the auth models, which cannot load while the app registry imports this module.
    from erp.roles import sync_roles

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if with_models and sender is not with_models[-1]:
        return
    sync_roles()


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = _("Shared core")

    def ready(self) -> None:
        from django.core import checks

        from erp import (
            access_log,  # noqa: F401  (connects the login signals)
            middleware,  # noqa: F401  (connects the signals it listens to)
            receivers,  # noqa: F401  (API tokens end with the password and the account)
        )
        from erp.admin_scoping import check_admin_scopes, lock_down
        from erp.audit import untrack_derived_relations
        from erp.crypto import check_field_key, mask_in_audit_trail
        from erp.scoping import check_scopes, connect_grant_signals, register_core_scopes

        connect_grant_signals()
        register_core_scopes()
        checks.register(check_scopes)
        # The admin's autodiscovery (django.contrib.admin's ready, before this one) has registered
        # every app's ModelAdmin: what is not company-scoped becomes superuser-only.
        lock_down()
        checks.register(check_admin_scopes)
        checks.register(check_field_key, checks.Tags.security, deploy=True)
        # auditlog registered every model in its own ready() (before this one): encrypted fields are masked,
        # relations that are not its own columns left out.
        mask_in_audit_trail()
        untrack_derived_relations()

        # After every migrate: new models' permissions reach the roles that match them.
        post_migrate.connect(_sync_roles, dispatch_uid="erp-sync-roles")
