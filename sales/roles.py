"""Which roles hold the sales permissions (registered in SalesConfig.ready)."""

from erp.roles import FINANCE, MANAGER, PRODUCTION, PURCHASING, SALES, SALES_MANAGER, WAREHOUSE

ROLE_GRANTS = {
    # A sales rep works only on the customers granted to them (object permission serve_customer,
    # given to the customer's owner); approving credit, overriding list prices and the commercial
    # terms (credit limits, price lists, payment terms, who is the rep) are the manager's.
    SALES: ["sales.*", "!sales.serve_customer", "!sales.approve_credit", "!sales.override_price",
            "!sales.manage_commercial_terms"],
    SALES_MANAGER: ["sales.*"],
    # The departments that work for every customer see them all.
    PURCHASING: ["sales.view_*", "sales.serve_customer"],
    WAREHOUSE: ["sales.view_*", "sales.serve_customer", "sales.add_customerreturn", "sales.change_customerreturn"],
    PRODUCTION: ["sales.view_*", "sales.serve_customer"],
    FINANCE: ["sales.view_*", "sales.serve_customer"],
    MANAGER: ["sales.serve_customer"],
}
