"""In a real browser, under the Content-Security-Policy (self only, no inline script or style): the
admin, the API documentation (Swagger UI), a print page and the screens' scripts work, and the
browser reports no violation (the `page` fixture fails the test on any)."""

from pathlib import Path

import pytest

from erp.roles import sync_roles
from tests.browser.conftest import CHROMIUM
from tests.factories import CompanyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]


@pytest.mark.django_db(transaction=True)
def test_admin_api_docs_and_screens_run_under_the_policy(page, live_server):
    sync_roles()
    company = CompanyFactory(code="CSP", name="示範公司")
    UserFactory(username="root", company=company, is_staff=True, is_superuser=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_selector("#user-menu")
    page.click("#user-menu")  # Bootstrap's dropdown (its script runs)
    page.wait_for_selector(".dropdown-menu.show")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)  # rendered by its script

    page.goto(f"{live_server.url}/admin/erp/user/")
    page.wait_for_selector("#result_list")
    page.click("#action-toggle")  # the admin's own actions.js
    assert page.locator("input.action-select:checked").count() == 1
    page.goto(f"{live_server.url}/admin/erp/department/add/")
    page.wait_for_selector("#department_form")

    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert page.csp_violations == []
