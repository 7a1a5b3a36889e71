"""The project's URLs plus the sample app's imports and document screens (tests mark ``@pytest.mark.urls``
with this)."""

from django.urls import include, path

from erp.import_views import ImportScreens
from erp.urls import handler403, handler404, handler500
from erp.urls import urlpatterns as project_urlpatterns
from tests.sampleapp.screens import SAMPLES

screens = ImportScreens(
    app_label="sampleapp",
    namespace="sampleapp",
    index_permission="erp.view_department",
    title="Sample imports",
    intro="Load departments.",
)

urlpatterns = [*project_urlpatterns, path("sample/", include(([*screens.urls(), *SAMPLES.urls()], "sampleapp")))]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
