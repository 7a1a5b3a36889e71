"""Purchasing URLs: supplier invoices (included by purchasing/urls.py), the kind's generic screens."""

from purchasing.views import invoices as views

urlpatterns = [*views.INVOICES.urls()]
