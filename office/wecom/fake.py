"""A fake WeCom server of our own (standard library ``ThreadingHTTPServer`` on 127.0.0.1), for the tests
(tests/office/conftest.py's ``fake_wecom`` fixture) and for `WECOM_FAKE=1 make run` (scripts/run.py
starts ``python -m office.wecom.fake`` and points the companies' WeCom settings at it). Never the real
WeCom in a test.

It answers as WeCom does (office.wecom.client cites the pages):

- ``GET /cgi-bin/gettoken?corpid&corpsecret``: a token living ``token_ttl`` seconds (7,200; a test
  makes it 2) on the fake's clock; ``gettoken_calls`` counts the calls. 40013 for an unknown corp,
  40001 for a wrong secret.
- ``POST /cgi-bin/message/send``: recorded in ``messages``; unknown members come back in
  ``invaliduser`` (all unknown: 81013); more than 30 a minute or 1,000 an hour to a member: 45009; a
  card with buttons gets a ``response_code``.
- ``POST /cgi-bin/webhook/send?key=``: recorded in ``robot_posts``; an unknown key: 93000; more than 20
  a minute for a key: 45009.
- ``POST /cgi-bin/message/update_template_card``: a ``response_code`` works once (then 40035).
- ``GET /cgi-bin/auth/getuserinfo?code=``: the codes ``issue_code()`` made, once each (then 40029).
- An expired token answers 42001, a revoked one (``revoke_tokens()``) 40014.

Switches: ``stop()``/``start()`` (connection refused in between; it comes back on the same port),
``down = 503`` (any HTTP status: every request answered with it), ``delay`` (seconds each answer
takes), ``fail_next(path, errcode)`` (the next calls of a path answer an error such as 45033 or -1),
``expire_tokens()``/``revoke_tokens()``.

And WeCom's side of the callback: ``click_button()`` builds the ``template_card_event`` XML WeCom
posts when a member taps a card's button (path/90376, 模板卡片事件推送: ToUserName, FromUserName,
CreateTime, MsgType=event, Event=template_card_event, EventKey, TaskId, CardType, ResponseCode,
AgentID), encrypts it with office.wecom.crypto, signs it and POSTs ``<xml><ToUserName/><AgentID/>
<Encrypt/></xml>`` with ``msg_signature``, ``timestamp`` and ``nonce``; ``verify_url()`` makes the GET
with an encrypted ``echostr`` WeCom sends when the callback URL is saved; ``read_reply()`` opens an app's
encrypted passive reply as WeCom would.

And pages for a person trying `WECOM_FAKE=1 make run` in a browser (office.wecom.fake_pages):

- ``/``: what the fake received; each approval card (a ``button_interaction`` template card) with its
  buttons, one per recipient: a tap POSTs ``/fake/click`` and the fake makes the signed
  template_card_event callback (``click_card``) to the app registered with ``configure()``; the card's
  later updates (update_template_card: "已核准") beside it.
- ``/wwlogin/sso/login`` (the QR login of a browser) and ``/connect/oauth2/authorize`` (OAuth inside the
  WeCom client): the corp's members, each with a "scan as"/"sign in as" button that issues a code and
  sends the browser to the ``redirect_uri`` given with ``code`` and the same ``state``; in open mode any
  WeCom user id may be typed. A ``redirect_uri`` that is missing, not http(s) or on a host the fake does
  not trust (the loopback's and the registered callbacks' hosts: WeCom's 可信域名) is refused.
- ``POST /fake/configure`` (JSON, from the loopback only): an app's callback URL, token,
  EncodingAESKey, corp id, secret and members (``manage.py wecom_fake_setup --callback-base`` sends it).

The fake's own state is guarded by one lock; a test reads it (``messages``, ``robot_posts``…) through
``snapshot`` copies or directly after its calls returned.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from xml.sax.saxutils import escape

from office.wecom.crypto import WeComCrypto

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
CARDS_WITH_CODES = {"button_interaction", "vote_interaction", "multiple_interaction"}


class Clock(Protocol):
    def now(self) -> datetime.datetime: ...


class UtcClock:
    """The real time, without Django (`make run` starts the fake as a process of its own)."""

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)


@dataclass
class CallbackResponse:
    """What the app answered to a callback, and what was sent (to replay it)."""

    status: int
    body: str
    url: str
    payload: bytes = b""
    query: dict[str, str] = field(default_factory=dict)
    plaintext: str = ""


class Client(Protocol):
    """Django's test client, as far as the callback client uses it."""

    def get(self, path: str, data: Any = ..., **extra: Any) -> Any: ...

    def post(self, path: str, data: Any = ..., content_type: str = ..., **extra: Any) -> Any: ...


@dataclass
class App:
    """An app of the ERP as WeCom knows it, for the callbacks the fake makes (``configure()``)."""

    callback_url: str
    token: str
    encoding_aes_key: str
    corp_id: str
    corp_secret: str = ""
    agent_id: int | None = None
    users: list[str] = field(default_factory=list)


class FakeError(Exception):
    """A page of the fake refuses a request (the message is shown to the person)."""


class FakeWeCom:
    """One corp with one app (``corp_id``, ``corp_secret``, ``agent_id``), its members (``users``) and
    group robots (``robot_keys``). ``open_mode`` (`make run`): any corp, secret, member and robot key is
    accepted, except keys listed in ``invalid_robot_keys``."""

    def __init__(self, *, corp_id: str = "wwfake000000000001", corp_secret: str = "fake-corp-secret-0001",
                 agent_id: int = 1000002, users: Iterable[str] = ("zhangsan", "lisi", "wangwu"),
                 robot_keys: Iterable[str] = (), token_ttl: int = 7200, clock: Clock | None = None,
                 open_mode: bool = False, port: int = 0) -> None:
        self.corp_id = corp_id
        self.corp_secret = corp_secret
        self.agent_id = agent_id
        self.users = {user.lower() for user in users}
        self.robot_keys = set(robot_keys)
        self.invalid_robot_keys: set[str] = set()
        self.token_ttl = token_ttl
        self.clock: Clock = clock or UtcClock()
        self.open_mode = open_mode
        self.port = port
        self.lock = threading.RLock()
        self.tokens: dict[str, tuple[datetime.datetime, str]] = {}  # token -> (expires at, "ok"/"revoked")
        self.gettoken_calls = 0
        self.messages: list[dict[str, Any]] = []
        self.robot_posts: list[dict[str, Any]] = []
        self.card_updates: list[dict[str, Any]] = []
        self.response_codes: dict[str, dict[str, Any]] = {}  # code -> {"used": bool, "task_id": …}
        self.oauth_codes: dict[str, dict[str, str]] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request answered
        self.down: int | None = None  # an HTTP status to answer everything with
        self.delay = 0.0  # seconds every answer takes (a slow WeCom)
        self.failures: dict[str, deque[tuple[int, str]]] = defaultdict(deque)
        self.user_sends: dict[str, list[datetime.datetime]] = defaultdict(list)
        self.robot_sends: dict[str, list[datetime.datetime]] = defaultdict(list)
        self.apps: dict[str, App] = {}  # corp secret ("" when not given) -> the app to call back
        self.token_secrets: dict[str, str] = {}  # access token -> the secret it was issued for
        self.message_apps: dict[str, str] = {}  # msgid -> the secret of the app that sent it
        self.clicks: list[dict[str, Any]] = []  # buttons tapped on the index page, and what the app answered
        self.trusted_hosts: set[str] = {"127.0.0.1", "localhost", "::1"}  # where sign-in may redirect to
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Serving -------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeWeCom:
        """Listen on 127.0.0.1 (a free port the first time, the same one after ``stop()``)."""
        if self._server is not None:
            return self
        fake = self

        class Handler(FakeHandler):
            server_fake = fake

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-wecom-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: calls are refused until ``start()``."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeWeCom:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Switches ------------------------------------------------------------------------------------

    def fail_next(self, path: str, errcode: int, errmsg: str = "simulated", times: int = 1) -> None:
        """The next ``times`` calls of ``path`` (e.g. "/cgi-bin/message/send") answer ``errcode``."""
        with self.lock:
            self.failures[path].extend([(errcode, errmsg)] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far has expired (42001 when used)."""
        with self.lock:
            past = self.clock.now() - datetime.timedelta(seconds=1)
            self.tokens = {token: (past, state) for token, (_expires, state) in self.tokens.items()}

    def revoke_tokens(self) -> None:
        """Every token issued so far is invalid (40014 when used), as WeCom may do before they expire."""
        with self.lock:
            self.tokens = {token: (expires, "revoked") for token, (expires, _state) in self.tokens.items()}

    def add_user(self, userid: str) -> None:
        with self.lock:
            self.users.add(userid.lower())

    def add_robot(self, key: str) -> None:
        with self.lock:
            self.robot_keys.add(key)
            self.invalid_robot_keys.discard(key)

    def remove_robot(self, key: str) -> None:
        with self.lock:
            self.robot_keys.discard(key)
            self.invalid_robot_keys.add(key)

    def issue_code(self, userid: str | None = None, *, openid: str | None = None) -> str:
        """An OAuth/QR sign-in code for a member (``userid``) or for someone outside the corp
        (``openid``), usable once with auth/getuserinfo."""
        if (userid is None) == (openid is None):
            raise ValueError("a code is for a userid or an openid")
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.oauth_codes[code] = {"userid": userid} if userid is not None else {"openid": openid or ""}
        return code

    def configure(self, app: App) -> None:
        """Register an app of the ERP: where its callbacks go, with which token, key and corp id; its
        members are listed on the sign-in pages; its callback URL's host is trusted for sign-in."""
        with self.lock:
            self.apps[app.corp_secret] = app
            self.users.update(user.lower() for user in app.users)
            host = urllib.parse.urlsplit(app.callback_url).hostname
            if host:
                self.trusted_hosts.add(host)

    def members(self) -> list[str]:
        """The corp's members the sign-in pages list: the ones it was given and the registered apps'."""
        with self.lock:
            return sorted(self.users)

    def app_for(self, msgid: str) -> App | None:
        """The registered app that sent message ``msgid`` (by the secret of its access token), or the only
        registered app."""
        with self.lock:
            secret = self.message_apps.get(msgid)
            if secret is not None and secret in self.apps:
                return self.apps[secret]
            return next(iter(self.apps.values())) if len(self.apps) == 1 else None

    def click_card(self, msgid: str, *, event_key: str, from_user: str,
                   client: Client | None = None) -> CallbackResponse:
        """Tap button ``event_key`` of the approval card sent as ``msgid`` as its recipient ``from_user``: the
        template_card_event posted to the registered app's callback URL (``click_button``). FakeError
        when there is no such card, button or recipient, or no app to call back."""
        with self.lock:
            message = next((m for m in self.messages if m["msgid"] == msgid), None)
        card = card_of(message["body"]) if message is not None else None
        if message is None or card is None:
            raise FakeError(f"no approval card {msgid}")
        if event_key not in [str(button.get("key")) for button in card.get("button_list") or []]:
            raise FakeError(f"the card has no button {event_key}")
        if from_user not in message["to"]:
            raise FakeError(f"the card was not sent to {from_user}")
        app = self.app_for(msgid)
        if app is None:
            raise FakeError("no app registered (manage.py wecom_fake_setup --callback-base …): nowhere to call back")
        response = self.click_button(app.callback_url, token=app.token, encoding_aes_key=app.encoding_aes_key,
                                     corp_id=app.corp_id, from_user=from_user, task_id=str(card.get("task_id", "")),
                                     event_key=event_key, agent_id=app.agent_id, client=client)
        with self.lock:
            self.clicks.append({"at": self.clock.now(), "msgid": msgid, "key": event_key, "from": from_user,
                                "status": response.status, "body": response.body[:200]})
        return response

    def redirect_problem(self, redirect_uri: str, state: str) -> str | None:
        """Why WeCom would not send the browser to ``redirect_uri`` with ``state``, or None."""
        if not redirect_uri:
            return "redirect_uri is missing"
        parts = urllib.parse.urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "redirect_uri is not an http(s) address"
        with self.lock:
            trusted = parts.hostname in self.trusted_hosts
        if not trusted:
            return f"redirect_uri's host {parts.hostname} is not a trusted domain of the app"
        if len(state) > 128 or not state.isascii() or not (state == "" or state.isalnum()):
            return "state is at most 128 letters and digits"
        return None

    def signin_redirect(self, *, redirect_uri: str, state: str, userid: str) -> str:
        """Where the browser goes after ``userid`` scanned (or signed in): ``redirect_uri`` with a fresh
        ``code`` and the same ``state``. FakeError for a refused address, state or member."""
        if (problem := self.redirect_problem(redirect_uri, state)) is not None:
            raise FakeError(problem)
        userid = userid.strip()
        if not userid or len(userid) > 64:
            raise FakeError("a WeCom user id is 1 to 64 characters")
        if not self.open_mode and userid.lower() not in self.users:
            raise FakeError(f"{userid} is not a member of the corp")
        code = self.issue_code(userid)
        separator = "&" if urllib.parse.urlsplit(redirect_uri).query else "?"
        return f"{redirect_uri}{separator}{urllib.parse.urlencode({'code': code, 'state': state})}"

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"messages": list(self.messages), "robot_posts": list(self.robot_posts),
                    "card_updates": list(self.card_updates), "gettoken_calls": self.gettoken_calls}

    # The API -------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: Mapping[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for one request."""
        with self.lock:
            self.requests.append((method, path))
            if self.down is not None:
                return self.down, {"errcode": -1, "errmsg": "simulated outage"}
            if self.failures[path]:
                errcode, errmsg = self.failures[path].popleft()
                return 200, {"errcode": errcode, "errmsg": errmsg}
            routes: dict[tuple[str, str], Callable[[Mapping[str, str], Any], dict[str, Any]]] = {
                ("GET", "/cgi-bin/gettoken"): self._gettoken,
                ("POST", "/cgi-bin/message/send"): self._message_send,
                ("POST", "/cgi-bin/webhook/send"): self._webhook_send,
                ("POST", "/cgi-bin/message/update_template_card"): self._update_card,
                ("GET", "/cgi-bin/auth/getuserinfo"): self._getuserinfo,
                ("GET", "/fake/state"): lambda query, body: self.snapshot(),
            }
            route = routes.get((method, path))
            if route is None:
                return 404, {"errcode": 404, "errmsg": "no such API in the fake"}
            return 200, route(query, body)

    def _gettoken(self, query: Mapping[str, str], body: Any) -> dict[str, Any]:
        self.gettoken_calls += 1
        if not self.open_mode:
            if query.get("corpid") != self.corp_id:
                return {"errcode": 40013, "errmsg": "invalid corpid"}
            if query.get("corpsecret") != self.corp_secret:
                return {"errcode": 40001, "errmsg": "invalid credential"}
        token = "fake-" + secrets.token_urlsafe(24)
        self.token_secrets[token] = query.get("corpsecret", "")
        self.tokens[token] = (self.clock.now() + datetime.timedelta(seconds=self.token_ttl), "ok")
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.token_ttl}

    def _token_error(self, query: Mapping[str, str]) -> dict[str, Any] | None:
        known = self.tokens.get(query.get("access_token", ""))
        if known is None or known[1] == "revoked":
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if known[0] <= self.clock.now():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def _over_limit(self, times: list[datetime.datetime], per_minute: int, per_hour: int | None) -> bool:
        now = self.clock.now()
        times[:] = [t for t in times if t > now - HOUR]
        minute = sum(1 for t in times if t > now - MINUTE)
        return minute >= per_minute or (per_hour is not None and len(times) >= per_hour)

    def _message_send(self, query: Mapping[str, str], body: Any) -> dict[str, Any]:
        if (refused := self._token_error(query)) is not None:
            return refused
        if not isinstance(body, dict) or body.get("msgtype") not in ("text", "markdown", "template_card", "news",
                                                                     "textcard"):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if not self.open_mode and body.get("agentid") != self.agent_id:
            return {"errcode": 40056, "errmsg": "invalid agentid"}
        recipients = [user for user in str(body.get("touser", "")).split("|") if user]
        valid = [user for user in recipients if self.open_mode or user.lower() in self.users]
        invalid = [user.lower() for user in recipients if user not in valid]
        if not valid:
            return {"errcode": 81013, "errmsg": "user & party & tag all invalid", "invaliduser": "|".join(invalid)}
        if any(self._over_limit(self.user_sends[user.lower()], 30, 1000) for user in valid):
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        now = self.clock.now()
        for user in valid:
            self.user_sends[user.lower()].append(now)
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid),
                                  "msgid": f"fake-msg-{next(self._ids)}"}
        card = body.get("template_card") if body.get("msgtype") == "template_card" else None
        if isinstance(card, dict) and card.get("card_type") in CARDS_WITH_CODES:
            code = self._new_response_code(task_id=str(card.get("task_id", "")), userids=valid)
            answer["response_code"] = code
        self.message_apps[answer["msgid"]] = self.token_secrets.get(query.get("access_token", ""), "")
        if self.open_mode:
            self.users.update(user.lower() for user in valid)  # seen: listed on the sign-in pages
        self.messages.append({"at": now, "to": valid, "body": body, "msgid": answer["msgid"],
                              "response_code": answer.get("response_code", "")})
        return answer

    def _new_response_code(self, *, task_id: str, userids: list[str]) -> str:
        code = "fake-rc-" + secrets.token_urlsafe(16)
        self.response_codes[code] = {"used": False, "task_id": task_id, "userids": userids}
        return code

    def _webhook_send(self, query: Mapping[str, str], body: Any) -> dict[str, Any]:
        key = query.get("key", "")
        known = key in self.robot_keys or (self.open_mode and key and key not in self.invalid_robot_keys)
        if not known:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        if not isinstance(body, dict) or body.get("msgtype") not in ("text", "markdown", "news", "image", "file",
                                                                     "template_card", "markdown_v2"):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if self._over_limit(self.robot_sends[key], 20, None):
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        now = self.clock.now()
        self.robot_sends[key].append(now)
        self.robot_posts.append({"at": now, "key": key, "body": body})
        return {"errcode": 0, "errmsg": "ok"}

    def _update_card(self, query: Mapping[str, str], body: Any) -> dict[str, Any]:
        if (refused := self._token_error(query)) is not None:
            return refused
        code = str(body.get("response_code", "")) if isinstance(body, dict) else ""
        known = self.response_codes.get(code)
        if known is None or known["used"]:
            return {"errcode": 40035, "errmsg": "invalid response_code (unknown or already used)"}
        known["used"] = True
        self.card_updates.append({"at": self.clock.now(), "task_id": known["task_id"], "body": body})
        return {"errcode": 0, "errmsg": "ok", "invaliduser": []}

    def _getuserinfo(self, query: Mapping[str, str], body: Any) -> dict[str, Any]:
        if (refused := self._token_error(query)) is not None:
            return refused
        who = self.oauth_codes.pop(query.get("code", ""), None)
        if who is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"errcode": 0, "errmsg": "ok", **who}

    # WeCom's callbacks ---------------------------------------------------------------------------

    def click_button(self, callback_url: str, *, token: str, encoding_aes_key: str, corp_id: str, from_user: str,
                     task_id: str, event_key: str, card_type: str = "button_interaction",
                     agent_id: int | None = None, response_code: str | None = None, timestamp: str | None = None,
                     nonce: str | None = None, client: Client | None = None) -> CallbackResponse:
        """Tap a card's button as ``from_user``: POST the encrypted, signed template_card_event to the
        app's callback URL (over HTTP, or through Django's test ``client``). The click carries a new
        ``response_code`` (the fake accepts it once for update_template_card) unless one is given."""
        agent = self.agent_id if agent_id is None else agent_id
        code = response_code or self._new_response_code_locked(task_id=task_id, userids=[from_user])
        created = str(int(self.clock.now().timestamp()))
        xml = ("<xml>"
               f"<ToUserName><![CDATA[{corp_id}]]></ToUserName>"
               f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
               f"<CreateTime>{created}</CreateTime>"
               "<MsgType><![CDATA[event]]></MsgType>"
               "<Event><![CDATA[template_card_event]]></Event>"
               f"<EventKey><![CDATA[{event_key}]]></EventKey>"
               f"<TaskId><![CDATA[{task_id}]]></TaskId>"
               f"<CardType><![CDATA[{card_type}]]></CardType>"
               f"<ResponseCode><![CDATA[{code}]]></ResponseCode>"
               f"<AgentID>{agent}</AgentID>"
               "</xml>")
        return self.post_event(callback_url, xml, token=token, encoding_aes_key=encoding_aes_key, corp_id=corp_id,
                               agent_id=agent, timestamp=timestamp, nonce=nonce, client=client)

    def _new_response_code_locked(self, *, task_id: str, userids: list[str]) -> str:
        with self.lock:
            return self._new_response_code(task_id=task_id, userids=userids)

    def post_event(self, callback_url: str, plaintext: str, *, token: str, encoding_aes_key: str, corp_id: str,
                   agent_id: int | None = None, timestamp: str | None = None, nonce: str | None = None,
                   client: Client | None = None) -> CallbackResponse:
        """POST any event's plaintext XML to the callback URL, encrypted and signed as WeCom does."""
        crypto = WeComCrypto(token, encoding_aes_key, corp_id)
        encrypted = crypto.encrypt(plaintext)
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(8)
        query = {"msg_signature": crypto.sign(encrypted, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        agent = self.agent_id if agent_id is None else agent_id
        payload = (f"<xml><ToUserName><![CDATA[{escape(corp_id)}]]></ToUserName>"
                   f"<AgentID><![CDATA[{agent}]]></AgentID>"
                   f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>").encode()
        status, body, url = _send(callback_url, query, payload, client)
        return CallbackResponse(status=status, body=body, url=url, payload=payload, query=query, plaintext=plaintext)

    def verify_url(self, callback_url: str, *, token: str, encoding_aes_key: str, corp_id: str,
                   echo: str | None = None, client: Client | None = None) -> CallbackResponse:
        """WeCom's check of a callback URL being saved: a GET with the encrypted ``echostr``; the app must
        answer with its plaintext (``CallbackResponse.plaintext``)."""
        crypto = WeComCrypto(token, encoding_aes_key, corp_id)
        echo = echo or str(secrets.randbelow(10**19))
        echostr = crypto.encrypt(echo)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        query = {"msg_signature": crypto.sign(echostr, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                 "echostr": echostr}
        status, body, url = _send(callback_url, query, None, client)
        return CallbackResponse(status=status, body=body, url=url, query=query, plaintext=echo)


def card_of(body: Any) -> dict[str, Any] | None:
    """The approval card (a template card with buttons) of a message/send body, or None."""
    card = body.get("template_card") if isinstance(body, dict) and body.get("msgtype") == "template_card" else None
    return card if isinstance(card, dict) and card.get("card_type") == "button_interaction" else None


def read_reply(body: str, *, token: str, encoding_aes_key: str, corp_id: str) -> str:
    """What WeCom reads from an app's encrypted passive reply (``<xml><Encrypt/><MsgSignature/><TimeStamp/>
    <Nonce/></xml>``): the signature checked, the plaintext XML decrypted (WeComCryptoError otherwise)."""
    import xml.etree.ElementTree as ElementTree  # the reply is the app's, a trusted test input

    root = ElementTree.fromstring(body)

    def text(tag: str) -> str:
        return root.findtext(tag) or ""

    crypto = WeComCrypto(token, encoding_aes_key, corp_id)
    return crypto.decrypt_message(text("MsgSignature"), text("TimeStamp"), text("Nonce"), text("Encrypt"))


def _send(callback_url: str, query: Mapping[str, str], payload: bytes | None,
          client: Client | None) -> tuple[int, str, str]:
    separator = "&" if "?" in callback_url else "?"
    url = f"{callback_url}{separator}{urllib.parse.urlencode(query)}"
    if client is not None:
        if payload is None:
            response = client.get(url)
        else:
            response = client.post(url, data=payload, content_type="text/xml")
        return int(response.status_code), response.content.decode("utf-8", errors="replace"), url
    request = urllib.request.Request(url, data=payload, method="GET" if payload is None else "POST",
                                     headers={"Content-Type": "text/xml; charset=utf-8"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status), response.read().decode("utf-8", errors="replace"), url
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode("utf-8", errors="replace"), url


PAGES = {("GET", "/"), ("POST", "/fake/click"), ("POST", "/fake/configure"),
         ("GET", "/wwlogin/sso/login"), ("POST", "/wwlogin/sso/login"),
         ("GET", "/connect/oauth2/authorize"), ("POST", "/connect/oauth2/authorize")}


class FakeHandler(BaseHTTPRequestHandler):
    server_fake: FakeWeCom
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and `make run` read the fake's state
        pass

    def _answer(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if (method, parts.path) in PAGES:
            from office.wecom import fake_pages

            headers = {name: self.headers.get(name, "") for name in ("Origin", "Content-Type")}
            status, content_type, extra, data = fake_pages.answer(self.server_fake, method, parts.path, query, raw,
                                                                  headers, self.client_address[0])
            return self._send(status, data, content_type, extra)
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            body = None
        if self.server_fake.delay:
            time.sleep(self.server_fake.delay)
        status, answer = self.server_fake.handle(method, parts.path, query, body)
        data = json.dumps(answer, ensure_ascii=False, default=str).encode("utf-8")
        self._send(status, data, "application/json; charset=utf-8", {})

    def _send(self, status: int, data: bytes, content_type: str, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's names)
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")


def main(argv: list[str] | None = None) -> None:
    """`python -m office.wecom.fake --port 8025`: serve in open mode until stopped (scripts/run.py)."""
    parser = argparse.ArgumentParser(description="A fake WeCom server for development (never for production).")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WECOM_FAKE_PORT", "8025")))
    args = parser.parse_args(argv)
    fake = FakeWeCom(open_mode=True, port=args.port, users=()).start()
    print(f"fake WeCom on {fake.url}/ (what it received: {fake.url}/)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":  # run the importable module's main: its classes are the ones fake_pages knows
    from office.wecom.fake import main as module_main

    module_main()
