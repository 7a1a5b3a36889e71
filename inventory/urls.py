from django.urls import include, path

app_name = "inventory"
urlpatterns = [
    path("", include("inventory.urls_masterdata")),
    path("", include("inventory.urls_documents")),
    path("", include("inventory.urls_imports")),
    path("", include("inventory.urls_deliveries")),
]
