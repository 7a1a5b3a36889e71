"""The fake WeCom server's pages for a person trying `WECOM_FAKE=1 make run` (office.wecom.fake serves
them): what it received with the approval cards' buttons, WeCom's QR login and OAuth pages, and the
``/fake/configure`` endpoint ``manage.py wecom_fake_setup`` registers the ERP's app with. Standard library
only; every value shown is escaped; a POST from another site's page (its ``Origin``) or from anywhere
but the loopback is refused.

The sign-in pages behave as WeCom's (developer.work.weixin.qq.com path/98152 企业微信Web登录 and
path/91022 构造网页授权链接): after the member scanned (here: pressed "scan as <id>"), the browser goes
to ``redirect_uri?code=CODE&state=STATE``; ``code`` works once with auth/getuserinfo."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from html import escape
from typing import Any

from office.wecom.fake import App, FakeError, FakeWeCom, card_of

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
LOOPBACK = {"127.0.0.1", "::1"}
QR_PATH = "/wwlogin/sso/login"
OAUTH_PATH = "/connect/oauth2/authorize"
Answer = tuple[int, str, dict[str, str], bytes]

STYLE = ("<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
         ".card{border:1px solid #ccc;border-radius:.5rem;padding:.5rem 1rem;margin:.5rem 0}"
         ".done{color:#080;font-weight:bold}form{display:inline}button{margin:.15rem}"
         "code{font-size:.8em;word-break:break-all}.error{color:#b00}</style>")


def answer(fake: FakeWeCom, method: str, path: str, query: Mapping[str, str], raw: bytes,
           headers: Mapping[str, str], client_host: str) -> Answer:
    """(status, content type, extra headers, body) of one page request."""
    if method == "POST":
        origin = headers.get("Origin")
        if client_host not in LOOPBACK or (origin and origin not in (fake.url, f"http://localhost:{fake.port}")):
            return page(403, "Refused", "<p class=error>The fake WeCom takes POSTs from its own pages on the "
                                        "loopback only.</p>")
        if path == "/fake/configure":
            return configure(fake, raw, headers)
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", errors="replace")))
        if path == "/fake/click":
            return click(fake, form)
        return signin_post(fake, path, form)
    if path == "/":
        return index(fake)
    return signin_page(fake, path, query)


def page(status: int, title: str, body: str, headers: dict[str, str] | None = None) -> Answer:
    html = (f"<!doctype html><meta charset=utf-8><title>{escape(title)} · Fake WeCom</title>{STYLE}"
            f"<h1>{escape(title)}</h1>{body}")
    return status, HTML, headers or {}, html.encode("utf-8")


def redirect(location: str, status: int = 302) -> Answer:
    return status, HTML, {"Location": location}, b""


def configure(fake: FakeWeCom, raw: bytes, headers: Mapping[str, str]) -> Answer:
    """Register an app: ``{"callback_url", "token", "encoding_aes_key", "corp_id", "corp_secret", "agent_id",
    "users"}`` as JSON (a form from another site cannot send JSON without asking first)."""
    def refused(message: str) -> Answer:
        return 400, JSON, {}, json.dumps({"errcode": 40058, "errmsg": message}).encode()

    if not headers.get("Content-Type", "").startswith("application/json"):
        return refused("send JSON")
    try:
        data = json.loads(raw.decode("utf-8"))
        app = App(callback_url=str(data["callback_url"]), token=str(data["token"]),
                  encoding_aes_key=str(data["encoding_aes_key"]), corp_id=str(data["corp_id"]),
                  corp_secret=str(data.get("corp_secret", "")),
                  agent_id=int(data["agent_id"]) if data.get("agent_id") is not None else None,
                  users=[str(user) for user in data.get("users", [])])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return refused("callback_url, token, encoding_aes_key and corp_id are required")
    if urllib.parse.urlsplit(app.callback_url).scheme not in ("http", "https"):
        return refused("callback_url is not an http(s) address")
    fake.configure(app)
    return 200, JSON, {}, json.dumps({"errcode": 0, "errmsg": "ok"}).encode()


def click(fake: FakeWeCom, form: Mapping[str, str]) -> Answer:
    try:
        fake.click_card(form.get("msgid", ""), event_key=form.get("key", ""), from_user=form.get("userid", ""))
    except FakeError as error:
        return page(400, "Not tapped", f"<p class=error>{escape(str(error))}</p><p><a href='/'>Back</a></p>")
    except OSError as error:  # the app is not listening
        return page(502, "Not tapped", f"<p class=error>The app could not be reached: {escape(str(error))}</p>"
                                       "<p><a href='/'>Back</a></p>")
    return redirect("/#clicks", 303)


def signin_page(fake: FakeWeCom, path: str, query: Mapping[str, str]) -> Answer:
    """WeCom's QR login page (``/wwlogin/sso/login``) or OAuth page (``/connect/oauth2/authorize``): the
    members, each a button that signs in as them."""
    redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
    qr = path == QR_PATH
    title = "Scan the QR code with WeCom" if qr else "Sign in with WeCom"
    if (problem := fake.redirect_problem(redirect_uri, state)) is not None:
        return page(400, title, f"<p class=error>Refused: {escape(problem)}.</p>")
    verb = "Scan as" if qr else "Sign in as"
    hidden = "".join(f"<input type=hidden name={name} value='{escape(query.get(name, ''))}'>"
                     for name in ("redirect_uri", "state", "appid", "agentid"))
    buttons = "".join(f"<li><form method=post>{hidden}<input type=hidden name=userid value='{escape(userid)}'>"
                      f"<button>{verb} {escape(userid)}</button></form></li>" for userid in fake.members())
    typed = (f"<form method=post>{hidden}<label>WeCom user ID <input name=userid required maxlength=64></label> "
             f"<button>{verb}</button></form>") if fake.open_mode else ""
    body = (f"<p>Corp {escape(query.get('appid', ''))}, app {escape(query.get('agentid', ''))}. After the "
            f"{'scan' if qr else 'sign-in'}, WeCom sends you back to <code>{escape(redirect_uri)}</code>.</p>"
            f"<h2>Members</h2><ul>{buttons or '<li>none known yet</li>'}</ul>{typed}")
    return page(200, title, body)


def signin_post(fake: FakeWeCom, path: str, form: Mapping[str, str]) -> Answer:
    try:
        location = fake.signin_redirect(redirect_uri=form.get("redirect_uri", ""), state=form.get("state", ""),
                                        userid=form.get("userid", ""))
    except FakeError as error:
        return page(400, "Not signed in", f"<p class=error>Refused: {escape(str(error))}.</p>")
    return redirect(location)


def index(fake: FakeWeCom) -> Answer:
    """What the fake received, newest first: approval cards with their buttons and updates, the other
    messages, robot posts, the members and the buttons tapped."""
    state = fake.snapshot()
    with fake.lock:
        clicks = list(fake.clicks)
    updates: dict[str, list[dict[str, Any]]] = {}
    for update in state["card_updates"]:
        updates.setdefault(update["task_id"], []).append(update)
    cards, rows = [], []
    for message in reversed(state["messages"][-200:]):
        card_html = approval_card(message, updates)
        if card_html:
            cards.append(card_html)
        else:
            rows.append(f"<li><b>{escape(str(message['at']))}</b> → {escape(', '.join(message['to']))}: "
                        f"<code>{escape(json.dumps(message['body'], ensure_ascii=False))}</code></li>")
    posts = [f"<li><b>{escape(str(post['at']))}</b> robot {escape(post['key'][:8])}…: "
             f"<code>{escape(json.dumps(post['body'], ensure_ascii=False))}</code></li>"
             for post in reversed(state["robot_posts"][-200:])]
    tapped = [f"<li>{escape(str(each['at']))}: {escape(each['from'])} tapped {escape(each['key'])} on "
              f"{escape(each['msgid'])} → the app answered {each['status']}</li>" for each in reversed(clicks[-50:])]
    body = (f"<p>gettoken calls: {state['gettoken_calls']} · <a href='/'>refresh</a></p>"
            f"<h2>Approval cards</h2>{''.join(cards) or '<p>none yet</p>'}"
            f"<h2 id=clicks>Buttons tapped</h2><ul>{''.join(tapped)}</ul>"
            f"<h2>Group robots</h2><ul>{''.join(posts)}</ul>"
            f"<h2>Other app messages</h2><ul>{''.join(rows)}</ul>"
            f"<h2>Members</h2><p>{escape(', '.join(fake.members())) or 'none known yet'}</p>")
    return page(200, "Fake WeCom", body)


def approval_card(message: Mapping[str, Any], updates: Mapping[str, list[dict[str, Any]]]) -> str:
    """An approval card as the phone shows it: title, rows, a button per (recipient, button) and the
    card's updates ("已核准"); "" for any other message."""
    card = card_of(message["body"])
    if card is None:
        return ""
    title = card.get("main_title") or {}
    rows = "".join(f"<li>{escape(str(row.get('keyname', '')))}: {escape(str(row.get('value', '')))}</li>"
                   for row in card.get("horizontal_content_list") or [] if isinstance(row, dict))
    buttons = "".join(
        f"<form method=post action=/fake/click><input type=hidden name=msgid value='{escape(message['msgid'])}'>"
        f"<input type=hidden name=key value='{escape(str(button.get('key', '')))}'>"
        f"<input type=hidden name=userid value='{escape(userid)}'>"
        f"<button>{escape(str(button.get('text', '')))} (as {escape(userid)})</button></form>"
        for userid in message["to"] for button in card.get("button_list") or [] if isinstance(button, dict))
    done = "".join(f"<p class=done>{escape(update_label(update))}</p>"
                   for update in updates.get(str(card.get("task_id", "")), []))
    link = (card.get("card_action") or {}).get("url", "")
    return (f"<div class=card><p><b>{escape(str(title.get('title', '')))}</b> {escape(str(title.get('desc', '')))}"
            f" → {escape(', '.join(message['to']))} <small>{escape(str(message['at']))}</small></p>"
            f"<ul>{rows}</ul>{done or buttons}"
            + (f"<p><a href='{escape(str(link))}'>open</a></p>" if str(link).startswith(("http://", "https://"))
               else "") + "</div>")


def update_label(update: Mapping[str, Any]) -> str:
    body = update.get("body") or {}
    button = body.get("button") if isinstance(body, dict) else None
    if isinstance(button, dict) and button.get("replace_name"):
        return str(button["replace_name"])
    return "card replaced"
