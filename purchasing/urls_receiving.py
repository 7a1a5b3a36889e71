"""Screens of receiving: receipts of purchase orders, incoming inspections, supplier returns."""

from django.urls import path

from purchasing.views import receiving as views

urlpatterns = [
    *views.RECEIPTS.urls(),
    *views.INSPECTIONS.urls(),
    *views.RETURNS.urls(),
    path("orders/<int:pk>/receive/", views.order_receive, name="order_receive"),
    path("returns/<int:pk>/edit/", views.RETURNS.view(views.ReturnEditView, "purchasing.change_supplierreturn"),
         name="return_edit"),
    path("returns/from-receipt/<int:pk>/", views.return_from_receipt, name="return_from_receipt"),
]
