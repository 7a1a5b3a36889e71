from django.urls import path

from office import views, views_approvals

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
]
