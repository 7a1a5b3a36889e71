"""Sales URLs: customers, tax codes, payment terms, price lists and the imports (included by sales/urls.py).

Every list also exports what it shows with ``?export=xlsx`` or ``?export=csv`` (filters kept)."""

from django.urls import path

from sales.views import imports, masterdata

urlpatterns = [
    # Customers and their contacts
    path("customers/", masterdata.customer_list, name="customer_list"),
    path("customers/new/", masterdata.customer_create, name="customer_create"),
    path("customers/<int:pk>/", masterdata.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", masterdata.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/contacts/new/", masterdata.contact_create, name="customer_contact_create"),
    path("customers/<int:pk>/contacts/<int:contact_pk>/edit/", masterdata.contact_edit,
         name="customer_contact_edit"),
    # Tax codes and payment terms (list and form on one page)
    path("tax-codes/", masterdata.tax_code_list, name="tax_code_list"),
    path("tax-codes/new/", masterdata.tax_code_create, name="tax_code_create"),
    path("tax-codes/<int:pk>/edit/", masterdata.tax_code_edit, name="tax_code_edit"),
    path("payment-terms/", masterdata.payment_term_list, name="payment_term_list"),
    path("payment-terms/new/", masterdata.payment_term_create, name="payment_term_create"),
    path("payment-terms/<int:pk>/edit/", masterdata.payment_term_edit, name="payment_term_edit"),
    # Price lists and their prices
    path("price-lists/", masterdata.price_list_list, name="price_list_list"),
    path("price-lists/new/", masterdata.price_list_create, name="price_list_create"),
    path("price-lists/<int:pk>/", masterdata.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/edit/", masterdata.price_list_edit, name="price_list_edit"),
    path("price-lists/<int:pk>/prices/", masterdata.price_list_prices, name="price_list_prices"),
]

# Imports of customers and prices
urlpatterns += imports.screens.urls()
