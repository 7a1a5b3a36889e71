from django.urls import path

from office import views, views_announcements, views_notifications

app_name = "office"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/close/", views.task_close_view, name="task_close"),
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
