from django.urls import include, path

from office import (
    views,
    views_announcements,
    views_approvals,
    views_notifications,
    views_wecom,
    views_wecom_callback,
)

app_name = "office"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/close/", views.task_close_view, name="task_close"),
    # Approvals
    path("approvals/", views_approvals.approval_list, name="approval_list"),
    path("approvals/badge/", views_approvals.approval_badge, name="approval_badge"),
    path("approvals/<int:pk>/", views_approvals.approval_detail, name="approval_detail"),
    path("approvals/<int:pk>/decide/", views_approvals.approval_decide_view, name="approval_decide"),
    path("approvals/rules/", views_approvals.approval_rule_list, name="approval_rule_list"),
    path("approvals/rules/new/", views_approvals.approval_rule_create, name="approval_rule_create"),
    path("approvals/rules/preview/", views_approvals.approval_rule_preview_view, name="approval_rule_preview"),
    path("approvals/rules/<int:pk>/edit/", views_approvals.approval_rule_edit, name="approval_rule_edit"),
    path("approvals/rules/<int:pk>/deactivate/", views_approvals.approval_rule_deactivate_view,
         name="approval_rule_deactivate"),
    path("approvals/delegations/", views_approvals.approval_delegations, name="approval_delegations"),
    path("approvals/delegations/<int:pk>/end/", views_approvals.approval_delegation_delete,
         name="approval_delegation_delete"),
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
    # WeCom posts here (public: checked by signature): a card button tapped, or its check of the URL
    path("wecom/callback/<int:company_id>/", views_wecom_callback.wecom_callback, name="wecom_callback"),
    # WeCom: the identity mapping and its import, signing in with WeCom
    path("", include("office.urls_wecom")),
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path("notifications/badge/", views_notifications.notification_badge, name="notification_badge"),
    path("notifications/read-all/", views_notifications.notifications_mark_all_read, name="notification_read_all"),
    path("notifications/preferences/", views_notifications.notification_preferences,
         name="notification_preferences"),
    path("notifications/<int:pk>/", views_notifications.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", views_notifications.notification_mark_read, name="notification_read"),
    path("notifications/deliveries/", views_notifications.delivery_list, name="delivery_list"),
    path("notifications/deliveries/<int:pk>/retry/", views_notifications.delivery_retry, name="delivery_retry"),
    path("announcements/", views_announcements.announcement_list, name="announcement_list"),
    path("announcements/new/", views_announcements.announcement_create, name="announcement_create"),
    path("announcements/<int:pk>/", views_announcements.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/edit/", views_announcements.announcement_edit, name="announcement_edit"),
    path("announcements/<int:pk>/withdraw/", views_announcements.announcement_withdraw_view,
         name="announcement_withdraw"),
    path("announcements/<int:pk>/receipts/", views_announcements.announcement_receipts_view,
         name="announcement_receipts"),
]
