"""The roles (Django groups) and the model permissions each one holds.

Patterns are ``app_label.codename`` with shell wildcards (``!pattern`` excludes), matched against the permissions that
exist, so a new model in a department app is picked up by the next ``migrate`` (post_migrate
re-syncs). Group names are stable English keys; ``ROLE_LABELS`` translates them for display.
"""

from fnmatch import fnmatch

from django.utils.translation import pgettext_lazy

SALES = "Sales"
SALES_MANAGER = "Sales manager"
PURCHASING = "Purchasing"
WAREHOUSE = "Warehouse"
PRODUCTION = "Production"
QUALITY = "Quality"
FINANCE = "Finance"
HR = "HR"
OFFICE = "Office staff"
MANAGER = "Manager"
SYSTEM_ADMIN = "System admin"

ROLE_LABELS = {
    SALES: pgettext_lazy("role", "Sales"),
    SALES_MANAGER: pgettext_lazy("role", "Sales manager"),
    PURCHASING: pgettext_lazy("role", "Purchasing"),
    WAREHOUSE: pgettext_lazy("role", "Warehouse"),
    PRODUCTION: pgettext_lazy("role", "Production"),
    QUALITY: pgettext_lazy("role", "Quality"),
    FINANCE: pgettext_lazy("role", "Finance"),
    HR: pgettext_lazy("role", "HR"),
    OFFICE: pgettext_lazy("role", "Office staff"),
    MANAGER: pgettext_lazy("role", "Manager"),
    SYSTEM_ADMIN: pgettext_lazy("role", "System admin"),
}

# Everybody works with the task inbox.
EVERYONE = ["office.view_task", "office.add_task", "office.change_task"]

ROLE_PERMISSIONS = {
    # A sales rep works only on the customers granted to them (object permission serve_customer,
    # given to the customer's owner); approving credit and overriding list prices is the manager's.
    SALES: ["sales.*", "!sales.serve_customer", "!sales.approve_credit", "!sales.override_price",
            "inventory.view_*"],
    SALES_MANAGER: ["sales.*", "inventory.view_*"],
    PURCHASING: ["purchasing.*", "inventory.view_*", "sales.view_*", "sales.serve_customer"],
    # Keepers post only in the warehouses granted to them (object permission operate_warehouse).
    WAREHOUSE: ["inventory.*", "!inventory.operate_warehouse", "sales.view_*", "sales.serve_customer",
                "sales.add_customerreturn", "sales.change_customerreturn", "purchasing.view_*",
                "production.view_*"],
    PRODUCTION: ["production.*", "inventory.view_*", "sales.view_*", "sales.serve_customer"],
    QUALITY: ["production.view_*", "inventory.view_*", "purchasing.view_*"],
    FINANCE: ["finance.*", "sales.view_*", "sales.serve_customer", "purchasing.view_*", "inventory.view_*"],
    HR: ["hr.*"],
    OFFICE: ["office.*"],
    MANAGER: ["*.view_*", "sales.serve_customer"],
    SYSTEM_ADMIN: ["*"],
}

# Apps whose permissions roles may hold: the departments and the shared core (System admin).
ROLE_APPS = ("erp", "sales", "purchasing", "inventory", "production", "finance", "hr", "office")


def role_label(name):
    return ROLE_LABELS.get(name, name)


def permissions_for_role(role, permissions):
    """The subset of ``permissions`` (Permission objects with content_type loaded) a role holds."""
    patterns = ROLE_PERMISSIONS[role] + EVERYONE
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    chosen = []
    for perm in permissions:
        key = f"{perm.content_type.app_label}.{perm.codename}"
        if (
            perm.content_type.app_label in ROLE_APPS
            and any(fnmatch(key, p) for p in include)
            and not any(fnmatch(key, p) for p in exclude)
        ):
            chosen.append(perm)
    return chosen


def sync_roles(group_model=None, permission_model=None):
    """Create the groups and set their permissions to exactly what the table says (idempotent)."""
    if group_model is None:
        from django.contrib.auth.models import Group as group_model
        from django.contrib.auth.models import Permission as permission_model
    permissions = list(permission_model.objects.select_related("content_type"))
    for role in ROLE_PERMISSIONS:
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set(permissions_for_role(role, permissions))
