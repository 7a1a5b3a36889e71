"""Tasks speak the reader's language (design rule 9): every kind of task a department makes keeps its
title and description as a message key with parameters, so the inbox, the task's page, the order
page, the API and the admin show them in the reader's language, with that language's date and number
formats, whatever language the task was made in. A task typed by a person stays as it was typed."""

import html
from decimal import Decimal

import pytest
from django.utils import translation

from erp.models import User
from inventory.models import DeliveryNote, Item
from inventory.services.deliveries import delivery_post, delivery_save_picks
from inventory.services.reorder import reorder_scan
from office.models import Task
from office.services import task_assign
from sales.models import CustomerReturn
from sales.services.masterdata import customer_update
from sales.services.orders import credit_request_approval, order_cancel, order_confirm
from sales.services.returns import return_post, return_save
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db
LANGUAGES = ["en", "zh-hant", "zh-hans"]


def every_kind_of_task(sal):
    """One task of each kind a department makes, all made while the site speaks zh-Hant."""
    with translation.override("zh-hant"):
        sal.receive(sal.widget, 20)
        order = sal.order([{"item": sal.widget, "quantity": D("5")}, {"item": sal.pump, "quantity": D("2")},
                           {"item": sal.motor, "quantity": D("3")}])
        order_confirm(order=order, actor=sal.rep)
        deliver_events()  # the delivery note and its pick task; the purchasing request (production: MRP demand)
        note = DeliveryNote.objects.get(source_id=order.pk)
        delivery_save_picks(delivery=note, actor=sal.keeper,
                            lines=[{"id": note.lines.get().pk, "picked": D("2"), "location": sal.a1, "lot": None}])
        note = delivery_post(delivery=note, actor=sal.keeper)  # 3 left: a backorder and its pick task
        deliver_events()  # finance: invoice the delivery
        returned = return_save(company=sal.company, actor=sal.keeper, delivery=note,
                               lines=[{"delivery_line": note.lines.get(), "quantity": D("1"), "location": sal.a1}])
        return_post(customer_return=returned, actor=sal.keeper)
        deliver_events()  # finance: a credit note for the return
        customer_update(customer=sal.customer, actor=sal.manager, credit_limit=D("1000"))
        draft = sal.order([{"item": sal.widget, "quantity": D("20")}])  # 2,100 with tax, above the limit
        credit_request_approval(order=draft, actor=sal.rep)  # an approval request now, not a task
        Item.objects.filter(pk=sal.widget.pk).update(reorder_point=D("1500"))
        reorder_scan(company=sal.company)
    order.refresh_from_db()
    note.refresh_from_db()
    return order, note, returned, draft


def expected_titles(order, note, returned, draft):
    """{task kind: {language: the title}}."""
    backorder = DeliveryNote.objects.get(backorder_of=note)
    sr = CustomerReturn.objects.get(pk=returned.pk).reference
    return {
        "inventory.pick_delivery": {
            "en": f"Pick and ship {order.number} (C001 大同機械)",
            "zh-hant": f"揀貨並出貨：{order.number}（C001 大同機械）",
            "zh-hans": f"拣货并发货：{order.number}（C001 大同機械）"},
        "inventory.pick_backorder": {
            "en": f"Pick and ship the backorder of {order.number} (C001 大同機械)",
            "zh-hant": f"揀貨並出貨：{order.number} 的欠交部分（C001 大同機械）",
            "zh-hans": f"拣货并发货：{order.number} 的欠交部分（C001 大同機械）"},
        "purchasing.buy_shortage": {
            "en": f"Buy for {order.number}",
            "zh-hant": f"為 {order.number} 採購",
            "zh-hans": f"为 {order.number} 采购"},
        "finance.invoice_delivery": {
            "en": f"Invoice {note.number} (C001 大同機械)",
            "zh-hant": f"開立發票：{note.number}（C001 大同機械）",
            "zh-hans": f"开具发票：{note.number}（C001 大同機械）"},
        "finance.credit_returned_goods": {
            "en": f"Issue a credit note for {sr} (C001 大同機械)",
            "zh-hant": f"開立折讓單：{sr}（C001 大同機械）",
            "zh-hans": f"开具红字发票：{sr}（C001 大同機械）"},
        "inventory.reorder": {
            "en": "Reorder WID-1 齒輪組: 16 available, reorder point 1,500",
            "zh-hant": "WID-1 齒輪組 需補貨：可用 16，再訂購點 1,500",
            "zh-hans": "WID-1 齒輪組 需补货：可用 16，再订货点 1,500"},
    }, backorder


def kind_of(task, backorder):
    if task.kind == "inventory.pick_delivery" and task.document_id == backorder.pk:
        return "inventory.pick_backorder"
    return task.kind


@pytest.fixture
def reader(sal, make_user):
    """Someone who sees every department's tasks (the roles they are addressed to)."""
    return make_user("reader", "Warehouse", "Production", "Purchasing", "Finance", "Sales manager", "Sales")


def test_every_kind_of_task_reads_in_the_readers_language_in_the_inbox_and_on_its_page(sal, reader, client):
    order, note, returned, draft = every_kind_of_task(sal)
    titles, backorder = expected_titles(order, note, returned, draft)
    tasks = list(Task.objects.order_by("pk"))
    assert {kind_of(task, backorder) for task in tasks} == set(titles)
    assert all(task.title_message for task in tasks)
    client.force_login(reader)

    for language in LANGUAGES:
        User.objects.filter(pk=reader.pk).update(language=language)
        inbox = html.unescape(client.get("/office/?status=all").content.decode())
        for task in tasks:
            title = titles[kind_of(task, backorder)][language]
            assert title in inbox, (language, title)
            page = html.unescape(client.get(f"/office/tasks/{task.pk}/").content.decode())
            assert f'<h1 class="h3">{title} <span' in page, (language, title)
        assert ("揀貨並出貨" in inbox) == (language == "zh-hant")  # the old text only where it belongs


def test_descriptions_read_in_the_readers_language_with_its_date_and_number_formats(sal, reader, client):
    order, note, returned, draft = every_kind_of_task(sal)
    buy = Task.objects.get(kind="purchasing.buy_shortage")
    pick = Task.objects.get(kind="inventory.pick_delivery", document_id=note.pk)
    required = buy.due_date
    client.force_login(reader)
    pages = {}
    for language in LANGUAGES:
        User.objects.filter(pk=reader.pk).update(language=language)
        pages[language] = {task.pk: html.unescape(client.get(f"/office/tasks/{task.pk}/").content.decode())
                           for task in (buy, pick)}

    assert f"Line 3: MOT-1 馬達 — 3 PCS by {required:%Y-%m-%d}" in pages["en"][buy.pk]
    assert f"第 3 行：MOT-1 馬達 — 3 PCS，需求日期 {required:%Y/%m/%d}" in pages["zh-hant"][buy.pk]
    assert f"第 3 行：MOT-1 馬達 — 3 PCS，需求日期 {required:%Y-%m-%d}" in pages["zh-hans"][buy.pk]
    # the note was a draft when the task was made: its provisional reference reads in each language too
    assert f"Delivery note Draft DN #{note.pk} is ready to pick in FG." in pages["en"][pick.pk]
    assert f"发货单 DN 草稿 #{note.pk} 已可在 FG 拣货。" in pages["zh-hans"][pick.pk]


def test_the_api_and_the_order_page_give_the_title_in_the_request_language(sal, reader, client):
    order, note, returned, draft = every_kind_of_task(sal)
    buy = Task.objects.get(kind="purchasing.buy_shortage")
    client.force_login(reader)

    User.objects.filter(pk=reader.pk).update(language="en")
    api = client.get(f"/api/office/tasks/{buy.pk}/").json()
    order_page = html.unescape(client.get(f"/sales/orders/{order.pk}/tracking/").content.decode())
    User.objects.filter(pk=reader.pk).update(language="zh-hans")
    api_hans = client.get(f"/api/office/tasks/{buy.pk}/").json()

    assert api["title"] == f"Buy for {order.number}"
    assert api["description"].startswith("Line 3: MOT-1 馬達 — 3 PCS by ")
    assert api_hans["title"] == f"为 {order.number} 采购"
    assert f"Buy for {order.number}" in order_page and "採購" not in order_page


def test_the_stored_text_is_the_site_languages_whatever_language_made_the_task(sal):
    with translation.override("en"):
        sal.receive(sal.widget, 20)
        order = sal.order([{"item": sal.motor, "quantity": D("2")}])
        order_confirm(order=order, actor=sal.rep)
        deliver_events()
    order.refresh_from_db()

    task = Task.objects.get(kind="purchasing.buy_shortage")
    assert task.title == f"為 {order.number} 採購"  # for searches and the raw row: the site's language
    assert task.title_message == {"key": "Buy for %(order)s", "params": {"order": order.number}}
    with translation.override("en"):
        assert (task.display_title, str(task)) == (f"Buy for {order.number}",) * 2


def test_a_task_typed_by_a_person_and_a_task_from_before_messages_show_their_text(sal, reader, client):
    typed = task_assign(company=sal.company, title="請確認 SO-9 的包裝", description="Fragile: 2 boxes", role="Sales")
    Task.objects.filter(pk=typed.pk).update(title_message=None)
    old = Task.objects.create(company=sal.company, title="為 SO-1 安排生產", description="第 1 行",
                              assignee_role=typed.assignee_role)
    client.force_login(reader)

    User.objects.filter(pk=reader.pk).update(language="en")
    page = client.get(f"/office/tasks/{typed.pk}/").content.decode()
    inbox = client.get("/office/").content.decode()
    api = client.get(f"/api/office/tasks/{old.pk}/").json()

    assert typed.title_message is None and typed.description_message is None
    assert "請確認 SO-9 的包裝" in page and "Fragile: 2 boxes" in page
    assert "為 SO-1 安排生產" in inbox
    assert (api["title"], api["description"]) == ("為 SO-1 安排生產", "第 1 行")


def test_the_inbox_search_finds_a_department_task_by_its_english_words_too(sal, reader, client):
    every_kind_of_task(sal)
    client.force_login(reader)
    User.objects.filter(pk=reader.pk).update(language="en")

    found = client.get("/office/", {"status": "all", "q": "buy for"}).context["page"]
    found_hant = client.get("/office/", {"status": "all", "q": "採購"}).context["page"]

    assert [task.kind for task in found] == [task.kind for task in found_hant] == ["purchasing.buy_shortage"]


def test_the_home_page_and_the_admin_list_give_the_title_in_the_readers_language(sal, reader, client):
    order, note, returned, draft = every_kind_of_task(sal)
    buy = Task.objects.get(kind="purchasing.buy_shortage")
    User.objects.filter(pk__in=[reader.pk, sal.admin.pk]).update(language="en")

    client.force_login(reader)
    home = html.unescape(client.get("/").content.decode())
    client.force_login(sal.admin)
    admin_list = html.unescape(client.get("/admin/office/task/").content.decode())
    admin_page = html.unescape(client.get(f"/admin/office/task/{buy.pk}/change/").content.decode())

    assert f"Buy for {order.number}" in home and "採購" not in home
    assert f"Buy for {order.number}" in admin_list and "採購" not in admin_list
    assert f"Buy for {order.number}" in admin_page and "Line 3: MOT-1 馬達 — 3 PCS by" in admin_page


def test_the_systems_closing_note_reads_in_the_readers_language(sal, client):
    sal.receive(sal.widget, 5)
    with translation.override("zh-hant"):
        order = sal.order([{"item": sal.widget, "quantity": D("5")}])
        order_confirm(order=order, actor=sal.rep)
        deliver_events()
        order_cancel(order=order, actor=sal.rep, reason="客戶取消")
    order.refresh_from_db()
    task = Task.objects.get(kind="inventory.pick_delivery")
    assert task.status == "cancelled" and task.close_note_message is not None

    notes = {}
    for language in LANGUAGES:
        with translation.override(language):
            notes[language] = task.display_close_note
    assert notes["en"].endswith(f"{order.number} was voided.")
    assert notes["zh-hant"].endswith("已作廢。") and notes["zh-hans"].endswith("已作废。")
    User.objects.filter(pk=sal.keeper.pk).update(language="en")
    client.force_login(sal.keeper)
    assert f"{order.number} was voided." in client.get(f"/office/tasks/{task.pk}/").content.decode()
