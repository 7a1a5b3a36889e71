"""Sales URLs: customer returns (included by sales/urls.py): the kind's generic screens
(erp.document_screens) and the return sheet to create or edit one."""

from django.urls import path

from sales.views import returns as views

urlpatterns = [
    *views.RETURNS.urls(),
    path("returns/new/", views.RETURNS.view(views.ReturnSheetView, "sales.add_customerreturn"), name="return_create"),
    path("returns/<int:pk>/edit/", views.RETURNS.view(views.ReturnSheetView, "sales.change_customerreturn"),
         name="return_edit"),
]
