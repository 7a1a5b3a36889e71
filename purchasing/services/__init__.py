"""Every write of the purchasing department (one module per area)."""
