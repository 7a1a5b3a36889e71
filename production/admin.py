"""Django admin of production: one module per area (registered on import)."""

from production import admin_boms, admin_engineering, admin_planning, admin_workorders  # noqa: F401
