"""WeCom (企業微信), as a thin client of our own over ``urllib.request`` (every call with a timeout,
settings.WECOM_TIMEOUT_SECONDS): the access token, app messages, template card updates, the OAuth
code exchange and the group robot's webhook. The API shapes are WeCom's (developer.work.weixin.qq.com):

- access token, path/91039: ``GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET`` →
  ``{"errcode": 0, "access_token": …, "expires_in": 7200}``. Cached per corp + agent (one row of
  ``WeComAccessToken``) until shortly before it expires (5 minutes, or a tenth of its life when it is
  shorter), fetched by one refresher at a time under that row's lock, dropped and fetched again once
  when a call answers 40014 (invalid) or 42001 (expired): "WeCom may invalidate a token early".
- app message, path/90236: ``POST /cgi-bin/message/send?access_token=…`` with ``touser`` ("a|b"),
  ``msgtype``, ``agentid`` and the type's part → ``errcode``, ``invaliduser`` ("a|b", lower-cased),
  ``msgid``, and ``response_code`` for a card with buttons (usable once, within 72 hours). All
  recipients invalid: 81013. Limits (path/90454, 访问频率限制): per app and member 30 a minute and
  1,000 an hour; WeCom drops what is beyond them, so the client counts (``WeComUserSends``) and defers a
  member over a limit instead of sending.
- template card update, path/94888: ``POST /cgi-bin/message/update_template_card`` with ``userids``,
  ``agentid``, ``response_code`` and either ``button.replace_name`` or a new ``template_card``.
- OAuth code, path/98176 ("获取访问用户身份"): ``GET /cgi-bin/auth/getuserinfo?access_token=…&code=…`` →
  ``userid`` for a member, ``openid`` (and maybe ``external_userid``) for anyone else; 40029 for a
  bad or used code.
- group robot, path/91770: ``POST /cgi-bin/webhook/send?key=KEY`` with ``msgtype`` text, markdown or
  news; 20 messages a minute per robot; 93000 when the key is invalid. (Used by the robot queue,
  office.services.wecom.)

Call the client outside a database transaction: the token's row lock and the per-member counts commit
on their own. Errors: ``WeComUnavailable`` when WeCom cannot be reached (retry later), ``WeComError``
for an answer with an error code where the caller cannot go on (gettoken, getuserinfo); sends return a
result with WeCom's ``errcode`` instead (office.wecom.errors explains each code to people).
"""

from __future__ import annotations

import datetime
import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from django.conf import settings as django_settings
from django.db import transaction

from office.models import WeComAccessToken, WeComSettings, WeComUserSends
from office.wecom import errors
from office.wecom.clock import SYSTEM_CLOCK, Clock
from office.wecom.errors import WeComError, WeComNotConfigured, WeComNotMember, WeComUnavailable
from office.wecom.limits import TEXT_BYTES, cut_to_bytes

log = logging.getLogger(__name__)

REFRESH_EARLY: Final = datetime.timedelta(minutes=5)
PER_MINUTE: Final = 30  # app messages to one member, per app
PER_HOUR: Final = 1000
MINUTE: Final = datetime.timedelta(minutes=1)
HOUR: Final = datetime.timedelta(hours=1)
MAX_ANSWER_BYTES: Final = 1024 * 1024
LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})

AppMsgType = Literal["text", "markdown", "template_card"]


# HTTP --------------------------------------------------------------------------------------------

def _request(base: str, method: str, path: str, params: Mapping[str, Any], body: Any = None) -> dict[str, Any]:
    """One call: WeCom's JSON answer, or ``WeComUnavailable`` (no answer, an HTTP error, not JSON)."""
    url = f"{base.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    # loopback (the fake server) never goes through a proxy the environment may name
    handlers = [urllib.request.ProxyHandler({})] if urllib.parse.urlsplit(url).hostname in LOOPBACK else []
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=django_settings.WECOM_TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as error:
        raise WeComUnavailable(f"HTTP {error.code} from {path}") from error
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:  # refused, reset, timeout
        raise WeComUnavailable(f"{path}: {getattr(error, 'reason', error)}") from error
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise WeComUnavailable(f"{path}: the answer is not JSON") from error
    if not isinstance(answer, dict):
        raise WeComUnavailable(f"{path}: the answer is not a JSON object")
    return answer


def errcode_of(answer: Mapping[str, Any]) -> int:
    try:
        return int(answer.get("errcode", 0))
    except (TypeError, ValueError):
        return errors.SYSTEM_BUSY


def _ready(settings: WeComSettings) -> None:
    if not settings.is_ready:
        raise WeComNotConfigured()


# Access token ------------------------------------------------------------------------------------

def _usable(row: WeComAccessToken, now: datetime.datetime, stale: str | None) -> bool:
    """The row's token while it is not within its refresh margin (5 minutes, or a tenth of its life
    when that is shorter) and is not the one a call just refused."""
    if not row.token or row.expires_at is None or row.fetched_at is None or row.token == stale:
        return False
    margin = min(REFRESH_EARLY, (row.expires_at - row.fetched_at) / 10)
    return now < row.expires_at - margin


def access_token(settings: WeComSettings, *, clock: Clock = SYSTEM_CLOCK, stale: str | None = None) -> str:
    """The app's access token: the cached one while usable, else a new one from gettoken, fetched by
    one caller at a time (the others wait on the row's lock and then use it). ``stale``: a token a
    call just refused (40014/42001), which is not used again."""
    _ready(settings)
    assert settings.agent_id is not None  # _ready
    now = clock.now()
    row = WeComAccessToken.objects.filter(corp_id=settings.corp_id, agent_id=settings.agent_id).first()
    if row is not None and _usable(row, now, stale):
        return str(row.token)
    with transaction.atomic():
        WeComAccessToken.objects.get_or_create(corp_id=settings.corp_id, agent_id=settings.agent_id)
        row = WeComAccessToken.objects.select_for_update().get(corp_id=settings.corp_id, agent_id=settings.agent_id)
        now = clock.now()
        if _usable(row, now, stale):  # refreshed by another caller while this one waited for the lock
            return str(row.token)
        answer = _request(settings.api_base, "GET", "/cgi-bin/gettoken",
                          {"corpid": settings.corp_id, "corpsecret": settings.app_secret})
        code = errcode_of(answer)
        token = answer.get("access_token")
        if code != errors.OK or not isinstance(token, str) or not token:
            raise WeComError(code or errors.SYSTEM_BUSY, str(answer.get("errmsg", "no access_token")))
        row.token = token
        row.fetched_at = now
        row.expires_at = now + datetime.timedelta(seconds=int(answer.get("expires_in") or 7200))
        row.save()
        return token


def forget_access_token(*, corp_id: str, agent_id: int | None) -> None:
    """Drop an app's cached token (its secret changed)."""
    if agent_id is not None:
        WeComAccessToken.objects.filter(corp_id=corp_id, agent_id=agent_id).delete()


def _api(settings: WeComSettings, method: str, path: str, *, clock: Clock, params: Mapping[str, Any] | None = None,
         body: Any = None) -> dict[str, Any]:
    """A call with the access token; on 40014/42001 the token is dropped, fetched again and the call
    made once more."""
    token = access_token(settings, clock=clock)
    answer = _request(settings.api_base, method, path, {**(params or {}), "access_token": token}, body)
    if errcode_of(answer) in errors.TOKEN_ERRORS:
        log.info("WeCom refused the access token of %s/%s (%s): fetching a new one", settings.corp_id,
                 settings.agent_id, errcode_of(answer))
        token = access_token(settings, clock=clock, stale=token)
        answer = _request(settings.api_base, method, path, {**(params or {}), "access_token": token}, body)
    return answer


# Per-member limits -------------------------------------------------------------------------------

@dataclass
class Slots:
    """What ``take_slots`` gave: the members a message may go to now, and those over a limit with the
    time a slot frees."""

    granted: list[str]
    deferred: dict[str, datetime.datetime]
    at: datetime.datetime


def _free_at(times: Sequence[datetime.datetime], now: datetime.datetime) -> datetime.datetime | None:
    """When a member with these send times (the last hour's) may be sent to again; None: now."""
    times = sorted(times)
    minute = [t for t in times if t > now - MINUTE]
    waits = []
    if len(minute) >= PER_MINUTE:
        waits.append(minute[len(minute) - PER_MINUTE] + MINUTE)
    if len(times) >= PER_HOUR:
        waits.append(times[len(times) - PER_HOUR] + HOUR)
    return max(waits) if waits else None


def take_slots(settings: WeComSettings, userids: Iterable[str], *, clock: Clock = SYSTEM_CLOCK,
               all_or_nothing: bool = False) -> Slots:
    """Count one send to each member within the limits (30 a minute, 1,000 an hour, per app); a
    member over one is deferred to when a slot frees. The members' rows are locked in order while
    counting, so parallel senders never overshoot together. ``all_or_nothing``: defer everyone when
    one member is over (a card goes to its recipients together)."""
    assert settings.agent_id is not None
    users = list(dict.fromkeys(userids))
    keys = {user: user.lower() for user in users}  # WeCom's user ids are case-insensitive
    with transaction.atomic():
        WeComUserSends.objects.bulk_create(
            [WeComUserSends(corp_id=settings.corp_id, agent_id=settings.agent_id, wecom_userid=key)
             for key in sorted(set(keys.values()))], ignore_conflicts=True)
        rows = {row.wecom_userid: row for row in WeComUserSends.objects.select_for_update().filter(
            corp_id=settings.corp_id, agent_id=settings.agent_id, wecom_userid__in=set(keys.values())).order_by("pk")}
        now = clock.now()
        deferred: dict[str, datetime.datetime] = {}
        for user in users:
            row = rows[keys[user]]
            row.sent_at = [t for t in row.sent_at if t > now - HOUR]
            free = _free_at(row.sent_at, now)
            if free is not None:
                deferred[user] = free
        granted = [user for user in users if user not in deferred]
        if all_or_nothing and deferred:
            wait = max(deferred.values())
            deferred, granted = {user: wait for user in users}, []
        for user in granted:
            rows[keys[user]].sent_at.append(now)
        WeComUserSends.objects.bulk_update(list(rows.values()), ["sent_at", "updated_at"])
    return Slots(granted=granted, deferred=deferred, at=now)


def give_back_slots(settings: WeComSettings, slots: Slots, userids: Iterable[str]) -> None:
    """Undo ``take_slots`` for members a message did not reach after all (WeCom refused the call)."""
    keys = {user.lower() for user in userids}
    if not keys or settings.agent_id is None:
        return
    with transaction.atomic():
        for row in WeComUserSends.objects.select_for_update().filter(
                corp_id=settings.corp_id, agent_id=settings.agent_id, wecom_userid__in=keys).order_by("pk"):
            if slots.at in row.sent_at:
                row.sent_at.remove(slots.at)
                row.save(update_fields=["sent_at", "updated_at"])


def forget_old_sends(*, clock: Clock = SYSTEM_CLOCK) -> int:
    """Delete the counts of members sent nothing for an hour (beat); how many."""
    deleted, _ = WeComUserSends.objects.filter(updated_at__lt=clock.now() - HOUR).delete()
    return deleted


# App messages ------------------------------------------------------------------------------------

@dataclass
class CallResult:
    """WeCom's answer to a call that returns nothing else of use."""

    errcode: int
    errmsg: str
    invalid_users: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.errcode == errors.OK

    @property
    def retryable(self) -> bool:
        return self.errcode in errors.RETRYABLE

    def explain(self) -> str:
        return errors.explain(self.errcode, self.errmsg)


@dataclass
class AppMessageResult(CallResult):
    """WeCom's answer to message/send, and what the limits left for later.

    ``errcode``/``errmsg`` WeCom's (0 also when every recipient was deferred and nothing was sent),
    ``msgid`` to recall the message, ``response_code`` to update a card once, ``sent_to`` the members
    it went to, ``invalid_users`` those WeCom did not know or may not reach (``invaliduser``, or every
    recipient on 81013), ``deferred_users`` those over a limit, to send to at ``retry_at``."""

    msgid: str = ""
    response_code: str = ""
    sent_to: list[str] = field(default_factory=list)
    deferred_users: list[str] = field(default_factory=list)
    retry_at: datetime.datetime | None = None

    @property
    def complete(self) -> bool:
        """Sent, with nobody deferred."""
        return self.ok and not self.deferred_users


def message_body(settings: WeComSettings, *, userids: Sequence[str], msgtype: AppMsgType,
                 content: str | Mapping[str, Any]) -> dict[str, Any]:
    """message/send's body: text and markdown ``content`` a string (cut to 2,048 bytes, WeCom's limit
    for both in app messages), a card the ``template_card`` object as WeCom documents it."""
    body: dict[str, Any] = {"touser": "|".join(userids), "msgtype": msgtype, "agentid": settings.agent_id}
    if msgtype in ("text", "markdown"):
        if not isinstance(content, str):
            raise TypeError(f"a {msgtype} message's content is a string")
        body[msgtype] = {"content": cut_to_bytes(content, TEXT_BYTES)}
    elif msgtype == "template_card":
        if not isinstance(content, Mapping):
            raise TypeError("a template card is a mapping (WeCom's template_card object)")
        body["template_card"] = dict(content)
    else:
        raise ValueError(f"unknown app message type {msgtype!r}")
    return body


def split_users(value: Any) -> list[str]:
    return [user for user in str(value or "").split("|") if user]


def send_app_message(settings: WeComSettings, *, userids: Sequence[str], msgtype: AppMsgType,
                     content: str | Mapping[str, Any], clock: Clock = SYSTEM_CLOCK) -> AppMessageResult:
    """Send an app message (text, markdown or template_card) to WeCom members, within the limits per
    member (those over one are left out and reported as ``deferred_users`` with ``retry_at``; a card
    waits for all its recipients together). Raises ``WeComNotConfigured`` and ``WeComUnavailable``
    (nothing was counted against the limits then)."""
    _ready(settings)
    users = list(dict.fromkeys(user for user in userids if user))
    if not users:
        raise ValueError("an app message needs at least one recipient")
    body = message_body(settings, userids=users, msgtype=msgtype, content=content)
    slots = take_slots(settings, users, clock=clock, all_or_nothing=msgtype == "template_card")
    retry_at = max(slots.deferred.values()) if slots.deferred else None
    if not slots.granted:
        return AppMessageResult(errcode=errors.OK, errmsg="deferred", deferred_users=list(slots.deferred),
                                retry_at=retry_at)
    body["touser"] = "|".join(slots.granted)
    try:
        answer = _api(settings, "POST", "/cgi-bin/message/send", clock=clock, body=body)
    except WeComError:
        give_back_slots(settings, slots, slots.granted)
        raise
    code = errcode_of(answer)
    invalid = split_users(answer.get("invaliduser"))
    if code == errors.ALL_RECIPIENTS_INVALID and not invalid:
        invalid = [user.lower() for user in slots.granted]
    invalid_keys = set(invalid)
    reached = [user for user in slots.granted if user.lower() not in invalid_keys] if code == errors.OK else []
    give_back_slots(settings, slots, [user for user in slots.granted if user not in reached])
    return AppMessageResult(errcode=code, errmsg=str(answer.get("errmsg", "")), msgid=str(answer.get("msgid", "")),
                            response_code=str(answer.get("response_code", "")), sent_to=reached,
                            invalid_users=invalid, deferred_users=list(slots.deferred), retry_at=retry_at)


def update_template_card(settings: WeComSettings, *, userids: Sequence[str], response_code: str,
                         card: Mapping[str, Any] | None = None, replace_name: str | None = None,
                         clock: Clock = SYSTEM_CLOCK) -> CallResult:
    """Update a card WeCom's ``response_code`` names (from message/send or from the click's callback;
    each code works once): its button greyed out with ``replace_name`` ("已核准"), or the whole card
    replaced by ``card`` (a template_card object)."""
    _ready(settings)
    if (card is None) == (replace_name is None):
        raise ValueError("give either a new card or the button's replace_name")
    body: dict[str, Any] = {"userids": list(userids), "agentid": settings.agent_id, "response_code": response_code}
    if card is not None:
        body["template_card"] = dict(card)
    else:
        body["button"] = {"replace_name": replace_name}
    answer = _api(settings, "POST", "/cgi-bin/message/update_template_card", clock=clock, body=body)
    return CallResult(errcode=errcode_of(answer), errmsg=str(answer.get("errmsg", "")),
                      invalid_users=split_users(answer.get("invaliduser")))


def user_id_from_code(settings: WeComSettings, code: str, *, clock: Clock = SYSTEM_CLOCK) -> str:
    """The UserId of the member an OAuth or QR sign-in ``code`` names (auth/getuserinfo). Raises
    ``WeComNotMember`` for someone outside the corp (WeCom gives an openid), ``WeComError`` (40029) for a
    bad or used code, ``WeComUnavailable`` when WeCom cannot be asked."""
    answer = _api(settings, "GET", "/cgi-bin/auth/getuserinfo", clock=clock, params={"code": code})
    errcode = errcode_of(answer)
    if errcode != errors.OK:
        raise WeComError(errcode, str(answer.get("errmsg", "")))
    userid = answer.get("userid") or answer.get("UserId")  # the older user/getuserinfo spelled it UserId
    if isinstance(userid, str) and userid:
        return userid
    raise WeComNotMember(str(answer.get("openid") or answer.get("OpenId") or ""))


# Group robot -------------------------------------------------------------------------------------

def robot_post(api_base: str, key: str, msgtype: str, payload: Mapping[str, Any]) -> CallResult:
    """One post to a group robot's webhook: ``payload`` the part of the body its ``msgtype`` names
    ({"content": …} or {"articles": […]}). Raises ``WeComUnavailable``; WeCom's refusals (93000,
    45009…) come back as the result's errcode."""
    answer = _request(api_base, "POST", "/cgi-bin/webhook/send", {"key": key},
                      {"msgtype": msgtype, msgtype: dict(payload)})
    return CallResult(errcode=errcode_of(answer), errmsg=str(answer.get("errmsg", "")))
