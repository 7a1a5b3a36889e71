"""Django admin: production engineering."""
