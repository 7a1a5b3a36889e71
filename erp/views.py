from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.forms import LanguageForm
from erp.models import AccessLog, User
from erp.navigation import menu_for_user
from erp.permissions import _mark, login_only
from erp.registry import home_panels, login_options, profile_sections
from erp.roles import role_label
from erp.services import user_set_language, user_sign_out_everywhere


@login_only
def home(request: HttpRequest) -> HttpResponse:
    """The home page: the user's roles and modules, and the boxes the departments registered
    (erp.registry.register_home_panel: the inbox, a department's tiles…)."""
    roles = [role_label(name) for name in request.user.groups.values_list("name", flat=True)]
    return render(request, "erp/home.html", {
        "roles": roles, "modules": menu_for_user(request.user), "panels": home_panels(request),
    })


class LoginView(auth_views.LoginView):
    """Django's login page, with the other ways to sign in the departments offer below the password
    form (erp.registry.register_login_option: "Sign in with WeCom")."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["login_options"] = login_options(self.request)
        return context
@login_only
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own page (user menu → My profile): who they are in the company, their language, and
    the sections the departments registered (erp.registry.register_profile_section: the office's
    notification preferences)."""
    roles = [role_label(name) for name in request.user.groups.values_list("name", flat=True)]
    return render(request, "erp/profile.html", {
        "roles": roles, "sections": profile_sections(request), "language_form": LanguageForm(
            initial={"language": getattr(request.user, "language", settings.LANGUAGE_CODE)}),
    })


@require_POST
def set_language(request: HttpRequest) -> HttpResponseRedirect:
    """Switch the interface language: stored on the user, and in a cookie for the login page."""
    form = LanguageForm(request.POST or None)
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


_mark(set_language, "public")  # also used on the login page


@login_only
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """The user menu's "Sign out everywhere": every session (this one too) and every API token end."""
    user_sign_out_everywhere(user=cast(User, request.user), request=request)  # login_only: a User
    logout(request)
    messages.success(request, _("You have been signed out on every device, and your API tokens no longer work."))
    return redirect(settings.LOGIN_URL)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Recorded in the access log by erp.middleware.RefusalLogMiddleware, as every 403 is.
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a translated page (an expired form, most often), recorded as a CSRF failure."""
    response = render(request, "403_csrf.html", status=403)
    response.access_log_kind = AccessLog.Kind.CSRF_FAILURE  # type: ignore[attr-defined]
    response.access_log_detail = reason  # type: ignore[attr-defined]
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # An API client gets JSON for a URL no route matches (/api/sales/orders/1.5/), as for a
        # missing record; the schema documents 404 as {"detail": …}.
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {"message": _("The request could not be understood. Go back and try again.")},
                  status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    # Without the context processors (the menu and inbox read the database, which may be what failed);
    # in the request's language all the same, which LocaleMiddleware has activated.
    return HttpResponse(loader.render_to_string("500.html"), status=500)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own: the site's icon under static/. Not a permanent
    redirect: the icon's fingerprinted name changes with its content."""
    return HttpResponseRedirect(static("favicon.svg"))
