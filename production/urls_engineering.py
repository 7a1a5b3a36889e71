"""Production screens: engineering (work centers with their calendars, routings) and capacity. Every
list also exports what it shows with ``?export=xlsx`` or ``?export=csv`` (filters kept)."""

from django.urls import path

from production.views import capacity, engineering

urlpatterns: list = [
    path("work-centers/", engineering.work_center_list, name="work_center_list"),
    path("work-centers/new/", engineering.work_center_create, name="work_center_create"),
    path("work-centers/<int:pk>/", engineering.work_center_detail, name="work_center_detail"),
    path("work-centers/<int:pk>/edit/", engineering.work_center_edit, name="work_center_edit"),
    path("work-centers/<int:pk>/deactivate/", engineering.work_center_deactivate, name="work_center_deactivate"),
    path("work-centers/<int:pk>/holidays/new/", engineering.holiday_create, name="work_center_holiday_create"),
    path("work-centers/<int:pk>/holidays/<int:holiday_pk>/edit/", engineering.holiday_edit,
         name="work_center_holiday_edit"),
    path("work-centers/<int:pk>/holidays/<int:holiday_pk>/delete/", engineering.holiday_delete,
         name="work_center_holiday_delete"),
    path("routings/", engineering.routing_list, name="routing_list"),
    path("routings/new/", engineering.routing_create, name="routing_create"),
    path("routings/<int:pk>/", engineering.routing_detail, name="routing_detail"),
    path("routings/<int:pk>/edit/", engineering.routing_edit, name="routing_edit"),
    path("routings/<int:pk>/deactivate/", engineering.routing_deactivate, name="routing_deactivate"),
    path("capacity/", capacity.capacity, name="capacity"),
]
