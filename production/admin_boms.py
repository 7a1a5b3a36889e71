"""Django admin: production boms."""
