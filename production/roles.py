"""Which roles hold production's permissions (registered in ProductionConfig.ready)."""

from erp.roles import PRODUCTION, QUALITY, WAREHOUSE

ROLE_GRANTS = {
    PRODUCTION: ["production.*"],
    WAREHOUSE: ["production.view_*"],
    QUALITY: ["production.view_*"],
}
