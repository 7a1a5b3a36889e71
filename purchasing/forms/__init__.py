"""Forms of the purchasing screens (one module per area)."""
