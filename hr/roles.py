"""Which roles hold HR's permissions (registered in HrConfig.ready)."""

from erp.roles import HR

ROLE_GRANTS = {HR: ["hr.*"]}
