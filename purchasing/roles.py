"""Which roles hold purchasing's permissions (registered in PurchasingConfig.ready)."""

from erp.roles import (
                       FINANCE,
                       MANAGER,
                       PRODUCTION,
                       PURCHASING,
                       PURCHASING_MANAGER,
                       QUALITY,
                       SALES,
                       SALES_MANAGER,
                       WAREHOUSE,
)

ROLE_GRANTS = {
    # A buyer works only on the suppliers granted to them (object permission buy_from_supplier, given
    # to the supplier's buyer); accepting an invoice mismatch is the manager's.
    PURCHASING: ["purchasing.*", "!purchasing.buy_from_supplier", "!purchasing.accept_invoice_mismatch"],
    PURCHASING_MANAGER: ["purchasing.*"],
    # The warehouse receives against any supplier's orders, quality inspects, finance reads (and later pays).
    WAREHOUSE: ["purchasing.view_*", "purchasing.buy_from_supplier", "purchasing.add_supplierreturn",
                "purchasing.change_supplierreturn"],
    QUALITY: ["purchasing.view_*", "purchasing.buy_from_supplier", "purchasing.change_inspection"],
    FINANCE: ["purchasing.view_*", "purchasing.buy_from_supplier"],
    PRODUCTION: ["purchasing.view_*", "purchasing.buy_from_supplier", "purchasing.add_purchaserequisition",
                 "purchasing.change_purchaserequisition"],
    SALES: ["purchasing.view_purchaseorder", "purchasing.view_purchaseorderline"],
    SALES_MANAGER: ["purchasing.view_purchaseorder", "purchasing.view_purchaseorderline"],
    MANAGER: ["purchasing.buy_from_supplier"],
}
