"""Every write of the sales department: master data, quotations, orders, returns (one module each)."""
