"""On a handheld (390×844): the warehouse keeper's screens, the order page, the lists and the inbox
fit the phone's width (no sideways scrolling), and the pick screen's scan field takes a scanner's
keystrokes (a code and Enter) to choose the location and the line."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from inventory.models import DeliveryNote
from inventory.services import masterdata
from inventory.services.documents import count_create, count_start
from sales.services.orders import order_confirm
from tests.browser.conftest import CHROMIUM, screenshot
from tests.sales.conftest import build_world, deliver_events

D = Decimal
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]


def a_warehouse_with_an_order_to_pick():
    """The sales world, a second warehouse the keeper operates, stock at two locations, and a confirmed
    order whose delivery note waits to be picked (with the keeper's pick task)."""
    w = build_world()
    w.raw = masterdata.warehouse_create(company=w.company, code="RM", name="原料倉")
    assign_perm("inventory.operate_warehouse", w.keeper, w.raw)
    w.r1 = masterdata.location_create(warehouse=w.raw, code="R-01", name="原料 01")
    w.receive(w.widget, "30", location=w.a1)
    w.receive(w.widget, "8", location=w.a2)
    w.receive(w.pump, "5", location=w.a2)
    w.order_ = w.order([{"item": w.widget, "quantity": D("5")}, {"item": w.pump, "quantity": D("2")}],
                       requested_date=w.in_a_week, ship_to="台中市西屯區工業區一路 100 號")
    order_confirm(order=w.order_, actor=w.rep)
    deliver_events()
    w.note = DeliveryNote.objects.get(source_id=w.order_.pk)
    w.count = count_create(company=w.company, warehouse=w.wh, actor=w.keeper)
    count_start(count=w.count, actor=w.keeper)
    return w


def log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_selector("#user-menu", state="attached")


def page_width(page):
    return page.evaluate("() => document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.django_db(transaction=True)
def test_the_keepers_screens_the_order_page_and_the_inbox_fit_a_phone(page, live_server, viewport):
    w = a_warehouse_with_an_order_to_pick()
    page.set_viewport_size(viewport)
    screens = {
        "keeper": [
            ("workbench", reverse("inventory:workbench")),
            ("pick", reverse("inventory:delivery_pick", args=[w.note.pk])),
            ("delivery", reverse("inventory:delivery_detail", args=[w.note.pk])),
            ("deliveries", reverse("inventory:delivery_list")),
            ("receipt-form", reverse("inventory:receipt_create")),
            ("receipts", reverse("inventory:receipt_list")),
            ("transfer-form", reverse("inventory:transfer_create")),
            ("count-form", reverse("inventory:count_create")),
            ("count-sheet", reverse("inventory:count_sheet", args=[w.count.pk])),
            ("inbox-keeper", reverse("office:inbox")),
        ],
        "rep": [
            ("order", reverse("sales:order_detail", args=[w.order_.pk])),
            ("orders", reverse("sales:order_list")),
            ("inbox-rep", reverse("office:inbox")),
        ],
    }
    too_wide = {}
    for username, pages in screens.items():
        log_in(page, live_server, username)
        for name, url in pages:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, (name, response.status)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"handheld-{name}-{viewport['width']}")
            if (width := page_width(page)) > viewport["width"]:
                too_wide[name] = width
    assert too_wide == {}


@pytest.mark.django_db(transaction=True)
def test_the_pick_screen_takes_a_scanned_location_and_item(page, live_server):
    w = a_warehouse_with_an_order_to_pick()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "keeper")
    page.goto(f"{live_server.url}{reverse('inventory:delivery_pick', args=[w.note.pk])}")
    pump_line = w.note.lines.get(item=w.pump)

    page.fill("#scan", "A-02")
    page.press("#scan", "Enter")  # a scanner types the code and Enter
    page.fill("#scan", "PMP-1")
    page.press("#scan", "Enter")

    card = page.locator(f"#pick-line-{pump_line.pk}")
    assert card.get_attribute("aria-current") == "true"
    assert page.locator("[aria-current='true']").count() == 1
    assert page.input_value(f"#id_line-{pump_line.pk}-location") == str(w.a2.pk)
    assert "PMP-1" in page.inner_text("#scan-feedback")

    page.fill("#scan", "NO-SUCH-CODE")
    page.press("#scan", "Enter")
    assert "NO-SUCH-CODE" in page.inner_text("#scan-feedback")
    assert page.locator("#scan.is-invalid").count() == 1
    assert page.url.endswith(reverse("inventory:delivery_pick", args=[w.note.pk]))  # Enter sent nothing
    screenshot(page, "handheld-pick-scanned")


@pytest.mark.django_db(transaction=True)
def test_the_receipt_form_offers_the_chosen_warehouses_locations_and_takes_scanned_codes(page, live_server):
    w = a_warehouse_with_an_order_to_pick()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "keeper")
    page.goto(f"{live_server.url}{reverse('inventory:receipt_create')}")

    page.select_option("#id_warehouse", value=str(w.raw.pk))  # the lines follow with RM's locations
    page.wait_for_selector("#id_lines-0-location option[data-code='R-01']", state="attached", timeout=10_000)
    assert page.locator("#id_lines-0-location option[data-code='A-01']").count() == 0

    page.fill("#scan", "WID-1")
    page.press("#scan", "Enter")  # the item lookup of the first empty line takes the exact code
    page.wait_for_function("() => document.querySelector('#id_lines-0-item').value !== ''", timeout=10_000)
    page.fill("#scan", "R-01")
    page.press("#scan", "Enter")

    assert page.input_value("#id_lines-0-item") == str(w.widget.pk)
    assert page.input_value("#id_lines-0-item_search") == "WID-1 齒輪組"
    assert page.input_value("#id_lines-0-location") == str(w.r1.pk)
    page.fill("#id_lines-0-item_search", "NOPE-9")
    page.press("#id_lines-0-item_search", "Enter")
    page.wait_for_selector("#lookup-lines-0 >> text=NOPE-9", timeout=10_000)
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "handheld-receipt-scanned")


@pytest.mark.django_db(transaction=True)
def test_the_count_sheet_takes_a_scanned_location_and_item(page, live_server):
    w = a_warehouse_with_an_order_to_pick()
    line = w.count.lines.get(item=w.widget, location=w.a2)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "keeper")
    page.goto(f"{live_server.url}{reverse('inventory:count_sheet', args=[w.count.pk])}")

    page.fill("#scan", "A-02")
    page.press("#scan", "Enter")
    page.fill("#scan", "WID-1")
    page.press("#scan", "Enter")  # WID-1 is at: the scanned location decides

    assert page.locator("[aria-current='true']").count() == 1
    current = page.locator("[aria-current='true']")
    assert current.get_attribute("data-scan-location") == "A-02"
    assert page.evaluate("() => document.activeElement.id") == f"id_line_{line.pk}"
