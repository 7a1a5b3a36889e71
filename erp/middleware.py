"""Request-wide behaviour: each user's language, domain errors as messages, conflict retries."""

import logging

from django.contrib import messages
from django.db import OperationalError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from erp.db import backoff_sleep, is_retryable
from erp.errors import DomainError

logger = logging.getLogger(__name__)


class UserLanguageMiddleware:
    """A signed-in user's stored language wins over cookie and browser (LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def safe_back_url(request):
    referer = request.headers.get("referer")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    # Browsers send the Referer for same-origin posts; without one, a GET can be shown again
    # and anything else goes home rather than to a URL that only accepts POST.
    return request.get_full_path() if request.method == "GET" else reverse("home")


class DomainErrorMiddleware:
    """A DomainError escaping a view becomes a message on the page it came from, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        messages.error(request, exception.message)
        target = safe_back_url(request)
        if getattr(request, "htmx", False):
            # An XHR follows a 302 silently; htmx navigates on HX-Redirect instead.
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


class ConflictRetryMiddleware:
    """Re-run a view whose transaction PostgreSQL aborted for a deadlock or serialization failure.

    Views call services that are atomic on their own, so re-running the view re-runs the whole
    transaction. After the last attempt the user gets a translated "try again" page (503).
    """

    attempts = 3

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._erp_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and is_retryable(exception)):
            return None
        view_func, args, kwargs = request._erp_view
        for attempt in range(self.attempts):
            backoff_sleep(attempt)
            try:
                return view_func(request, *args, **kwargs)
            except OperationalError as exc:
                if not is_retryable(exc):
                    raise
                logger.info("request %s still conflicting (attempt %d)", request.path, attempt + 1)
        return render(
            request,
            "busy.html",
            {"message": _("The system is busy with the same records right now. Please try again.")},
            status=503,
        )
