"""Sales and its neighbours read like a business document (issue 11): the same number in a message
and on the page, the tax named from the tax code, history values in words and links, roles in the
reader's language."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from erp.history import history_for
from inventory.models import DeliveryNote
from inventory.services.deliveries import delivery_save_picks
from office.services import task_assign
from sales.services import masterdata as sales_masterdata
from sales.services.orders import order_confirm
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


def speaks(language, *users):
    for user in users:
        user.language = language
        user.save(update_fields=["language"])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def test_the_credit_message_and_the_next_banner_write_the_amounts_alike(sal, client):
    speaks("zh-hant", sal.rep)
    sales_masterdata.customer_update(customer=sal.customer, credit_limit=D("30000"))
    order = sal.order([{"item": sal.widget, "quantity": D("348")}])  # 348 × 90 (from 100 up) + 5 % = 32,886.00
    client.force_login(sal.rep)

    response = client.post(f"/sales/orders/{order.pk}/confirm/")
    (message,) = messages_of(response)
    banner = re.search(r'id="credit-state">(.*?)</div>', client.get(f"/sales/orders/{order.pk}/").content.decode(),
                       re.S).group(1)

    for text in (message, banner):
        assert "32,886.00" in text and "30,000.00" in text and "0.00" in text
        assert "32886" not in text and "30000" not in text


def test_the_order_page_writes_quantities_prices_and_dates_as_the_language_does(sal, client):
    speaks("zh-hant", sal.rep)
    sal.receive(sal.widget, 2)
    order = sal.order([{"item": sal.widget, "quantity": D("5")}])
    order_confirm(order=order, actor=sal.rep)
    client.force_login(sal.rep)

    html = client.get(f"/sales/orders/{order.pk}/").content.decode()

    assert '<td class="num">100.0000</td>' in html  # the unit price with the company's 4 cost decimals
    assert "5 PCS" in html and "5.0000" not in html  # pieces have no decimals
    (shortage,) = re.findall(r"<li data-line=[^>]*>([^<]*WID-1[^<]*)<", html)  # the 3 short sent to production
    assert re.search(r"\b3 PCS\b", shortage)
    assert re.search(r"\d{4}/\d{2}/\d{2}", shortage) and not re.search(r"\d{4}-\d{2}-\d{2}", shortage)


def test_the_tax_is_named_from_the_tax_code_in_every_language(sal, client):
    speaks("zh-hans", sal.rep)
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    client.force_login(sal.rep)

    html = client.get(f"/sales/orders/{order.pk}/").content.decode()
    printed = client.get(f"/sales/orders/{order.pk}/print/").content.decode()
    entry = client.get("/sales/orders/new/").content.decode()

    for page in (html, printed, entry):
        assert "营业稅 5%" not in page  # (no character conversion of data either)
        assert "營業稅 5%" in page
        assert "增值税" not in page


def test_a_customers_history_says_yes_and_no_and_formats_money(sal):
    sales_masterdata.customer_update(customer=sal.customer, credit_limit=D("22200"))
    sales_masterdata.customer_update(customer=sal.customer, is_active=False)

    with translation.override("zh-hant"):
        changes = [c for row in history_for(sal.customer) for c in row["changes"]]

    assert {"field": "啟用", "old": "是", "new": "否"} in changes
    credit = next(c for c in changes if c["field"] == "信用額度")
    assert credit["new"] == "22,200.00"


def test_a_tasks_history_names_its_role_document_and_type(sal):
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    task = task_assign(company=sal.company, title="check", role="Production", document=order, actor=sal.rep)

    with translation.override("zh-hant"):
        rows = history_for(task, user=sal.rep)
        changes = {c["field"]: c["new"] for row in rows for c in row["changes"]}
        reference = str(order.reference)
    with translation.override("en"):
        english = {c["field"]: c["new"] for row in history_for(task) for c in row["changes"]}
        english_reference = str(order.reference)

    assert changes["指派的角色"] == "生產"
    assert english["assigned role"] == "Production"
    assert changes["單據類型"] == "訂單"
    assert changes["單據 ID"] == f'<a href="/sales/orders/{order.pk}/">{reference}</a>'
    assert english["document id"] == english_reference  # no reader given: no link


def test_saving_picks_records_the_quantities_on_the_delivery_notes_history(sal):
    sal.receive(sal.widget, 10)
    order = sal.order([{"item": sal.widget, "quantity": D("1234")}])
    sal.receive(sal.widget, 2000)
    order_confirm(order=order, actor=sal.rep)
    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    line = note.lines.get()

    delivery_save_picks(delivery=note, actor=sal.keeper,
                        lines=[{"id": line.pk, "picked": D("1200"), "location": sal.a1, "lot": None}])

    with translation.override("en"):
        rows = history_for(note)
    (picked,) = [(row["entry"], change) for row in rows for change in row["changes"] if change["field"] == "Picked"]
    assert picked[1] == {"field": "Picked", "old": "1 WID-1: 1,234 PCS @ A-01", "new": "1 WID-1: 1,200 PCS @ A-01"}
    assert picked[0].actor == sal.keeper


def test_admin_filters_name_the_roles_in_the_readers_language(sal, client):
    speaks("zh-hant", sal.admin)
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    task_assign(company=sal.company, title="check", role="Production", document=order, actor=sal.rep)
    client.force_login(sal.admin)

    tasks = client.get("/admin/office/task/").content.decode()
    users = client.get("/admin/erp/user/").content.decode()
    index = client.get("/admin/").content.decode()

    assert ">生產</a>" in tasks and ">Production</a>" not in tasks
    assert ">業務主管</a>" in users and ">Sales manager</a>" not in users
    assert ">API 權杖</a>" in index
    assert "驗證 TOKEN" not in index.upper() and "Token<" not in index


def test_the_admins_role_list_names_each_role_in_the_readers_language(sal, client):
    speaks("zh-hant", sal.admin)
    client.force_login(sal.admin)  # a superuser: the roles are superuser-only

    roles = client.get("/admin/auth/group/").content.decode()

    assert ">生產</a>" in roles and ">業務主管</a>" in roles
