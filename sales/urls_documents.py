"""Sales URLs: quotations and orders (their generic screens, erp.document_screens), the order's live
part, the order entry helpers, the dashboard (included by sales/urls.py)."""

from django.urls import path

from sales.views import dashboard, entry, order_page
from sales.views.documents import ORDERS, QUOTATIONS

urlpatterns = [
    *QUOTATIONS.urls(),
    *ORDERS.urls(),
    path("orders/<int:pk>/tracking/", ORDERS.view(order_page.OrderTrackingView, "sales.view_salesorder"),
         name="order_tracking"),
    path("entry/items/", entry.item_lookup, name="item_lookup"),
    path("entry/customers/", entry.customer_lookup, name="customer_lookup"),
    path("entry/line/", entry.line_price, name="line_price"),
    path("entry/totals/", entry.totals, name="document_totals"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
