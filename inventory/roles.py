"""Which roles hold inventory's permissions (registered in InventoryConfig.ready)."""

from erp.roles import FINANCE, PRODUCTION, PURCHASING, QUALITY, SALES, SALES_MANAGER, WAREHOUSE

ROLE_GRANTS = {
    # Keepers post only in the warehouses granted to them (object permission operate_warehouse).
    WAREHOUSE: ["inventory.*", "!inventory.operate_warehouse"],
    SALES: ["inventory.view_*"],
    SALES_MANAGER: ["inventory.view_*"],
    PURCHASING: ["inventory.view_*"],
    PRODUCTION: ["inventory.view_*"],
    QUALITY: ["inventory.view_*"],
    FINANCE: ["inventory.view_*"],
}
