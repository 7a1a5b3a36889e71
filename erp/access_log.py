"""Recording logins, failed logins, lockouts, logouts, permission denials and exports (AccessLog)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from erp.models import AccessLog


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
