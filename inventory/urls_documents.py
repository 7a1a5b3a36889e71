"""Inventory URLs: documents screens (included by inventory/urls.py): the five kinds' generic screens
(erp.document_screens), the count sheet and the unit options of a line."""

from django.urls import path

from erp.document_screens import kinds_urls
from inventory.views import documents as views

CHANGE_COUNT = "inventory.change_stockcount"

urlpatterns = [
    *kinds_urls(views.KINDS),
    path("counts/<int:pk>/sheet/", views.COUNTS.view(views.CountSheetView, CHANGE_COUNT), name="count_sheet"),
    path("counts/<int:pk>/add-line/", views.COUNTS.view(views.CountAddLineView, CHANGE_COUNT), name="count_add_line"),
    path("documents/unit-options/", views.unit_options, name="document_unit_options"),
    path("documents/items/", views.item_lookup, name="document_item_lookup"),
]
