"""In a real browser (Debian's chromium driven by Playwright): a user signs in by QR. The login page's
"Sign in with WeCom" sends the browser to WeCom's QR login page; here that page is played by the test
(the sandbox has no Internet): it shows a link standing for the phone's scan, whose address is the
redirect WeCom makes after the scan, with a code the fake WeCom server issued for the member. Our
callback asks the fake who the code names and the user lands on the home page, signed in."""

import html
import urllib.parse
from pathlib import Path

import pytest

from erp.roles import sync_roles
from office.models import WeComSettings
from office.services.wecom_identities import wecom_identities_map
from office.wecom.fake import FakeWeCom
from tests.browser.conftest import CHROMIUM, screenshot
from tests.factories import CompanyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]

CORP_ID, SECRET, AGENT_ID = "wwlive00000000001", "live-secret-0001", 1000005


@pytest.fixture
def fake_wecom():
    fake = FakeWeCom(corp_id=CORP_ID, corp_secret=SECRET, agent_id=AGENT_ID, users=("zhangsan",)).start()
    yield fake
    fake.stop()


@pytest.mark.django_db(transaction=True)
def test_a_user_signs_in_by_qr(page, live_server, fake_wecom):
    sync_roles()
    company = CompanyFactory(code="LIVE", name="示範精密工業股份有限公司")
    admin = UserFactory(username="admin", company=company, roles=["System admin"])
    zhang = UserFactory(username="zhang", company=company, roles=["Sales"], last_name="張", first_name="三")
    wecom_identities_map(company=company, mapping={zhang: "ZhangSan"}, actor=admin)
    WeComSettings.objects.create(company=company, corp_id=CORP_ID, agent_id=AGENT_ID, app_secret=SECRET,
                                 enabled=True, api_base=fake_wecom.url)
    seen = []

    def wecom_login_page(route):
        """WeCom's QR login page; its one link is where WeCom sends the browser once the phone scanned."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(route.request.url).query))
        seen.append(query)
        back = f"{query['redirect_uri']}?" + urllib.parse.urlencode({
            "code": fake_wecom.issue_code("zhangsan"), "state": query["state"]})
        route.fulfill(status=200, content_type="text/html; charset=utf-8",
                      body=f'<!doctype html><title>WeCom</title><a id="scanned" href="{html.escape(back)}">scanned</a>')

    page.route("https://login.work.weixin.qq.com/**", wecom_login_page)

    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login-with-wecom")
    page.click("#wecom-signin-button")
    page.wait_for_selector("#scanned")
    page.click("#scanned")
    page.wait_for_selector("#user-menu")

    assert page.url == f"{live_server.url}/"
    assert page.locator("#user-menu").inner_text() == "張三"
    assert seen[0]["login_type"] == "CorpApp" and seen[0]["appid"] == CORP_ID and seen[0]["agentid"] == str(AGENT_ID)
    assert seen[0]["redirect_uri"] == f"{live_server.url}/office/wecom/sign-in/callback/"
    screenshot(page, "signed-in-with-wecom")
