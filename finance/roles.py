"""Which roles hold finance's permissions (registered in FinanceConfig.ready)."""

from erp.roles import FINANCE

ROLE_GRANTS = {FINANCE: ["finance.*"]}
