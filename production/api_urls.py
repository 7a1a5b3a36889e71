"""/api/production/: the router of the viewsets in production/api/."""

from rest_framework.routers import DefaultRouter

from production.api.common import ProductionAPIRootView

router = DefaultRouter()
router.APIRootView = ProductionAPIRootView  # the root needs a production permission too
# One register line per endpoint (each area imports its module here):
urlpatterns = router.urls
