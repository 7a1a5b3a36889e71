"""Request-wide behaviour: each user's language, NUL bytes refused, domain errors as messages,
conflicts as a busy page, the audit trail's client address, refused requests in the access log, the
session idle timeout."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from erp.access_log import client_ip, client_port, record_refusal
from erp.db import is_retryable
from erp.errors import DomainError
from erp.models import AccessLog

logger = logging.getLogger(__name__)


class UserLanguageMiddleware:
    """A signed-in user's stored language wins over cookie and browser (LocaleMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


NUL = "\x00"


def _has_nul(value: object) -> bool:
    """Whether a parsed JSON value holds a NUL in any string, key or nested item."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _query_has_nul(query: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


def request_has_nul(request: HttpRequest) -> bool:
    """A NUL in the path, the query string, a form field or a JSON string. Uploaded files are not
    looked at: binary files (XLSX) hold NULs as a matter of course."""
    raw_query = request.META.get("QUERY_STRING", "")
    if NUL in request.path or "%00" in raw_query or NUL in raw_query or _query_has_nul(request.GET):
        return True
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.method == "POST":
            # Parses the form as CsrfViewMiddleware would anyway (files go to the upload handlers,
            # not memory); a view that wants other upload handlers must set them before this runs.
            try:
                return _query_has_nul(request.POST)
            except MultiPartParserError:
                return False  # a malformed upload is the view's (or DRF's) 400 to give
        if content_type == "application/x-www-form-urlencoded":
            return _query_has_nul(QueryDict(request.body))
        # A multipart PUT/PATCH reaches only DRF, whose CharFields refuse NULs themselves.
        return False
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if b"\x00" in body:
            return True
        if b"\\u0000" not in body:
            return False  # no escaped NUL: nothing to parse
        try:
            return _has_nul(json.loads(body))
        except ValueError:
            return False  # not JSON: the parser's 400
    return False


class RefuseNulMiddleware:
    """A NUL byte anywhere in a request's text answers 400 before any view runs.

    PostgreSQL cannot store or compare a string holding NUL (psycopg2 raises ValueError), so a %00
    in a search, a filter or a form field would otherwise be a 500 in whichever view reached the
    database first; one guard here rather than one per view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request_has_nul(request):
            return self.get_response(request)
        message = _("The request contains a NUL character, which is not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "400.html", {"message": message}, status=400)


def safe_back_url(request: HttpRequest) -> str:
    referer = request.headers.get("referer")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    # Browsers send the Referer for same-origin posts; without one, a GET can be shown again
    # and anything else goes home rather than to a URL that only accepts POST.
    return request.get_full_path() if request.method == "GET" else reverse("home")


class DomainErrorMiddleware:
    """A DomainError escaping a view becomes a message on the page it came from, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
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


class BusyOnConflictMiddleware:
    """A deadlock or serialization failure that escapes a view becomes a translated "please try
    again" answer (503, with Retry-After), never a 500; the API gets it as ``{"detail": …}``.

    It does not re-run the view. Retrying is ``erp.db.atomic_with_retry``'s job alone: each service
    re-runs its own transaction, which also covers Celery tasks and the API, whereas re-running a
    view would repeat any service that had already committed. A conflict gets here only when a
    service ran out of attempts (or a view wrote outside a service, which the house rules forbid).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not (isinstance(exception, OperationalError) and is_retryable(exception)):
            return None
        logger.warning("request %s %s gave up after a database conflict", request.method, request.path)
        message = _("The system is busy with the same records right now. Please try again.")
        response: HttpResponseBase
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = render(request, "busy.html", {"message": message}, status=503)
        response["Retry-After"] = "1"
        return response


class AuditlogMiddleware(BaseAuditlogMiddleware):  # type: ignore[misc]  # auditlog is untyped
    """auditlog's middleware with the address rule of ``erp.access_log.client_ip``: auditlog's own
    trusts the left-most X-Forwarded-For entry, which the client chooses (and "not-an-ip" there made
    the entry's INSERT fail on the inet column)."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return None if getattr(settings, "AUDITLOG_DISABLE_REMOTE_ADDR", False) else client_ip(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return client_port(request)


class RefusalLogMiddleware:
    """Refused requests in the access log (rate-limited: erp.access_log.rate_allows): every 403 (a
    missing permission, the API's refusals, a CSRF failure — which its view marks as such), every
    401 (an API call without a valid token: missing, wrong, expired or revoked), and a
    signed-in user's 404 from a view, which is how an object outside their scope answers. That 404
    cannot be told from one for an id that does not exist (deliberately: it must not reveal what
    exists), so both are recorded; a URL that matches no view is not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session_user = getattr(request, "user", None)
        response = self.get_response(request)
        kind = getattr(response, "access_log_kind", None)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            # DRF puts an anonymous user on the request when the session's CSRF check fails.
            user = session_user
        if kind is None and response.status_code in (401, 403):
            kind = AccessLog.Kind.PERMISSION_DENIED
        elif (kind is None and response.status_code == 404 and user is not None and user.is_authenticated
              and getattr(request, "resolver_match", None) is not None):
            kind = AccessLog.Kind.NOT_FOUND
        if kind is not None:
            detail = getattr(response, "access_log_detail", "api" if request.path.startswith("/api/") else "")
            record_refusal(kind, request, detail, user=user if user is not None and user.is_authenticated else None)
        return response


class SessionIdleMiddleware:
    """The session idle timeout: a signed-in user's page load or write moves the session's expiry to
    SESSION_COOKIE_AGE from now. Background htmx GETs (the inbox badge, a page refreshing itself) do
    not, or a tab left open would never time out. Unlike SESSION_SAVE_EVERY_REQUEST the session row
    is rewritten at most once a minute (the timeout is exact to that minute)."""

    KEY = "_active_at"
    GRANULARITY = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        background = request.headers.get("HX-Request") == "true" and request.method == "GET"
        if user is not None and user.is_authenticated and not background:
            now = int(time.time())
            if now - int(request.session.get(self.KEY, 0)) >= self.GRANULARITY:
                self.touch(request.session, now)  # modified: saved with a new expiry
        return self.get_response(request)

    @classmethod
    def touch(cls, session: Any, now: int | None = None) -> None:
        session[cls.KEY] = int(time.time()) if now is None else now


@receiver(user_logged_in, dispatch_uid="erp-session-active-at-login")
def _active_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Signing in saves the session anyway: the pages right after it need not write it again.
    if request is not None and hasattr(request, "session"):
        SessionIdleMiddleware.touch(request.session)
