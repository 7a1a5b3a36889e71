from django.urls import include, path

app_name = "production"
# Each area's screens in a module of its own: path("", include("production.urls_<area>")).
urlpatterns: list = [
    path("", include("production.urls_engineering")),  # work centers, routings, capacity
    path("", include("production.urls_boms")),
    path("", include("production.urls_planning")),  # demand lines, MRP runs, planned orders
    path("", include("production.urls_workorders")),
]
