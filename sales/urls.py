from django.urls import include, path

app_name = "sales"
urlpatterns = [
    path("", include("sales.urls_masterdata")),  # customers, price lists, tax codes, payment terms, imports
    path("", include("sales.urls_documents")),  # quotations, orders, the order page, dashboard
    path("", include("sales.urls_returns")),  # customer returns
]
