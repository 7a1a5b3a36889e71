"""Signing in with WeCom (企業微信): the start page (the company's WeCom page: OAuth inside the WeCom
client, the QR login elsewhere), WeCom's callback that signs the member's user in, and the "Sign in
with WeCom" button of the login page (erp.registry.register_login_option). The steps and the checks
are ``office.wecom.signin``'s; these views only answer. Both pages are public: they are how one signs in.
"""

import urllib.parse

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from erp.lockout import lockout_message
from erp.models import AccessLog
from erp.permissions import _mark
from office.wecom.signin import (
    Mode,
    Reason,
    SignInRefused,
    in_wecom_client,
    safe_next,
    signin_finish,
    signin_settings,
    signin_start,
)

BACKEND = "erp.permissions.ModelBackend"


def start_url(company_code="", next_url=""):
    query = {key: value for key, value in (("company", company_code), ("next", next_url)) if value}
    return reverse("office:wecom_signin") + (f"?{urllib.parse.urlencode(query)}" if query else "")


@never_cache
@require_GET
def wecom_signin(request):
    """Start signing in with a company's WeCom (``?company=<code>``; without it, the one company that
    offers it, or a choice between several) and send the browser to WeCom."""
    next_url = safe_next(request, request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    offered = list(signin_settings())
    code = request.GET.get("company", "").strip()
    if code:
        wecom = next((each for each in offered if each.company.code.casefold() == code.casefold()), None)
        if wecom is None:
            messages.error(request, _("Company “%(code)s” does not offer signing in with WeCom.") % {"code": code[:40]})
            return redirect("login")
    elif len(offered) == 1:
        wecom = offered[0]
    elif offered:
        return render(request, "office/wecom/signin_choose.html", {
            "choices": [{"company": each.company, "url": start_url(each.company.code, next_url)} for each in offered]})
    else:
        messages.error(request, _("No company offers signing in with WeCom yet: sign in with your password."))
        return redirect("login")
    mode = Mode.OAUTH if in_wecom_client(request) else Mode.QR
    if request.GET.get("mode") in tuple(Mode):
        mode = Mode(request.GET["mode"])
    redirect_uri = request.build_absolute_uri(reverse("office:wecom_signin_callback"))
    return HttpResponseRedirect(signin_start(request, wecom=wecom, mode=mode, redirect_uri=redirect_uri,
                                             next_url=next_url))


@never_cache
@require_GET
def wecom_signin_callback(request):
    """Where WeCom sends the browser back with ``code`` and ``state``: the mapped user is signed in
    and goes on to the page they asked for; anything else is a page that says why, and signs no one in."""
    try:
        user, pending = signin_finish(request, state=request.GET.get("state"), code=request.GET.get("code"))
    except SignInRefused as refusal:
        company_code = refusal.company.code if refusal.company is not None else ""
        response = render(request, "office/wecom/signin_refused.html", {
            "refusal": refusal, "retry_url": start_url(company_code)}, status=refusal.status)
        response.access_log_kind = AccessLog.Kind.LOGIN_FAILED  # recorded by erp's RefusalLogMiddleware
        response.access_log_detail = refusal.detail
        return response
    if not AxesProxyHandler.is_allowed(request, {"username": user.get_username()}):
        response = render(request, "office/wecom/signin_refused.html", {
            "refusal": SignInRefused(Reason.LOCKED_OUT, lockout_message(), status=429), "retry_url": start_url()},
            status=429)
        response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
        response.access_log_kind = AccessLog.Kind.LOCKED_OUT
        response.access_log_detail = f"WeCom: {user.get_username()}"
        return response
    login(request, user, backend=BACKEND)  # a new session key; the access log's Login entry
    return redirect(safe_next(request, pending.next_url) or resolve_url(settings.LOGIN_REDIRECT_URL))


_mark(wecom_signin, "public")
_mark(wecom_signin_callback, "public")


def login_option(request):
    """The login page's "Sign in with WeCom" button, when a company offers it (None otherwise)."""
    if not signin_settings().exists():
        return None
    return {"wecom_signin_url": start_url(next_url=safe_next(request, request.GET.get("next"))),
            "in_wecom": in_wecom_client(request)}
