"""Which roles hold inventory's permissions (registered in InventoryConfig.ready)."""

from erp.roles import FINANCE, PRODUCTION, PURCHASING, QUALITY, SALES, SALES_MANAGER, WAREHOUSE

ROLE_GRANTS = {
    # Keepers see and post only in the warehouses granted to them (object permission operate_warehouse,
    # to the keeper or to a group); the other roles read every warehouse (view_all_warehouses, one of
    # their "view_*") and post nowhere (inventory.scoping).
    WAREHOUSE: ["inventory.*", "!inventory.operate_warehouse", "!inventory.view_all_warehouses"],
    SALES: ["inventory.view_*"],
    SALES_MANAGER: ["inventory.view_*"],
    PURCHASING: ["inventory.view_*"],
    PRODUCTION: ["inventory.view_*"],
    QUALITY: ["inventory.view_*"],
    FINANCE: ["inventory.view_*"],
}
