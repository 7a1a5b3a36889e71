"""Signing in with WeCom (企業微信): OAuth inside the WeCom client and the QR login of a browser.

Both are the same three steps (developer.work.weixin.qq.com, 构造网页授权链接 path/91022 and
企业微信Web登录 path/98152):

1. ``signin_start`` makes a random ``state`` (a-z0-9: WeCom takes up to 128 of [a-zA-Z0-9]), keeps it in
   the visitor's session with the company, the page to go to afterwards (``next``, only a page of this
   site) and an expiry, and gives the address to send the browser to: inside the WeCom client (its
   browser says "wxwork"), the silent OAuth (``scope=snsapi_base``); in any other browser, WeCom's
   login page with its QR code (``login_type=CorpApp``).
2. WeCom sends the browser back to our callback with ``code`` and ``state``. ``signin_finish`` takes the
   state out of the session (used once: a second use is refused, as are a missing, unknown or expired
   state), asks WeCom who the code names (``office.wecom.client.user_id_from_code``, with the company's
   WeCom settings), and finds the local user through the company's ``WeComIdentity`` (compared without
   regard to case, as WeCom does).
3. The view signs that user in as a password sign-in would (Django's ``login``: a new session key, the
   user's session generation, the access log's *Login* entry), unless django-axes has locked the user
   name or the address.

Every refusal is a ``SignInRefused`` with its reason, a translated message for the page, an HTTP status
and a short English detail for the access log.
"""

from __future__ import annotations

import enum
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.models import Company, User
from office.models import WeComSettings
from office.selectors.wecom_identities import wecom_identity_for_userid
from office.wecom import errors
from office.wecom.client import user_id_from_code
from office.wecom.clock import SYSTEM_CLOCK, Clock

CLOCK: Clock = SYSTEM_CLOCK  # a test puts a ManualClock here to let a started sign-in expire
SESSION_KEY = "wecom_signin"
STATE_SECONDS = 600  # how long a started sign-in waits for WeCom's answer (WeCom's code lives 5 minutes)
PENDING_MAX = 5  # sign-ins started in one session and not finished (several tabs); older ones are dropped
USED_KEPT = 10  # used states remembered, so a second use is told apart from a forged state
OAUTH_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
QR_URL = "https://login.work.weixin.qq.com/wwlogin/sso/login"
CODE_MAX = 512  # WeCom's codes are at most 512 bytes
WECOM_BROWSER = "wxwork"  # in the User-Agent of WeCom's built-in browser (phone and desktop)
CODE_REFUSED_TEXT = gettext_lazy("WeCom did not accept the sign-in code: it is wrong, expired or already used. Start "
                                 "again from the sign-in page.")
NOT_STARTED_TEXT = gettext_lazy("This WeCom sign-in was not started in this browser, or it has ended. Start again "
                                "from the sign-in page.")


class Mode(enum.StrEnum):
    OAUTH = "oauth"  # inside the WeCom client: silent, no QR code
    QR = "qr"  # any other browser: WeCom's login page shows a QR code to scan with the WeCom app


class Reason(enum.StrEnum):
    STATE_MISSING = "state missing"
    STATE_UNKNOWN = "state unknown"
    STATE_USED = "state used"
    STATE_EXPIRED = "state expired"
    CODE_MISSING = "code missing"
    CODE_REFUSED = "code refused"
    NOT_ENABLED = "not enabled"
    UNAVAILABLE = "wecom unavailable"
    WECOM_REFUSED = "wecom refused"
    NOT_MEMBER = "not a member"
    UNMAPPED = "unmapped"
    INACTIVE = "inactive"
    LOCKED_OUT = "locked out"  # django-axes: too many failed password sign-ins for the user or the address


class SignInRefused(Exception):
    """A WeCom sign-in that does not sign anyone in: ``message`` for the page (translated), ``status``
    for the response, ``wecom_userid`` when WeCom named a member."""

    def __init__(self, reason: Reason, message: str, *, status: int = 400, wecom_userid: str = "",
                 company: Company | None = None) -> None:
        super().__init__(f"{reason}: {wecom_userid}" if wecom_userid else str(reason))
        self.reason = reason
        self.message = message
        self.status = status
        self.wecom_userid = wecom_userid
        self.company = company

    @property
    def detail(self) -> str:
        """For the access log: "WeCom: unmapped zhangsan"."""
        return f"WeCom: {self.reason}" + (f" {self.wecom_userid}" if self.wecom_userid else "")


@dataclass(frozen=True)
class Pending:
    """A started sign-in, as its session entry says."""

    state: str
    company_id: int
    next_url: str
    mode: Mode


def in_wecom_client(request: HttpRequest) -> bool:
    """Whether the page is open in WeCom's own browser (on the phone or the desktop client)."""
    return WECOM_BROWSER in request.headers.get("user-agent", "").lower()


def signin_settings() -> QuerySet[WeComSettings]:
    """The WeCom settings of the active companies that accept WeCom sign-in (enabled and complete:
    the check constraint holds an enabled row to a corp id, an agent id and a secret), by company name."""
    return (WeComSettings.objects.filter(enabled=True, company__is_active=True).select_related("company")
            .order_by("company__name", "pk"))


def safe_next(request: HttpRequest, next_url: str | None) -> str:
    """``next_url`` if it is a page of this site, else ""."""
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return next_url
    return ""


def authorize_url(wecom: WeComSettings, *, mode: Mode, redirect_uri: str, state: str) -> str:
    """WeCom's address that signs the member in and sends the browser to ``redirect_uri`` with
    ``code`` and ``state``."""
    if mode == Mode.OAUTH:
        query = urllib.parse.urlencode({
            "appid": wecom.corp_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": "snsapi_base",
            "state": state, "agentid": wecom.agent_id})
        return f"{getattr(django_settings, 'WECOM_OAUTH_URL', OAUTH_URL)}?{query}#wechat_redirect"
    query = urllib.parse.urlencode({
        "login_type": "CorpApp", "appid": wecom.corp_id, "agentid": wecom.agent_id, "redirect_uri": redirect_uri,
        "state": state})
    return f"{getattr(django_settings, 'WECOM_QR_URL', QR_URL)}?{query}"


def _entries(request: HttpRequest) -> tuple[dict[str, dict[str, Any]], list[str]]:
    stored = request.session.get(SESSION_KEY) or {}
    pending = stored.get("pending") if isinstance(stored, dict) else None
    used = stored.get("used") if isinstance(stored, dict) else None
    return (dict(pending) if isinstance(pending, dict) else {}), (list(used) if isinstance(used, list) else [])


def _store(request: HttpRequest, pending: dict[str, dict[str, Any]], used: list[str]) -> None:
    request.session[SESSION_KEY] = {"pending": pending, "used": used[-USED_KEPT:]}


def signin_start(request: HttpRequest, *, wecom: WeComSettings, mode: Mode, redirect_uri: str,
                 next_url: str = "") -> str:
    """Start a sign-in with the company of ``wecom``: its state kept in the session; the address of
    WeCom's page to send the browser to."""
    now = CLOCK.now().timestamp()
    pending, used = _entries(request)
    alive = [state for state, entry in pending.items() if entry.get("expires", 0) > now]  # oldest first
    pending = {state: pending[state] for state in alive[max(0, len(alive) - PENDING_MAX + 1):]}
    state = secrets.token_hex(16)
    pending[state] = {"company": wecom.company_id, "expires": now + STATE_SECONDS,
                      "next": safe_next(request, next_url), "mode": str(mode)}
    _store(request, pending, used)
    return authorize_url(wecom, mode=mode, redirect_uri=redirect_uri, state=state)


def take_state(request: HttpRequest, state: str | None) -> Pending:
    """The started sign-in ``state`` names, taken out of the session (it cannot be used again); a
    refusal for a missing, unknown, used or expired state."""
    if not state:
        raise SignInRefused(Reason.STATE_MISSING, _("This page expects WeCom's answer to a sign-in, which it did not "
                                                    "get. Start again from the sign-in page."))
    pending, used = _entries(request)
    entry = pending.pop(state, None)
    if entry is None:
        if state in used:
            raise SignInRefused(Reason.STATE_USED, _("This WeCom sign-in was already used. Start again from the "
                                                     "sign-in page."))
        raise SignInRefused(Reason.STATE_UNKNOWN, str(NOT_STARTED_TEXT))
    used.append(state)
    _store(request, pending, used)
    if entry.get("expires", 0) <= CLOCK.now().timestamp():
        raise SignInRefused(Reason.STATE_EXPIRED, _("This WeCom sign-in waited more than %(minutes)s minutes and has "
                                                    "expired. Start again from the sign-in page.") % {
                                "minutes": STATE_SECONDS // 60})
    try:
        return Pending(state=state, company_id=int(entry["company"]), next_url=str(entry.get("next") or ""),
                       mode=Mode(entry.get("mode", Mode.QR)))
    except (KeyError, TypeError, ValueError):
        raise SignInRefused(Reason.STATE_UNKNOWN, str(NOT_STARTED_TEXT)) from None


def signin_finish(request: HttpRequest, *, state: str | None, code: str | None) -> tuple[User, Pending]:
    """The local user WeCom's answer (``code`` for the sign-in ``state`` started) names, and the started
    sign-in; ``SignInRefused`` otherwise. Signs nobody in."""
    pending = take_state(request, state)
    wecom = signin_settings().filter(company_id=pending.company_id).first()
    if wecom is None:
        raise SignInRefused(Reason.NOT_ENABLED, _("WeCom sign-in is not enabled for this company."))
    company = wecom.company
    if not code:
        raise SignInRefused(Reason.CODE_MISSING, _("WeCom did not confirm who you are: the sign-in was cancelled or "
                                                   "refused. Start again, or sign in with your password."),
                            company=company)
    if len(code) > CODE_MAX:
        raise SignInRefused(Reason.CODE_REFUSED, str(CODE_REFUSED_TEXT), company=company)
    try:
        wecom_userid = user_id_from_code(wecom, code)
    except errors.WeComNotMember:
        raise SignInRefused(Reason.NOT_MEMBER, _("This WeCom account is not a member of %(company)s's WeCom: it "
                                                 "cannot sign in here.") % {"company": company.name},
                            status=403, company=company) from None
    except errors.WeComUnavailable:
        raise SignInRefused(Reason.UNAVAILABLE, _("WeCom could not be reached to confirm who you are. Try again in a "
                                                  "moment, or sign in with your password."),
                            status=503, company=company) from None
    except errors.WeComError as error:
        if error.errcode == errors.INVALID_CODE:
            raise SignInRefused(Reason.CODE_REFUSED, str(CODE_REFUSED_TEXT), company=company) from None
        raise SignInRefused(Reason.WECOM_REFUSED, _("WeCom refused to confirm who you are: %(reason)s Ask your "
                                                    "administrator to check the WeCom settings.") % {
                                "reason": error.explain()}, status=502, company=company) from None
    identity = wecom_identity_for_userid(company, wecom_userid)
    user = identity.user if identity is not None else None
    if user is None or user.company_id != company.pk:
        raise SignInRefused(Reason.UNMAPPED, _("Your WeCom account “%(userid)s” is not linked to a user of "
                                               "%(company)s. Ask your administrator to map the WeCom user ID "
                                               "“%(userid)s” to your user.") % {
                                "userid": wecom_userid, "company": company.name},
                            status=403, wecom_userid=wecom_userid, company=company)
    if not user.is_active:
        raise SignInRefused(Reason.INACTIVE, _("Your WeCom account “%(userid)s” is linked to a user that is not "
                                               "active. Ask your administrator to activate the user, or to map the "
                                               "WeCom user ID “%(userid)s” to your active user.") % {
                                "userid": wecom_userid},
                            status=403, wecom_userid=wecom_userid, company=company)
    return user, pending
