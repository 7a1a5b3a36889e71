from django.urls import include, path

app_name = "purchasing"
# Each area's screens in a module of its own (added by the area): path("", include("purchasing.urls_<area>")).
urlpatterns: list = [
    path("", include("purchasing.urls_receiving")),
]
