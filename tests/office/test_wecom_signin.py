"""Signing in with WeCom, against the fake WeCom server (tests/office/conftest.py): the QR login and the
OAuth inside the WeCom client end to end, the state bound to the session (missing, wrong, reused,
expired, from another browser), WeCom's answers (a bad code, an outsider, WeCom down), the mapping
(unmapped, another company's, inactive), django-axes' lock, ``next`` kept to this site, the login page's
button and the access log."""

import urllib.parse

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from erp.models import AccessLog, User
from office.models import WeComSettings
from office.services.wecom_identities import wecom_identities_map
from office.wecom import signin
from tests.factories import CompanyFactory
from tests.office import wecom_people
from tests.office.conftest import AGENT_ID, CORP_ID, CORP_SECRET

START = "/office/wecom/sign-in/"
CALLBACK = "/office/wecom/sign-in/callback/"
REDIRECT_URI = "http://testserver/office/wecom/sign-in/callback/"
WECOM_APP = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light")


@pytest.fixture
def world(db, roles, company, make_user, wecom_settings, fake_wecom, wecom_clock, monkeypatch):
    monkeypatch.setattr(signin, "CLOCK", wecom_clock)
    people = wecom_people.build(company, make_user)
    wecom_identities_map(company=company, mapping={people.zhang: "ZhangSan", people.li: "lisi"}, actor=people.admin)
    people.fake, people.clock, people.settings = fake_wecom, wecom_clock, wecom_settings
    return people


def started(client, **params):
    """Start a sign-in; (WeCom's address the browser is sent to, its query, the state)."""
    response = client.get(START, params)
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    return location, query, query["state"]


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def refusal(response):
    assert response.templates[0].name == "office/wecom/signin_refused.html"
    return response.context["refusal"].reason, response.context["refusal"].message


# The two ways in -----------------------------------------------------------------------------


def test_a_browser_signs_in_by_qr_as_the_mapped_user(world, client):
    location, query, state = started(client, next="/office/")
    code = world.fake.issue_code("zhangsan")  # the member scans the QR code with the WeCom app

    response = client.get(CALLBACK, {"code": code, "state": state})

    assert location == ("https://login.work.weixin.qq.com/wwlogin/sso/login?login_type=CorpApp"
                        f"&appid={CORP_ID}&agentid={AGENT_ID}&redirect_uri="
                        f"{urllib.parse.quote(REDIRECT_URI, safe='')}&state={state}")
    assert len(state) == 32 and state.isalnum()
    assert response.status_code == 302 and response["Location"] == "/office/"
    assert signed_in_user_id(client) == str(world.zhang.pk)
    assert client.session[HASH_SESSION_KEY] == world.zhang.get_session_auth_hash()
    assert client.get("/").status_code == 200
    login = AccessLog.objects.get(kind=AccessLog.Kind.LOGIN)
    assert (login.user, login.username, login.path.split("?")[0]) == (world.zhang, "zhang", CALLBACK)


def test_inside_the_wecom_client_the_silent_oauth_signs_in(world, client):
    client = Client(headers={"user-agent": WECOM_APP})

    location, query, state = started(client)
    response = client.get(CALLBACK, {"code": world.fake.issue_code("LISI"), "state": state})

    assert location == ("https://open.weixin.qq.com/connect/oauth2/authorize?"
                        f"appid={CORP_ID}&redirect_uri={urllib.parse.quote(REDIRECT_URI, safe='')}"
                        f"&response_type=code&scope=snsapi_base&state={state}&agentid={AGENT_ID}#wechat_redirect")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user_id(client) == str(world.li.pk)  # WeCom's "LISI" is the mapped "lisi"


def test_signing_in_gives_a_new_session_and_sign_out_everywhere_ends_it(world, client):
    _location, _query, state = started(client)
    before = client.session.session_key

    client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": state})
    after = client.session.session_key
    client.post("/accounts/sign-out-everywhere/")

    assert before and after and before != after
    assert client.get("/").status_code == 302  # signed out


def test_an_explicit_mode_overrides_the_browser_guess(world, client):
    location, _query, _state = started(client, mode="oauth")

    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")


# The state ----------------------------------------------------------------------------------


def test_a_missing_or_forged_state_is_refused_and_signs_no_one_in(world, client):
    started(client)
    code = world.fake.issue_code("zhangsan")

    missing = client.get(CALLBACK, {"code": code})
    forged = client.get(CALLBACK, {"code": code, "state": "0" * 32})

    assert missing.status_code == forged.status_code == 400
    assert refusal(missing)[0] == signin.Reason.STATE_MISSING
    assert refusal(forged)[0] == signin.Reason.STATE_UNKNOWN
    assert signed_in_user_id(client) is None
    assert list(AccessLog.objects.filter(kind=AccessLog.Kind.LOGIN_FAILED).values_list("detail", flat=True)
                .order_by("pk")) == ["WeCom: state missing", "WeCom: state unknown"]
    assert world.fake.snapshot()["gettoken_calls"] == 0  # WeCom was not asked


def test_a_state_started_in_another_browser_is_refused(world, client):
    _location, _query, state = started(Client())  # an attacker's session

    response = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": state})

    assert response.status_code == 400 and refusal(response)[0] == signin.Reason.STATE_UNKNOWN
    assert signed_in_user_id(client) is None


def test_a_state_is_used_once(world, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the refusal read in English (anonymous: the browser's)
    User.objects.filter(pk=world.zhang.pk).update(language="en")  # signed in by the first use: theirs
    _location, _query, state = started(client)
    client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": state})

    again = client.get(CALLBACK, {"code": world.fake.issue_code("lisi"), "state": state})

    assert again.status_code == 400
    assert refusal(again) == (signin.Reason.STATE_USED, "This WeCom sign-in was already used. Start again from the "
                                                        "sign-in page.")
    assert signed_in_user_id(client) == str(world.zhang.pk)  # still the first sign-in's user


def test_a_state_expires_after_ten_minutes(world, client):
    _location, _query, late = started(client)
    world.clock.advance(9 * 60)
    _location, _query, in_time = started(client)
    world.clock.advance(61)

    expired = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": late})
    ok = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": in_time})

    assert expired.status_code == 400 and refusal(expired)[0] == signin.Reason.STATE_EXPIRED
    assert ok.status_code == 302 and signed_in_user_id(client) == str(world.zhang.pk)


def test_a_session_keeps_its_five_newest_started_sign_ins(world, client):
    states = [started(client)[2] for _n in range(6)]
    assert list(client.session["wecom_signin"]["pending"]) == states[1:]

    oldest = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": states[0]})
    newest = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": states[1]})

    assert refusal(oldest)[0] == signin.Reason.STATE_UNKNOWN
    assert newest.status_code == 302, refusal(newest)


# WeCom's answer -------------------------------------------------------------------------------


def test_a_code_wecom_refuses_is_a_clear_page(world, client):
    code = world.fake.issue_code("zhangsan")
    client.get(CALLBACK, {"code": code, "state": started(client)[2]})
    client.logout()

    used = client.get(CALLBACK, {"code": code, "state": started(client)[2]})
    missing = client.get(CALLBACK, {"state": started(client)[2]})
    huge = client.get(CALLBACK, {"code": "x" * 513, "state": started(client)[2]})

    assert (used.status_code, refusal(used)[0]) == (400, signin.Reason.CODE_REFUSED)
    assert (missing.status_code, refusal(missing)[0]) == (400, signin.Reason.CODE_MISSING)
    assert (huge.status_code, refusal(huge)[0]) == (400, signin.Reason.CODE_REFUSED)
    assert signed_in_user_id(client) is None


def test_wecom_down_or_refusing_the_app_is_a_clear_page_never_a_500(world, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the refusal read in English (anonymous: the browser's)
    state = started(client)[2]
    code = world.fake.issue_code("zhangsan")
    world.fake.stop()

    down = client.get(CALLBACK, {"code": code, "state": state})
    world.fake.start()
    world.fake.fail_next("/cgi-bin/gettoken", 60020)  # the server's address is not trusted by the app
    refused = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": started(client)[2]})

    assert (down.status_code, refusal(down)[0]) == (503, signin.Reason.UNAVAILABLE)
    assert (refused.status_code, refusal(refused)[0]) == (502, signin.Reason.WECOM_REFUSED)
    assert "trusted IPs" in refusal(refused)[1]
    assert signed_in_user_id(client) is None


def test_someone_outside_the_corp_is_refused(world, client):
    response = client.get(CALLBACK, {"code": world.fake.issue_code(openid="oX1"), "state": started(client)[2]})

    assert (response.status_code, refusal(response)[0]) == (403, signin.Reason.NOT_MEMBER)


# The mapping --------------------------------------------------------------------------------


def test_an_unmapped_member_is_told_to_ask_for_their_id_to_be_mapped(world, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(CALLBACK, {"code": world.fake.issue_code("wangwu"), "state": started(client)[2]})

    assert response.status_code == 403
    assert refusal(response) == (signin.Reason.UNMAPPED, "Your WeCom account “wangwu” is not linked to a user of "
                                 "測試精密股份有限公司. Ask your administrator to map the WeCom user ID “wangwu” to "
                                 "your user.")
    assert '<code id="wecom-userid">wangwu</code>' in response.content.decode()
    assert signed_in_user_id(client) is None
    assert AccessLog.objects.get(kind=AccessLog.Kind.LOGIN_FAILED).detail == "WeCom: unmapped wangwu"


def test_the_page_is_in_the_readers_language(world, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(CALLBACK, {"code": world.fake.issue_code("wangwu"), "state": started(client)[2]})

    with translation.override("zh-hans"):
        expected = _("Your WeCom account “%(userid)s” is not linked to a user of %(company)s. Ask your administrator "
                     "to map the WeCom user ID “%(userid)s” to your user.") % {
            "userid": "wangwu", "company": world.company.name}
    assert response.context["LANGUAGE_CODE"] == "zh-hans"
    assert refusal(response)[1] == expected


def test_another_companys_mapping_of_the_same_id_is_not_used(world, client):
    wecom_identities_map(company=world.other, mapping={world.outsider: "wangwu"}, actor=world.outsider_admin)

    response = client.get(CALLBACK, {"code": world.fake.issue_code("wangwu"), "state": started(client)[2]})

    assert (response.status_code, refusal(response)[0]) == (403, signin.Reason.UNMAPPED)
    assert signed_in_user_id(client) is None


def test_each_company_signs_in_with_its_own_wecom_and_mapping(world, client):
    WeComSettings.objects.create(company=world.other, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=CORP_SECRET,
                                 enabled=True, api_base=world.fake.url)
    wecom_identities_map(company=world.other, mapping={world.outsider: "zhangsan"}, actor=world.outsider_admin)

    chooser = client.get(START)
    location, _query, state = started(client, company="other")
    response = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": state})

    assert [c["company"].code for c in chooser.context["choices"]] == ["OTHER", "ACME"]  # by name: 別家 < 測試
    assert chooser.context["choices"][0]["url"] == "/office/wecom/sign-in/?company=OTHER"
    assert response.status_code == 302 and signed_in_user_id(client) == str(world.outsider.pk)


def test_an_inactive_user_is_refused(world, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the refusal read in English (anonymous: the browser's)
    world.zhang.is_active = False
    world.zhang.save()

    response = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": started(client)[2]})

    assert (response.status_code, refusal(response)[0]) == (403, signin.Reason.INACTIVE)
    assert "ZhangSan" not in refusal(response)[1] and "“zhangsan”" in refusal(response)[1]
    assert signed_in_user_id(client) is None


def test_a_user_locked_out_by_failed_passwords_is_refused_with_the_lock_message(world, client):
    AccessAttempt.objects.create(username="zhang", ip_address="192.0.2.9", user_agent="x", get_data="",
                                 post_data="", failures_since_start=settings.LOGIN_FAILURE_LIMIT)

    response = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": started(client)[2]})

    assert response.status_code == 429 and response["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    assert refusal(response)[0] == signin.Reason.LOCKED_OUT
    assert signed_in_user_id(client) is None
    assert AccessLog.objects.filter(kind=AccessLog.Kind.LOCKED_OUT, detail="WeCom: zhang").count() == 1


def test_sign_in_stops_when_the_company_disables_wecom_meanwhile(world, client):
    state = started(client)[2]
    WeComSettings.objects.filter(pk=world.settings.pk).update(enabled=False)

    response = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": state})

    assert (response.status_code, refusal(response)[0]) == (400, signin.Reason.NOT_ENABLED)


# next and the start page ----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "http:/\\evil.example",
                                    "javascript:alert(1)", "http://testserver.evil.example/"])
def test_next_never_leaves_the_site(world, client, target):
    _location, _query, state = started(client, next=target)

    response = client.get(CALLBACK, {"code": world.fake.issue_code("zhangsan"), "state": state, "next": target})

    assert response.status_code == 302 and response["Location"] == "/"


def test_a_signed_in_user_goes_on_to_next_and_unknown_companies_are_sent_back(world, client):
    unknown = client.get(START, {"company": "NOPE"}, follow=True)
    client.force_login(world.zhang)
    signed_in = client.get(START, {"next": "/office/"})

    assert unknown.redirect_chain == [("/accounts/login/", 302)]
    assert "does not offer signing in with WeCom" in unknown.content.decode() or "企業微信" in unknown.content.decode()
    assert signed_in["Location"] == "/office/"


def test_without_a_company_offering_it_there_is_no_button_and_the_start_page_says_so(db, roles, company, client):
    CompanyFactory(code="PLAIN")
    WeComSettings.objects.create(company=company, corp_id="ww1", agent_id=1, app_secret="s", enabled=False)

    login_page = client.get("/accounts/login/")
    start = client.get(START, follow=True)

    assert 'id="wecom-signin"' not in login_page.content.decode()
    assert start.redirect_chain == [("/accounts/login/", 302)]


def test_the_login_page_offers_the_button_with_next_and_the_wecom_client_sees_continue(world, client):
    page = client.get("/accounts/login/", {"next": "/office/"}).content.decode()
    in_app = Client(headers={"user-agent": WECOM_APP}).get("/accounts/login/").content.decode()

    assert 'href="/office/wecom/sign-in/?next=%2Foffice%2F"' in page
    assert 'id="wecom-signin-button"' in page and "btn-outline-success" in page
    assert "btn-success w-100" in in_app
