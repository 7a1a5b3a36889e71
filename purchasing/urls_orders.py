"""Purchasing URLs: purchase orders (their generic screens, erp.document_screens)."""

from django.urls import path

from purchasing.views.orders import ORDERS, OrderRedateView

urlpatterns = [
    *ORDERS.urls(),
    path("orders/<int:pk>/redate/", ORDERS.view(OrderRedateView, "purchasing.change_purchaseorder"),
         name="order_redate"),
]
