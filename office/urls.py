from django.urls import include, path

from office import views, views_wecom

app_name = "office"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/close/", views.task_close_view, name="task_close"),
    # WeChat Work (企業微信): the company's app and its group robots
    path("wecom/", views_wecom.wecom_settings, name="wecom_settings"),
    path("wecom/test-message/", views_wecom.wecom_test_message, name="wecom_test_message"),
    path("wecom/robots/", views_wecom.robot_list, name="wecom_robot_list"),
    path("wecom/robots/new/", views_wecom.robot_create, name="wecom_robot_create"),
    path("wecom/robots/<int:pk>/", views_wecom.robot_detail, name="wecom_robot_detail"),
    path("wecom/robots/<int:pk>/edit/", views_wecom.robot_edit, name="wecom_robot_edit"),
    path("wecom/robots/<int:pk>/disable/", views_wecom.robot_disable, name="wecom_robot_disable"),
    path("wecom/robots/<int:pk>/enable/", views_wecom.robot_enable, name="wecom_robot_enable"),
    path("wecom/robots/<int:pk>/test/", views_wecom.robot_test, name="wecom_robot_test"),
    # WeCom: the identity mapping and its import, signing in with WeCom
    path("", include("office.urls_wecom")),
]
