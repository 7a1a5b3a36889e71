"""Which roles hold purchasing's permissions (registered in PurchasingConfig.ready)."""

from erp.roles import FINANCE, PURCHASING, QUALITY, WAREHOUSE

ROLE_GRANTS = {
    PURCHASING: ["purchasing.*"],
    WAREHOUSE: ["purchasing.view_*"],
    QUALITY: ["purchasing.view_*"],
    FINANCE: ["purchasing.view_*"],
}
