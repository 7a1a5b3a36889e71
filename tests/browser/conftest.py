"""Browser tests: Debian's chromium driven by Playwright (its own browser download does not work here)."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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
        # Every browser test also checks that the Content-Security-Policy refused nothing on its pages.
        violations = []
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.csp_violations = violations
        yield page
        page.goto("about:blank")  # stop the htmx polling before the live server goes away
        page.wait_for_timeout(500)
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection (asgiref's
        # context-local): close it here, or the test database cannot be dropped afterwards.
        connections.close_all()
    assert violations == []


def screenshot(page, name):
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


