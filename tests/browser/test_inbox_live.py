"""In a real browser (Debian's chromium driven by Playwright): log in, see a task arrive in the
inbox without reloading, switch to English and back."""

from pathlib import Path

import pytest

from erp.roles import sync_roles
from office.services import task_assign
from tests.browser.conftest import CHROMIUM, screenshot
from tests.factories import CompanyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]


@pytest.mark.django_db(transaction=True)
def test_a_task_arrives_in_the_inbox_without_a_reload_and_the_language_switches(page, live_server):
    sync_roles()
    company = CompanyFactory(code="LIVE", name="示範精密工業股份有限公司")
    UserFactory(username="warehouse", company=company, roles=["Warehouse"], last_name="張", first_name="倉管")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "warehouse")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/office/")
    page.wait_for_selector("#inbox-count[data-count='0']", timeout=10_000)
    page.evaluate("window.__notReloaded = true")

    task_assign(company=company, title="確認 SO-2026-000123 出貨", role="Warehouse")

    page.wait_for_selector("#inbox-count[data-count='1']", timeout=6_000)  # polled every 4 s
    page.wait_for_selector("#task-list >> text=確認 SO-2026-000123 出貨", timeout=6_000)
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("h1").inner_text() == "待辦事項"
    screenshot(page, "inbox-zh-hant")

    page.select_option("#language-form select", "en")
    page.wait_for_selector("h1:has-text('Task inbox')")
    screenshot(page, "inbox-en")
    page.select_option("#language-form select", "zh-hant")
    page.wait_for_selector("h1:has-text('待辦事項')")
