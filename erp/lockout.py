"""Sign-in throttling with django-axes (settings: "Sign-in throttling and API tokens";
docs/security.md): the authentication backend that refuses a locked-out username or
client address, and the answer a locked-out sign-in gets."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from erp.registry import login_options


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes is untyped
    """axes' backend for sign-ins that come with a request (the login forms, the API's token
    endpoint). ``authenticate()`` without a request (the test client's ``login()``, a management
    command) is not an attempt from the network: axes' own backend would raise there, and its
    failure handler cannot count such an attempt anyway."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute, or ask an administrator to unlock "
        "the account.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, or ask an administrator to unlock "
        "the account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with a translated message; JSON under /api/, else the login page
    again (the username kept, the password not)."""
    message = lockout_message()
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        username = str((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
        form = AuthenticationForm(request, initial={"username": username})
        response = render(request, "registration/login.html",
                          {"form": form, "lockout_message": message, "next": request.POST.get("next", ""),
                           "login_options": login_options(request)}, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    return response
