"""In a real browser (Debian's chromium driven by Playwright): log in, see a task arrive in the
inbox without reloading, switch to English and back."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from erp.roles import sync_roles
from office.services import task_assign
from tests.factories import CompanyFactory, UserFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
        )
        context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        yield page
        page.goto("about:blank")  # stop the htmx polling before the live server goes away
        page.wait_for_timeout(500)
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection (asgiref's
        # context-local): close it here, or the test database cannot be dropped afterwards.
        connections.close_all()


def screenshot(page, name):
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


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
