"""The roles (Django groups) and the model permissions each one holds.

Patterns are ``app_label.codename`` with shell wildcards (``!pattern`` excludes), matched against the permissions that
exist, so a new model in a department app is picked up by the next ``migrate`` (post_migrate
re-syncs). Group names are stable English keys; ``ROLE_LABELS`` translates them for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatch
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, StrPromise

SALES = "Sales"
SALES_MANAGER = "Sales manager"
PURCHASING = "Purchasing"
PURCHASING_MANAGER = "Purchasing manager"
WAREHOUSE = "Warehouse"
PRODUCTION = "Production"
QUALITY = "Quality"
FINANCE = "Finance"
HR = "HR"
OFFICE = "Office staff"
MANAGER = "Manager"
SYSTEM_ADMIN = "System admin"

ROLE_LABELS: dict[str, StrPromise] = {
    SALES: pgettext_lazy("role", "Sales"),
    SALES_MANAGER: pgettext_lazy("role", "Sales manager"),
    PURCHASING: pgettext_lazy("role", "Purchasing"),
    PURCHASING_MANAGER: pgettext_lazy("role", "Purchasing manager"),
    WAREHOUSE: pgettext_lazy("role", "Warehouse"),
    PRODUCTION: pgettext_lazy("role", "Production"),
    QUALITY: pgettext_lazy("role", "Quality"),
    FINANCE: pgettext_lazy("role", "Finance"),
    HR: pgettext_lazy("role", "HR"),
    OFFICE: pgettext_lazy("role", "Office staff"),
    MANAGER: pgettext_lazy("role", "Manager"),
    SYSTEM_ADMIN: pgettext_lazy("role", "System admin"),
}

ROLES = (SALES, SALES_MANAGER, PURCHASING, PURCHASING_MANAGER, WAREHOUSE, PRODUCTION, QUALITY, FINANCE, HR, OFFICE,
         MANAGER, SYSTEM_ADMIN)
EVERY_ROLE = "*"  # a grant to every role

# The core's own grants: a manager reads everything, a system admin holds every permission. The
# departments add theirs (register_role_grants, from their AppConfig.ready): which roles hold which of
# that department's permissions, so a new department never edits this file.
ROLE_GRANTS: dict[str, list[str]] = {MANAGER: ["*.view_*"], SYSTEM_ADMIN: ["*"]}


def register_role_grants(app: str, grants: dict[str, list[str]]) -> None:
    """Give roles permissions of ``app``: {role or EVERY_ROLE: ["app.codename pattern", "!excluded", …]}.
    An app grants only its own permissions."""
    for role, patterns in grants.items():
        if role != EVERY_ROLE and role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        for pattern in patterns:
            if not pattern.lstrip("!").startswith(f"{app}."):
                raise ValueError(f"{app} may grant only its own permissions, not {pattern!r}")
        known = ROLE_GRANTS.setdefault(role, [])
        known.extend(p for p in patterns if p not in known)


def role_patterns(role: str) -> list[str]:
    return ROLE_GRANTS.get(role, []) + ROLE_GRANTS.get(EVERY_ROLE, [])


def role_apps() -> tuple[str, ...]:
    """Apps whose permissions roles may hold: the shared core (System admin) and the departments."""
    return ("erp", *settings.DEPARTMENT_APPS)


def role_label(role: Group | str | None) -> StrOrPromise:
    """A role (a Group or its name) as the reader calls it: 生產 for "Production" in zh-Hant. The one
    place a role's name is translated for display (admin filters, history, task assignees, user pages);
    a group that is not one of the roles keeps its own name."""
    if role is None:
        return ""
    name = role.name if isinstance(role, Group) else str(role)
    return ROLE_LABELS.get(name, name)


def permissions_for_role(role: str, permissions: Iterable[Permission]) -> list[Permission]:
    """The subset of ``permissions`` (Permission objects with content_type loaded) a role holds."""
    patterns = role_patterns(role)
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    chosen = []
    for perm in permissions:
        key = f"{perm.content_type.app_label}.{perm.codename}"
        if (
            perm.content_type.app_label in role_apps()
            and any(fnmatch(key, p) for p in include)
            and not any(fnmatch(key, p) for p in exclude)
        ):
            chosen.append(perm)
    return chosen


def sync_roles(group_model: type[Group] | None = None, permission_model: type[Permission] | None = None) -> None:
    """Create the groups and set their permissions to exactly what the table says (idempotent). A data
    migration passes its historical models."""
    if group_model is None:
        group_model, permission_model = Group, Permission
    assert permission_model is not None
    permissions = list(permission_model.objects.select_related("content_type"))
    for role in ROLES:
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set(permissions_for_role(role, permissions))
