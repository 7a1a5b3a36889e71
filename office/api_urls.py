from rest_framework.routers import DefaultRouter

from office.api import TaskViewSet
from office.api_approvals import ApprovalRequestViewSet, ApprovalRuleViewSet

router = DefaultRouter()
router.register("tasks", TaskViewSet, basename="task")
router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
router.register("approval-rules", ApprovalRuleViewSet, basename="approval-rule")
urlpatterns = router.urls
