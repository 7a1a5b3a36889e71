"""In a real browser: a rep enters an order with the htmx item lookup (unit, price and totals filled
in as they type), confirms it, and the order's page shows the warehouse's delivery note and the
shortage sent to production as soon as the event bus has delivered them — without a reload."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from guardian.shortcuts import assign_perm

from erp.roles import sync_roles
from inventory import status as ist
from inventory.models import Item, Location, UnitOfMeasure
from inventory.services import masterdata
from inventory.services.documents import receipt_post, receipt_save
from sales.models import SalesOrder
from sales.services import masterdata as sales_masterdata
from sales.services.orders import order_confirm, order_save
from tests.browser.conftest import CHROMIUM, screenshot
from tests.factories import CompanyFactory, UserFactory
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]


def a_small_company():
    sync_roles()
    company = CompanyFactory(code="LIVE", name="示範精密工業股份有限公司")
    masterdata.units_seed(company=company)
    pcs = UnitOfMeasure.objects.get(company=company, code="PCS")
    rep = UserFactory(username="rep", company=company, roles=["Sales"], last_name="王", first_name="業務")
    admin = UserFactory(username="boss", company=company, is_superuser=True)
    warehouse = masterdata.warehouse_create(company=company, code="FG", name="成品倉")
    bin_a = masterdata.location_create(warehouse=warehouse, code="A-01", name="A 區")
    keeper = UserFactory(username="keeper", company=company, roles=["Warehouse"])
    assign_perm("inventory.operate_warehouse", keeper, warehouse)
    slide = masterdata.item_create(company=company, code="LM-30", name="線性滑座", base_unit=pcs,
                                   item_type=ist.ItemType.FINISHED_GOOD, procurement=ist.Procurement.MAKE)
    shaft = masterdata.item_create(company=company, code="PA-100", name="精密軸組", base_unit=pcs, lead_time_days=10,
                                   item_type=ist.ItemType.FINISHED_GOOD, procurement=ist.Procurement.MAKE)
    receipt = receipt_save(company=company, actor=admin, warehouse=warehouse, lines=[
        {"item": slide, "quantity": D("5"), "unit": pcs, "location": bin_a, "unit_cost": D("3000")}])
    receipt_post(receipt=receipt, actor=admin)
    sales_masterdata.tax_code_save(company=company, code="VAT5", name="營業稅 5%", rate=D("5"), is_default=True)
    sales_masterdata.price_list_save(company=company, code="STD", name="標準價", is_default=True, prices=[
        {"item": slide, "unit": pcs, "price": D("5800")}, {"item": shaft, "unit": pcs, "price": D("1580")}])
    customer = sales_masterdata.customer_create(company=company, code="C001", name="聯程自動化", owner=rep)
    return customer


@pytest.mark.django_db(transaction=True)
def test_a_rep_enters_and_confirms_an_order_and_watches_the_other_departments_pick_it_up(page, live_server):
    customer = a_small_company()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/sales/orders/new/")
    page.select_option("#id_customer", value=str(customer.pk))
    for n, (code, quantity) in enumerate([("LM-30", "2"), ("PA-100", "3")]):
        page.fill(f"#id_lines-{n}-item_search", code)
        page.press(f"#id_lines-{n}-item_search", "Enter")  # a scanner's Enter picks the exact match
        # a function, not an expression: Playwright evals an expression, which the CSP refuses
        page.wait_for_function(f"() => document.querySelector('#id_lines-{n}-item').value !== ''", timeout=10_000)
        page.fill(f"#id_lines-{n}-quantity", quantity)
        page.press(f"#id_lines-{n}-quantity", "Tab")
    # 2 × 5,800 + 3 × 1,580 = 16,340; 5 % tax 817 → 17,157, computed by the server as they type
    page.wait_for_selector("#totals >> text=17,157.00", timeout=10_000)
    assert page.input_value("#id_lines-0-unit_price") in ("5800", "5800.0000", "5,800.0000")
    page.click("#save-document")
    page.wait_for_selector("#document-actions")
    page.locator("#document-actions button").filter(has_text="確認").first.click()
    page.wait_for_selector(".alert >> text=PA-100")
    order = SalesOrder.objects.get()
    assert order.status == "confirmed"
    page.evaluate("window.__notReloaded = true")

    deliver_events()  # what the Celery worker does after commit

    page.wait_for_selector("#order-tracking >> text=生產", timeout=6_000)  # refreshed every 3 s
    page.wait_for_selector("#order-tracking a[href*='/inventory/deliveries/']", timeout=6_000)
    assert page.evaluate("window.__notReloaded") is True
    promised = (order.document_date + datetime.timedelta(days=10)).strftime("%Y/%m/%d")
    assert promised in page.inner_text("#order-tracking")
    screenshot(page, "sales-order-live")


def log_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_selector("#language-form")


@pytest.mark.django_db(transaction=True)
def test_stock_received_for_a_waiting_order_is_reserved_and_the_keeper_gets_the_pick_task_without_a_reload(
        page, live_server):
    customer = a_small_company()
    company = customer.company
    shaft = Item.objects.get(company=company, code="PA-100")
    order = order_save(company=company, actor=customer.owner, customer=customer,
                       lines=[{"item": shaft, "quantity": D("3"), "unit": shaft.base_unit}])
    order_confirm(order=order, actor=customer.owner)
    deliver_events()
    log_in(page, live_server.url, "rep")
    page.goto(f"{live_server.url}/sales/orders/{order.pk}/")
    page.wait_for_selector("#order-line-1 [data-col='short'] >> text=3 PCS")
    assert page.locator("#order-tracking a[href*='/inventory/deliveries/']").count() == 0
    keeper = page.context.browser.new_context(locale="zh-TW").new_page()
    log_in(keeper, live_server.url, "keeper")
    keeper.goto(f"{live_server.url}/office/")
    keeper.wait_for_selector("#inbox-count[data-count='0']", timeout=10_000)
    for p in (page, keeper):
        p.evaluate("window.__notReloaded = true")

    bin_a = Location.objects.get(warehouse__company=company, code="A-01")
    receipt = receipt_save(company=company, actor=customer.owner, warehouse=bin_a.warehouse, lines=[
        {"item": shaft, "quantity": D("3"), "unit": shaft.base_unit, "location": bin_a, "unit_cost": D("900")}])
    receipt_post(receipt=receipt, actor=customer.owner)
    deliver_events()  # the worker: stock_available → the waiting line is reserved, its note and pick task made

    page.wait_for_selector("#order-line-1 [data-col='reserved'] >> text=3 PCS", timeout=6_000)  # polled every 3 s
    page.wait_for_selector("#order-line-1 [data-col='short'] >> text=0 PCS", timeout=6_000)
    page.wait_for_selector("#order-tracking a[href*='/inventory/deliveries/']", timeout=6_000)
    keeper.wait_for_selector("#inbox-count[data-count='1']", timeout=8_000)  # polled every 4 s
    assert page.evaluate("window.__notReloaded") is True
    assert keeper.evaluate("window.__notReloaded") is True
    screenshot(page, "waiting-order-reserved")
    keeper.goto("about:blank")
