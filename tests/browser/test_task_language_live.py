"""In a real browser: a task a department made reads in the language the user switches to (its title
is stored as a message key with parameters, translated when shown)."""

from pathlib import Path

import pytest

from erp.roles import sync_roles
from inventory.services.deliveries import pick_task_title
from office.services import task_assign
from tests.browser.conftest import CHROMIUM, screenshot
from tests.factories import CompanyFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]


@pytest.mark.django_db(transaction=True)
def test_switching_the_language_switches_the_task_titles_in_the_inbox(page, live_server):
    sync_roles()
    company = CompanyFactory(code="LANG", name="示範精密工業股份有限公司")
    UserFactory(username="warehouse", company=company, roles=["Warehouse"], last_name="張", first_name="倉管")
    task_assign(company=company, title=pick_task_title(order="SO-2026-000123", customer="C001 大同機械"),
                role="Warehouse", kind="inventory.pick_delivery")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "warehouse")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/office/")
    page.wait_for_selector("#task-list >> text=揀貨並出貨：SO-2026-000123（C001 大同機械）", timeout=10_000)
    screenshot(page, "task-title-zh-hant")

    page.select_option("#language-form select", "en")
    page.wait_for_selector("h1:has-text('Task inbox')")
    page.wait_for_selector("#task-list >> text=Pick and ship SO-2026-000123 (C001 大同機械)", timeout=10_000)
    assert page.locator("#task-list >> text=揀貨並出貨").count() == 0
    screenshot(page, "task-title-en")

    page.select_option("#language-form select", "zh-hans")
    page.wait_for_selector("h1:has-text('待办事项')")
    page.wait_for_selector("#task-list >> text=拣货并发货：SO-2026-000123（C001 大同機械）", timeout=10_000)

    page.click("#task-list a:has-text('拣货并发货')")
    page.wait_for_selector("h1:has-text('拣货并发货：SO-2026-000123（C001 大同機械）')")
