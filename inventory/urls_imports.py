"""Inventory URLs: imports screens (included by inventory/urls.py)."""

urlpatterns = []
