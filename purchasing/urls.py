from django.urls import include, path

app_name = "purchasing"
# Each area's screens in a module of its own: path("", include("purchasing.urls_<area>")).
urlpatterns: list = [
    path("", include("purchasing.urls_reports")),  # the buyer's workbench, supplier performance
    path("", include("purchasing.urls_masterdata")),
    path("", include("purchasing.urls_orders")),
    path("", include("purchasing.urls_invoices")),
    path("", include("purchasing.urls_requisitions")),
    path("", include("purchasing.urls_receiving")),
]
