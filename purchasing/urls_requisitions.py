"""Requisition screens: the document screens and the lines to order."""

from django.urls import path

from purchasing.views import requisitions as views

urlpatterns = [
    path("requisitions/to-order/", views.lines_to_order, name="requisition_lines_to_order"),
    path("requisitions/to-order/consolidate/", views.lines_consolidate, name="requisition_lines_consolidate"),
    *views.REQUISITIONS.urls(),
]
