"""Django admin: production planning."""
