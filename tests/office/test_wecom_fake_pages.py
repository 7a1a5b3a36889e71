"""The fake WeCom server's pages for `WECOM_FAKE=1 make run` (office.wecom.fake_pages): the QR login and
OAuth pages list the corp's members and send the browser back to the given redirect_uri with a code and
the same state (a missing or foreign redirect refused); the app is registered over /fake/configure; an
approval card's button tapped on the index page reaches the app's callback, signed and encrypted, and
the approval is applied; the card's update is shown beside it."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import override_settings

from office.models import WeComCallback, WeComIdentity, WeComSettings
from office.services.approvals import approval_submit
from office.services.wecom_cards import callback_process, card_send, card_update_send
from office.wecom.fake import App, FakeWeCom
from tests.office.approval_helpers import build_people, role_step, rule, sample_order
from tests.office.conftest import AES_KEY, AGENT_ID, CALLBACK_TOKEN, CORP_ID, CORP_SECRET
from tests.sampleapp.approvals import SAMPLE_APPROVAL

REDIRECT = "http://127.0.0.1:8000/office/wecom/sign-in/callback/"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def fetch(url, data=None, headers=None):
    """(status, headers, body) of a GET, or of a POST of the form ``data``, without following redirects."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def qr_page(fake, **params):
    return f"{fake.url}/wwlogin/sso/login?{urllib.parse.urlencode(params)}"


@pytest.fixture
def fake():
    with FakeWeCom(corp_id=CORP_ID, users=("zhangsan", "lisi")) as server:
        yield server


def test_the_qr_page_lists_the_members_and_scanning_sends_the_browser_back_with_a_code_and_the_state(fake):
    status, _headers, page = fetch(qr_page(fake, login_type="CorpApp", appid=CORP_ID, agentid=AGENT_ID,
                                           redirect_uri=REDIRECT, state="abc123"))
    assert status == 200
    assert "Scan as zhangsan" in page and "Scan as lisi" in page
    assert "WeCom user ID" not in page  # only open mode lets a person type an id

    status, headers, _page = fetch(f"{fake.url}/wwlogin/sso/login",
                                   {"redirect_uri": REDIRECT, "state": "abc123", "userid": "lisi"})

    assert status == 302
    location = urllib.parse.urlsplit(headers["Location"])
    query = dict(urllib.parse.parse_qsl(location.query))
    assert location._replace(query="").geturl() == REDIRECT and query["state"] == "abc123"
    assert fake.oauth_codes[query["code"]] == {"userid": "lisi"}


def test_the_oauth_page_keeps_the_redirects_own_query_and_open_mode_takes_a_typed_id():
    with FakeWeCom(open_mode=True, users=()) as fake:
        status, _headers, page = fetch(f"{fake.url}/connect/oauth2/authorize?" + urllib.parse.urlencode(
            {"appid": CORP_ID, "redirect_uri": REDIRECT + "?next=/x", "state": "s1", "response_type": "code"}))
        assert status == 200 and "WeCom user ID" in page and "none known yet" in page

        status, headers, _page = fetch(f"{fake.url}/connect/oauth2/authorize",
                                       {"redirect_uri": REDIRECT + "?next=/x", "state": "s1", "userid": "Someone"})

        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).query))
        assert status == 302 and query["next"] == "/x" and query["state"] == "s1"
        assert fake.oauth_codes[query["code"]] == {"userid": "Someone"}


@pytest.mark.parametrize("redirect_uri", ["", "https://evil.example.com/steal", "javascript:alert(1)", "/relative"])
def test_a_missing_or_foreign_redirect_is_refused_on_the_page_and_on_the_scan(fake, redirect_uri):
    status, _headers, page = fetch(qr_page(fake, redirect_uri=redirect_uri, state="abc"))
    assert status == 400 and "Refused" in page and "Scan as" not in page

    status, headers, _page = fetch(f"{fake.url}/wwlogin/sso/login",
                                   {"redirect_uri": redirect_uri, "state": "abc", "userid": "lisi"})
    assert status == 400 and "Location" not in headers and fake.oauth_codes == {}


def test_a_bad_state_an_outsider_and_a_post_from_another_site_are_refused(fake):
    assert fetch(qr_page(fake, redirect_uri=REDIRECT, state="<script>"))[0] == 400
    outsider = {"redirect_uri": REDIRECT, "state": "a", "userid": "wangwu"}
    assert fetch(f"{fake.url}/wwlogin/sso/login", outsider)[0] == 400
    status, _headers, _page = fetch(f"{fake.url}/wwlogin/sso/login",
                                    {"redirect_uri": REDIRECT, "state": "a", "userid": "lisi"},
                                    headers={"Origin": "https://evil.example.com"})
    assert status == 403 and fake.oauth_codes == {}


def test_everything_shown_is_escaped(fake):
    fake.add_user("<img src=x onerror=alert(1)>")
    _status, _headers, page = fetch(qr_page(fake, redirect_uri=REDIRECT + "?a='><b>", state="s"))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "'><b>" not in page


def test_configure_registers_the_app_from_json_only(fake):
    app = {"callback_url": "http://127.0.0.1:8000/office/wecom/callback/1/", "token": CALLBACK_TOKEN,
           "encoding_aes_key": AES_KEY, "corp_id": CORP_ID, "corp_secret": "s", "agent_id": AGENT_ID,
           "users": ["WangWu"]}

    assert fetch(f"{fake.url}/fake/configure", urllib.parse.urlencode(app).encode())[0] == 400
    status, _headers, answer = fetch(f"{fake.url}/fake/configure", json.dumps(app).encode(),
                                     headers={"Content-Type": "application/json"})

    assert status == 200 and json.loads(answer)["errcode"] == 0
    assert fake.apps["s"].callback_url == app["callback_url"] and "wangwu" in fake.members()


def test_signing_in_through_the_fakes_qr_page_signs_the_mapped_user_in(db, roles, company, make_user, wecom_settings,
                                                                     fake_wecom, client):
    user = make_user("salesmgr", "Sales manager")
    WeComIdentity.objects.create(company=company, user=user, wecom_userid="zhangsan")
    fake_wecom.trusted_hosts.add("testserver")
    with override_settings(WECOM_QR_URL=f"{fake_wecom.url}/wwlogin/sso/login"):
        to_wecom = client.get("/office/wecom/sign-in/")["Location"]
    assert to_wecom.startswith(f"{fake_wecom.url}/wwlogin/sso/login?")
    status, _headers, page = fetch(to_wecom)
    assert status == 200 and "Scan as zhangsan" in page
    form = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(to_wecom).query))

    _status, headers, _page = fetch(to_wecom.split("?")[0], {**form, "userid": "zhangsan"})
    back = urllib.parse.urlsplit(headers["Location"])

    assert client.get(f"{back.path}?{back.query}").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_button_tapped_on_the_index_page_reaches_the_callback_and_the_approval_is_applied(roles, live_server):
    people = build_people()
    rule(people, [role_step()])
    with FakeWeCom(corp_id=CORP_ID, corp_secret=CORP_SECRET, agent_id=AGENT_ID, users=("zhangsan",)) as fake:
        wecom = WeComSettings.objects.create(
            company=people.company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
            callback_token=CALLBACK_TOKEN, encoding_aes_key=AES_KEY, enabled=True, api_base=fake.url)
        WeComIdentity.objects.create(company=people.company, user=people.mgr1, wecom_userid="zhangsan")
        fake.configure(App(callback_url=f"{live_server.url}/office/wecom/callback/{people.company.pk}/",
                           token=wecom.callback_token, encoding_aes_key=AES_KEY, corp_id=CORP_ID,
                           corp_secret=CORP_SECRET, agent_id=AGENT_ID))
        request = approval_submit(document=sample_order(people), type_key=SAMPLE_APPROVAL, actor=people.rep)
        sent = card_send(request=request, user=people.mgr1)
        msgid = fake.messages[-1]["msgid"]
        _status, _headers, index = fetch(f"{fake.url}/")
        assert f"name=msgid value='{msgid}'" in index and "Approve (as zhangsan)" in index

        status, headers, _page = fetch(f"{fake.url}/fake/click", {"msgid": msgid, "key": "approve",
                                                                  "userid": "zhangsan"})

        assert status == 303 and headers["Location"] == "/#clicks"
        assert fake.clicks[-1]["status"] == 200
        for callback in WeComCallback.objects.filter(status="received").order_by("pk"):
            callback_process(callback_id=callback.pk)
        request.refresh_from_db()
        assert request.status == "approved"
        assert request.decisions.get().decided_by == people.mgr1
        card_update_send(card_id=sent.card.pk)
        _status, _headers, index = fetch(f"{fake.url}/")
        assert "class=done>Approved<" in index and "Approve (as zhangsan)" not in index


def test_a_tap_without_a_registered_app_or_on_a_card_not_sent_to_the_user_is_refused(fake):
    fake.messages.append({"at": "now", "to": ["lisi"], "msgid": "m1", "response_code": "", "body": {
        "msgtype": "template_card", "template_card": {"card_type": "button_interaction", "task_id": "t",
                                                      "button_list": [{"text": "OK", "key": "approve"}]}}})
    status, _headers, page = fetch(f"{fake.url}/fake/click", {"msgid": "m1", "key": "approve", "userid": "lisi"})
    assert status == 400 and "no app registered" in page
    fake.configure(App(callback_url="http://127.0.0.1:1/cb/", token="t", encoding_aes_key=AES_KEY, corp_id=CORP_ID))
    assert fetch(f"{fake.url}/fake/click", {"msgid": "m1", "key": "approve", "userid": "zhangsan"})[0] == 400
    assert fetch(f"{fake.url}/fake/click", {"msgid": "m1", "key": "delete", "userid": "lisi"})[0] == 400
    assert fake.clicks == []
