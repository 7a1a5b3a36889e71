"""Sales URLs: quotations, orders, the order's cross-department page, order entry helpers, dashboard
(included by sales/urls.py)."""

from django.urls import path

from sales.views import dashboard, documents, order_page

urlpatterns = [
    path("quotations/", documents.quotation_list, name="quotation_list"),
    path("quotations/new/", documents.quotation_create, name="quotation_create"),
    path("quotations/<int:pk>/", documents.quotation_detail, name="quotation_detail"),
    path("quotations/<int:pk>/edit/", documents.quotation_edit, name="quotation_edit"),
    path("quotations/<int:pk>/print/", documents.quotation_print, name="quotation_print"),
    path("quotations/<int:pk>/send/", documents.quotation_send, name="quotation_send"),
    path("quotations/<int:pk>/convert/", documents.quotation_convert, name="quotation_convert"),
    path("quotations/<int:pk>/cancel/", documents.quotation_cancel, name="quotation_cancel"),
    path("orders/", documents.order_list, name="order_list"),
    path("orders/new/", documents.order_create, name="order_create"),
    path("orders/<int:pk>/", order_page.order_detail, name="order_detail"),
    path("orders/<int:pk>/tracking/", order_page.order_tracking, name="order_tracking"),
    path("orders/<int:pk>/edit/", documents.order_edit, name="order_edit"),
    path("orders/<int:pk>/print/", documents.order_print, name="order_print"),
    path("orders/<int:pk>/confirm/", order_page.order_confirm, name="order_confirm"),
    path("orders/<int:pk>/cancel/", order_page.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/close/", order_page.order_close, name="order_close"),
    path("orders/<int:pk>/delete/", order_page.order_delete, name="order_delete"),
    path("orders/<int:pk>/credit/request/", order_page.order_credit_request, name="order_credit_request"),
    path("orders/<int:pk>/credit/approve/", order_page.order_credit_approve, name="order_credit_approve"),
    path("entry/items/", documents.item_lookup, name="item_lookup"),
    path("entry/customers/", documents.customer_lookup, name="customer_lookup"),
    path("entry/line/", documents.line_price, name="line_price"),
    path("entry/totals/", documents.totals, name="document_totals"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
