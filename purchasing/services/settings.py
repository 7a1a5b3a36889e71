"""The company's purchasing settings: the Purchasing manager's."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from purchasing.models import PurchasingSettings
from purchasing.scoping import sees_all_suppliers

CHANGE_SETTINGS = "purchasing.change_purchasingsettings"


class SettingsRefused(DomainError):
    http_status = 403
    default_message = gettext_lazy("Only a Purchasing manager may change the purchasing settings.")


def may_change_settings(actor: User | None) -> bool:
    return actor is None or (actor.has_perm(CHANGE_SETTINGS) and sees_all_suppliers(actor))


@atomic_with_retry
def settings_save(*, company: Company, actor: User | None = None, **fields: Any) -> PurchasingSettings:
    """Save the company's purchasing settings (the row is made on first save)."""
    if not may_change_settings(actor):
        raise SettingsRefused()
    row = PurchasingSettings.objects.select_for_update().filter(company=company).first()
    if row is None:
        row = PurchasingSettings(company=company)
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row
