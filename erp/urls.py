import importlib.util

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from erp import views, views_exports
from erp.api.tokens import ObtainTokenView, RevokeAllTokensView
from erp.permissions import _mark, login_only

admin.site.site_header = admin.site.site_title = "ERP + MES"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", _mark(views.LoginView.as_view(), "public"), name="login"),
    path("accounts/logout/", _mark(auth_views.LogoutView.as_view(), "public"), name="logout"),
    path("accounts/password/", login_only(auth_views.PasswordChangeView.as_view()), name="password_change"),
    path("accounts/password/done/", login_only(auth_views.PasswordChangeDoneView.as_view()),
         name="password_change_done"),
    path("accounts/profile/", views.profile, name="profile"),
    path("i18n/language/", views.set_language, name="set_language"),
    path("favicon.ico", _mark(views.favicon, "public"), name="favicon"),
    path("exports/", views_exports.export_list, name="export_list"),
    path("exports/<int:pk>/", views_exports.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views_exports.export_download, name="export_download"),
    path("admin/", admin.site.urls),
    path("accounts/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("api/auth/token/", _mark(ObtainTokenView.as_view(), "public"), name="api-token"),
    path("api/auth/token/revoke-all/", RevokeAllTokensView.as_view(), name="api-token-revoke-all"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="erp/swagger_ui.html"),
         name="api-docs"),
]


def department_urls() -> list[URLResolver]:
    """Each department's screens at <app>/ (its urls.py) and API at api/<app>/ (its api_urls.py), when
    it has them: a new department is mounted without editing this file."""
    patterns = []
    for app in settings.DEPARTMENT_APPS:
        for module, prefix in ((f"{app}.urls", f"{app}/"), (f"{app}.api_urls", f"api/{app}/")):
            if importlib.util.find_spec(module) is not None:
                patterns.append(path(prefix, include(module)))
    return patterns


urlpatterns += department_urls()

handler400 = "erp.views.bad_request"
handler403 = "erp.views.permission_denied"
handler404 = "erp.views.page_not_found"
handler500 = "erp.views.server_error"
