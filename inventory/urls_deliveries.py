"""Inventory URLs: delivery notes (出貨單) screens (included by inventory/urls.py): the kind's generic
screens (erp.document_screens) and the pick sheet."""

from django.urls import path

from inventory.views import deliveries as views

urlpatterns = [
    *views.DELIVERIES.urls(),
    path("deliveries/<int:pk>/pick/", views.DELIVERIES.view(views.DeliveryPickView, "inventory.change_deliverynote"),
         name="delivery_pick"),
]
