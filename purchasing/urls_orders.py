"""Purchasing URLs: purchase orders (their generic screens, erp.document_screens)."""

from purchasing.views.orders import ORDERS

urlpatterns = [*ORDERS.urls()]
