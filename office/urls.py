from django.urls import path

from office import views, views_wecom_callback

app_name = "office"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/close/", views.task_close_view, name="task_close"),
    path("wecom/callback/<int:company_id>/", views_wecom_callback.wecom_callback, name="wecom_callback"),
]
