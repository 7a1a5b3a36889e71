"""Inventory URLs: delivery notes (出貨單) screens (included by inventory/urls.py)."""

from django.urls import path

from inventory.views import deliveries as views

urlpatterns = [
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/pick/", views.delivery_pick, name="delivery_pick"),
    path("deliveries/<int:pk>/post/", views.delivery_post, name="delivery_post"),
    path("deliveries/<int:pk>/cancel/", views.delivery_cancel, name="delivery_cancel"),
    path("deliveries/<int:pk>/print/", views.delivery_print, name="delivery_print"),
]
