"""Inventory URLs: masterdata screens (included by inventory/urls.py)."""

urlpatterns = []
