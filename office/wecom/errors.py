"""WeCom's answers that are not "ok", as exceptions for the client's callers and as a clear sentence
for people (the settings page's test buttons, the robot queue, the notification log).

WeCom answers every call with JSON carrying ``errcode`` (0: ok) and ``errmsg``; the codes used here
are from the global error code table (全局错误码, developer.work.weixin.qq.com/document/path/90455)
and the pages of the calls that return them: 40014 invalid access_token and 42001 access_token
expired (refetch the token once), 45009 "api freq out of limit" (the caller is over a frequency
limit: wait), 45033 too many concurrent calls, 81013 every recipient invalid (message/send), 60111
the UserID is not in the address book, 93000 "invalid webhook url" (a group robot's key is wrong or
the robot was removed from its group), 40029 invalid OAuth code (auth/getuserinfo)."""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

OK: Final = 0
SYSTEM_BUSY: Final = -1
INVALID_SECRET: Final = 40001
INVALID_CORP_ID: Final = 40013
INVALID_TOKEN: Final = 40014
INVALID_CODE: Final = 40029
INVALID_PARAMETER: Final = 40035
INVALID_AGENT: Final = 40056
TOKEN_EXPIRED: Final = 42001
FREQUENCY: Final = 45009
CONCURRENCY: Final = 45033
API_FORBIDDEN: Final = 48002
NO_PRIVILEGE: Final = 60011
IP_NOT_ALLOWED: Final = 60020
USER_NOT_FOUND: Final = 60111
ALL_RECIPIENTS_INVALID: Final = 81013
INVALID_WEBHOOK: Final = 93000

TOKEN_ERRORS: Final = frozenset({INVALID_TOKEN, TOKEN_EXPIRED})  # drop the token and fetch a new one, once
RETRYABLE: Final = frozenset({SYSTEM_BUSY, FREQUENCY, CONCURRENCY})  # the same call may succeed later

EXPLANATIONS = {
    OK: _("WeCom accepted it."),
    SYSTEM_BUSY: _("WeCom could not be reached or was busy; it will be tried again."),
    INVALID_SECRET: _("WeCom refused the app secret: copy it again from the app's page in WeCom's admin console."),
    INVALID_CORP_ID: _("WeCom does not know this corp ID."),
    INVALID_TOKEN: _("WeCom refused the access token; a new one is fetched automatically."),
    INVALID_CODE: _("The sign-in code is invalid or was already used: sign in again."),
    INVALID_PARAMETER: _("WeCom refused a value of the request."),
    INVALID_AGENT: _("WeCom does not know this agent ID in this corp."),
    TOKEN_EXPIRED: _("The access token had expired; a new one is fetched automatically."),
    FREQUENCY: _("WeCom's frequency limit was reached; the message waits and goes later."),
    CONCURRENCY: _("Too many calls to WeCom at once; the message goes later."),
    API_FORBIDDEN: _("The app may not call this WeCom API: check its permissions in WeCom's admin console."),
    NO_PRIVILEGE: _("The app may not reach this member: add them to the app's visible range."),
    IP_NOT_ALLOWED: _("WeCom refused the server's address: add it to the app's trusted IPs in WeCom's admin console."),
    USER_NOT_FOUND: _("This WeCom user ID is not in the corp's address book."),
    ALL_RECIPIENTS_INVALID: _("None of the recipients is a member the app may reach (check the WeCom user IDs "
                              "and the app's visible range)."),
    INVALID_WEBHOOK: _("WeCom refused the robot's webhook key: the robot was removed or the key is wrong."),
}


def explain(errcode: int, errmsg: str = "") -> str:
    """A sentence for people about WeCom's answer (in the active language), with the code and WeCom's own
    words for an unknown code."""
    known = EXPLANATIONS.get(errcode)
    if known is not None:
        return str(known)
    return gettext("WeCom answered with error %(errcode)s: %(errmsg)s") % {"errcode": errcode, "errmsg": errmsg}


class WeComError(Exception):
    """WeCom answered with ``errcode`` ≠ 0, or (``WeComUnavailable``) could not be asked."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def retryable(self) -> bool:
        return self.errcode in RETRYABLE

    def explain(self) -> str:
        return explain(self.errcode, self.errmsg)


class WeComUnavailable(WeComError):
    """WeCom could not be reached, or answered with an HTTP error or something that is not its JSON
    (errcode -1, as WeCom's own "system busy"): try again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(SYSTEM_BUSY, reason)


class WeComNotConfigured(WeComError):
    """The company's WeCom settings are missing, disabled or incomplete: nothing was sent."""

    def __init__(self) -> None:
        super().__init__(SYSTEM_BUSY, "WeCom is not set up for this company")

    def explain(self) -> str:
        return gettext("WeCom is not set up and enabled for this company.")


class WeComNotMember(WeComError):
    """auth/getuserinfo named someone who is not a member of the corp (an ``openid``, maybe an
    ``external_userid``): no UserId to sign in with."""

    def __init__(self, openid: str) -> None:
        super().__init__(OK, f"not a member of the corp (openid {openid})")
        self.openid = openid

    def explain(self) -> str:
        return gettext("This WeCom account is not a member of the company's corp.")
