"""Django admin: production workorders."""
