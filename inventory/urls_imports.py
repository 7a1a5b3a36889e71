"""Inventory URLs: imports screens (included by inventory/urls.py)."""

from inventory.views.imports import screens

urlpatterns = screens.urls()
