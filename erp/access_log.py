"""Recording logins, failed logins, lockouts, logouts, refused requests and exports (AccessLog), and which
address a request came from (``client_ip``: the access log, the audit trail and the login throttle)."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

from erp.models import AccessLog


def valid_ip(value: object) -> str | None:
    """``value`` as an address PostgreSQL's inet takes, or None: a forwarded "1.2.3.4:5678" or
    "[2001:db8::1]:443" loses its port; anything else that is not an address (a zone index, a name,
    garbage) gives None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None
    return str(address)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or with ``TRUSTED_PROXY_COUNT`` = n reverse proxies in front,
    the address the outermost of them saw — the n-th entry of X-Forwarded-For from the right, since
    each proxy appends the address it received from. Entries further left were written by the client
    and are ignored. A value that is not an address falls back to REMOTE_ADDR (None if that is not
    one either), so a forged header can neither choose the address recorded nor break the write."""
    if request is None:
        return None
    remote = valid_ip(request.META.get("REMOTE_ADDR"))
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Fewer entries than proxies: the request entered behind the outermost one; the left-most entry
    # was still written by a trusted proxy.
    return valid_ip(hops[-min(proxies, len(hops))]) or remote


def client_port(request: HttpRequest | None) -> int | None:
    """The client's port: X-Forwarded-Port only behind trusted proxies, else REMOTE_PORT; None unless
    it is a port number (auditlog's column is a positive integer)."""
    if request is None:
        return None
    raw = request.META.get("HTTP_X_FORWARDED_PORT" if settings.TRUSTED_PROXY_COUNT > 0 else "REMOTE_PORT", "")
    try:
        port = int(str(raw).strip())
    except ValueError:
        return None
    return port if 0 < port <= 65535 else None


def record_access(kind: str, request: HttpRequest | None = None, *, user: Any = None, username: str = "",
                  detail: object = "") -> AccessLog:
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    return AccessLog.objects.create(
        kind=kind,
        user=user,
        username=username or (user.get_username() if user else ""),
        ip_address=client_ip(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        detail=str(detail)[:500],
    )


# What ``RefusalLogMiddleware`` records; a refusal flood is capped per requester (rate_allows).
REFUSALS = (AccessLog.Kind.PERMISSION_DENIED, AccessLog.Kind.NOT_FOUND, AccessLog.Kind.CSRF_FAILURE)


def rate_allows(kind: str, request: HttpRequest, user: Any = None) -> bool:
    """At most ACCESS_LOG_REFUSALS_PER_MINUTE entries of ``kind`` per user (or, signed out, per
    address) and clock minute, so a flood of refused requests cannot fill the table. The count
    lives in the cache (per process with the default local-memory cache)."""
    user = user or getattr(request, "user", None)
    who = f"u{user.pk}" if user is not None and user.is_authenticated else f"a{client_ip(request)}"
    key = f"erp:refusals:{kind}:{who}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
        cache.set(key, count, timeout=120)
    limit: int = settings.ACCESS_LOG_REFUSALS_PER_MINUTE
    return count <= limit


def record_refusal(kind: str, request: HttpRequest, detail: object = "", *, user: Any = None) -> AccessLog | None:
    """A refused request (403, a signed-in user's 404, a CSRF failure), unless over the rate."""
    if not rate_allows(kind, request, user):
        return None
    return record_access(kind, request, user=user, detail=detail)


def record_export(request: HttpRequest, what: object) -> AccessLog:
    """Call from every export view: who exported what, when, from where."""
    return record_access(AccessLog.Kind.EXPORT, request, detail=what)


@receiver(user_logged_in, dispatch_uid="erp-access-login")
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record_access(AccessLog.Kind.LOGIN, request, user=user)


@receiver(user_logged_out, dispatch_uid="erp-access-logout")
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record_access(AccessLog.Kind.LOGOUT, request, user=user)


@receiver(user_login_failed, dispatch_uid="erp-access-login-failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                  **kwargs: Any) -> None:
    record_access(AccessLog.Kind.LOGIN_FAILED, request, username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out, dispatch_uid="erp-access-locked-out")
def _locked_out(sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any) -> None:
    """django-axes refused a sign-in (erp.lockout): sent when the limit is reached and on each
    attempt while the lock lasts."""
    record_access(AccessLog.Kind.LOCKED_OUT, request, username=str(username or "")[:150])
