from django.urls import path

from purchasing.views import reports

urlpatterns = [
    path("", reports.workbench, name="workbench"),
    path("performance/", reports.performance, name="performance"),
]
