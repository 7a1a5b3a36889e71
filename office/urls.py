from django.urls import include, path

from office import views

app_name = "office"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/close/", views.task_close_view, name="task_close"),
    path("", include("office.urls_wecom")),  # WeCom: the identity mapping and its import, sign-in
]
