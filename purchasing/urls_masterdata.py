"""Supplier master-data URLs (included by purchasing/urls.py). Every list also exports what it shows
with ``?export=xlsx`` or ``?export=csv`` (filters kept)."""

from django.urls import path

from purchasing.views import imports, masterdata

urlpatterns = [
    path("suppliers/", masterdata.supplier_list, name="supplier_list"),
    path("suppliers/new/", masterdata.supplier_create, name="supplier_create"),
    path("suppliers/<int:pk>/", masterdata.supplier_detail, name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", masterdata.supplier_edit, name="supplier_edit"),
    path("suppliers/<int:pk>/contacts/new/", masterdata.contact_create, name="supplier_contact_create"),
    path("suppliers/<int:pk>/contacts/<int:contact_pk>/edit/", masterdata.contact_edit,
         name="supplier_contact_edit"),
    path("supplier-items/", masterdata.supplier_item_list, name="supplier_item_list"),
    path("supplier-items/new/", masterdata.supplier_item_create, name="supplier_item_create"),
    path("supplier-items/<int:pk>/edit/", masterdata.supplier_item_edit, name="supplier_item_edit"),
    path("settings/", masterdata.settings_view, name="settings"),
]

# Imports of suppliers and supplier prices
urlpatterns += imports.screens.urls()
