"""Inventory URLs: documents screens (included by inventory/urls.py)."""

urlpatterns = []
