"""The sales document screens through the test client: quotation and order lists, order entry (item
lookup, line price, totals as you type), the quotation → order → confirmation flow, the order's
cross-department page and its polling partial, the dashboard tiles, permissions and query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from inventory.models import DeliveryNote
from inventory.services import masterdata
from inventory.services.deliveries import PICK_TASK, delivery_post, delivery_save_picks
from office.models import ApprovalRequest, Task
from office.services import task_assign
from sales import status as st
from sales.models import CreditApproval, Quotation, SalesOrder
from sales.services import masterdata as sales_masterdata
from sales.services.orders import order_cancel, order_confirm
from sales.services.quotations import quotation_save
from tests.conftest import warm_permissions
from tests.sales.conftest import deliver_events

D = Decimal
pytestmark = pytest.mark.django_db


# Helpers -------------------------------------------------------------------------------------


def english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


@pytest.fixture
def world(sal):
    english(sal.rep, sal.rep2, sal.manager, sal.keeper, sal.admin)
    return sal


def lines_data(lines, prefix="lines"):
    """The POST data of the line formset."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(lines)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "500"}
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"{prefix}-{index}-{name}"] = "" if value is None else str(getattr(value, "pk", value))
    return data


def order_data(world, lines, **header):
    data = {"customer": world.customer.pk, "document_date": world.today.isoformat(), "requested_date": "",
            "customer_reference": "", "ship_to": "", "notes": "", "payment_term": "", "warehouse": ""}
    data.update(header)
    data.update(lines_data(lines))
    return data


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def panel(response, template):
    """The context of a section another app adds to the page (erp.registry.document_panels)."""
    return next(shown.context for shown in response.context["panels"] if shown.template == template)


DELIVERIES_PANEL, TASKS_PANEL = "inventory/panels/source_deliveries.html", "office/panels/tasks.html"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def make_orders(world, count, customer=None, lines=1):
    return [world.order([{"item": world.widget, "quantity": D("1")}] * lines, customer=customer)
            for _ in range(count)]


# Permissions ---------------------------------------------------------------------------------

SCREENS = ["/sales/quotations/", "/sales/orders/", "/sales/dashboard/"]


@pytest.mark.parametrize("role", ["Sales", "Sales manager", "Warehouse", "Production", "Finance", "Manager"])
def test_the_lists_and_the_dashboard_open_for_every_role_that_sees_sales(world, client, make_user, role):
    client.force_login(make_user("someone", role, language="en"))

    for url in SCREENS:
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("role,allowed", [("Sales", True), ("Sales manager", True), ("Warehouse", False),
                                          ("Finance", False), ("Manager", False)])
def test_only_sales_roles_open_the_entry_forms(world, client, make_user, role, allowed):
    quotation = quotation_save(company=world.company, actor=world.manager, customer=world.customer,
                               lines=[{"item": world.widget, "quantity": D("1"), "unit": world.pcs}])
    client.force_login(world.rep if role == "Sales" else make_user("someone", role, language="en"))

    for url in ["/sales/quotations/new/", "/sales/orders/new/", f"/sales/quotations/{quotation.pk}/edit/"]:
        assert client.get(url).status_code == (200 if allowed else 403), url
    for url in [f"/sales/quotations/{quotation.pk}/", f"/sales/quotations/{quotation.pk}/print/"]:
        assert client.get(url).status_code == 200, url


def test_without_a_sales_permission_every_screen_answers_403(world, client, make_user):
    order = world.order([{"item": world.widget, "quantity": D("1")}])
    client.force_login(make_user("outsider", "HR"))

    for url in [*SCREENS, "/sales/quotations/new/", "/sales/orders/new/", f"/sales/orders/{order.pk}/",
                f"/sales/orders/{order.pk}/tracking/", f"/sales/orders/{order.pk}/print/",
                "/sales/entry/items/?q=WID", "/sales/dashboard/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/sales/orders/{order.pk}/confirm/").status_code == 403
    assert SalesOrder.objects.get(pk=order.pk).status == st.OrderStatus.DRAFT


def test_viewing_roles_cannot_create_or_change_orders(world, client):
    order = world.order([{"item": world.widget, "quantity": D("1")}])
    client.force_login(world.keeper)

    assert client.get(f"/sales/orders/{order.pk}/").status_code == 200
    assert client.get("/sales/orders/new/").status_code == 403
    assert client.get(f"/sales/orders/{order.pk}/edit/").status_code == 403
    assert client.post(f"/sales/orders/{order.pk}/confirm/").status_code == 403
    assert client.post(f"/sales/orders/{order.pk}/credit/approve/").status_code == 403


def test_a_rep_does_not_see_another_reps_order(world, client):
    theirs = world.order([{"item": world.widget, "quantity": D("1")}], customer=world.other_customer,
                         actor=world.rep2)
    mine = world.order([{"item": world.widget, "quantity": D("2")}])
    client.force_login(world.rep)

    for url in [f"/sales/orders/{theirs.pk}/", f"/sales/orders/{theirs.pk}/tracking/",
                f"/sales/orders/{theirs.pk}/edit/", f"/sales/orders/{theirs.pk}/print/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/sales/orders/{theirs.pk}/confirm/").status_code == 404
    assert SalesOrder.objects.get(pk=theirs.pk).status == st.OrderStatus.DRAFT
    listed = client.get("/sales/orders/").context["page"].object_list
    assert [o.pk for o in listed] == [mine.pk]


def test_the_sales_menu_entry_shows_for_sales_users_only(world, client, make_user):
    client.force_login(world.rep)
    assert 'href="/sales/orders/"' in page(client, "/")

    client.force_login(make_user("clerk", "HR"))
    assert 'href="/sales/orders/"' not in page(client, "/")


# Order entry ---------------------------------------------------------------------------------


def test_a_rep_creates_a_draft_order_through_the_form(world, client):
    client.force_login(world.rep)
    data = order_data(world, [
        {"item": world.widget, "quantity": "2", "unit": world.box, "unit_price": "1200", "list_price": "1200"},
        {"item": world.motor, "quantity": "5", "requested_date": world.in_a_week.isoformat()},
        {"item": "", "quantity": ""},  # an empty row is ignored
    ], customer_reference="PO-4711")

    response = client.post("/sales/orders/new/", data)

    order = SalesOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sales/orders/{order.pk}/"
    assert (order.status, order.number, order.customer_reference, order.sales_rep) == (
        "draft", "", "PO-4711", world.rep)
    assert list(order.lines.order_by("line_no").values_list(
        "item__code", "quantity", "unit__code", "quantity_base", "unit_price", "net_amount", "requested_date")) == [
        ("WID-1", D("2.0000"), "BOX", D("24.000000"), D("1200.0000"), D("2400.00"), None),
        ("MOT-1", D("5.0000"), "PCS", D("5.000000"), D("800.0000"), D("4000.00"), world.in_a_week),
    ]
    assert (order.net_amount, order.tax_amount, order.total_amount) == (D("6400.00"), D("320.00"), D("6720.00"))


def test_the_form_of_a_rep_shows_prices_read_only_and_a_manager_can_change_them(world, client):
    client.force_login(world.rep)
    html = page(client, "/sales/orders/new/")
    assert 'name="lines-0-unit_price"' in html
    assert html.count("readonly") == 6  # price and discount of the three empty rows

    client.force_login(world.manager)
    html = page(client, "/sales/orders/new/")
    assert "readonly" not in html


def test_a_rep_cannot_change_the_list_price_and_nothing_is_saved(world, client):
    client.force_login(world.rep)
    data = order_data(world, [{"item": world.widget, "quantity": "2", "unit_price": "50", "list_price": "100"}])

    response = client.post("/sales/orders/new/", data)

    assert response.status_code == 200
    assert response.context["errors"] == ["Line 1: only a sales manager may change the list price (100.0000)."]
    assert SalesOrder.objects.count() == 0


def test_a_manager_overrides_the_price_with_a_discount(world, client):
    client.force_login(world.manager)
    data = order_data(world, [{"item": world.widget, "quantity": "3", "unit_price": "95", "list_price": "100",
                               "discount_percent": "10"}])

    response = client.post("/sales/orders/new/", data)

    assert response.status_code == 302
    line = SalesOrder.objects.get().lines.get()
    assert (line.unit_price, line.list_price, line.discount_percent, line.net_amount) == (
        D("95.0000"), D("100.0000"), D("10.0000"), D("256.50"))


@pytest.mark.parametrize("case", ["inactive item", "zero quantity", "negative quantity", "unit the item lacks",
                                  "negative price", "past requested date"])
def test_bad_line_input_is_shown_beside_the_field_and_nothing_is_saved(world, client, case):
    old = masterdata.item_create(company=world.company, code="OLD-1", name="停產品", base_unit=world.pcs,
                                 is_active=False)
    yesterday = (world.today - datetime.timedelta(days=1)).isoformat()
    line, field, message = {
        "inactive item": ({"item": old, "quantity": "1", "unit_price": "5"}, "item",
                          "OLD-1 is inactive and cannot be sold."),
        "zero quantity": ({"item": world.widget, "quantity": "0"}, "quantity",
                          "The quantity must be greater than zero."),
        "negative quantity": ({"item": world.widget, "quantity": "-3"}, "quantity",
                              "The quantity must be greater than zero."),
        "unit the item lacks": ({"item": world.motor, "quantity": "1", "unit": world.box}, "unit",
                                "MOT-1 is not sold in BOX: choose one of its units."),
        "negative price": ({"item": world.pump, "quantity": "1", "unit_price": "-1"}, "unit_price",
                           "The unit price must not be negative."),
        "past requested date": ({"item": world.widget, "quantity": "1", "requested_date": yesterday},
                                "requested_date", "The requested date is in the past."),
    }[case]
    client.force_login(world.manager)

    response = client.post("/sales/orders/new/", order_data(world, [line]))

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {field: [message]}
    assert message in response.content.decode()
    assert SalesOrder.objects.count() == 0


def test_a_past_requested_date_on_the_header_is_shown_beside_it(world, client):
    client.force_login(world.rep)
    yesterday = (world.today - datetime.timedelta(days=1)).isoformat()

    response = client.post("/sales/orders/new/", order_data(world, [{"item": world.widget, "quantity": "1"}],
                                                            requested_date=yesterday))

    assert response.status_code == 200
    assert response.context["form"].errors == {"requested_date": ["The requested date is in the past."]}
    assert SalesOrder.objects.count() == 0


def test_a_customer_of_another_rep_is_refused_beside_the_customer(world, client):
    client.force_login(world.rep)

    response = client.post("/sales/orders/new/", order_data(world, [{"item": world.widget, "quantity": "1"}],
                                                            customer=world.other_customer.pk))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "customer": ["You do not serve customer C002: only its sales rep or a sales manager may."]}
    offered = [value for value, _label in client.get("/sales/orders/new/").context["form"].fields["customer"]
               .widget.choices]
    assert world.other_customer.pk not in offered and world.customer.pk in offered  # not offered either
    assert SalesOrder.objects.count() == 0


def test_an_order_without_lines_is_refused(world, client):
    client.force_login(world.rep)

    response = client.post("/sales/orders/new/", order_data(world, [{"item": "", "quantity": ""}]))

    assert response.status_code == 200
    assert response.context["errors"] == ["Add at least one line."]
    assert SalesOrder.objects.count() == 0


def test_add_line_shows_one_more_row_and_saves_nothing(world, client):
    client.force_login(world.rep)
    data = order_data(world, [{"item": world.widget, "quantity": "3"}])
    data["add_line"] = "1"

    response = client.post("/sales/orders/new/", data)

    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 2
    assert SalesOrder.objects.count() == 0


def test_with_many_customers_the_header_searches_them_instead_of_listing_them(world, client, monkeypatch):
    from sales.forms import documents as document_forms

    monkeypatch.setattr(document_forms, "CUSTOMER_SELECT_LIMIT", 1)
    client.force_login(world.manager)  # sees both customers

    html = page(client, "/sales/orders/new/")
    found = client.get("/sales/entry/customers/", {"customer_search": "永豐"})
    picked = client.get("/sales/entry/customers/", {"pick": world.other_customer.pk})

    assert '<input type="hidden" name="customer" id="id_customer" value="">' in html
    assert 'id="id_customer_search"' in html and '<select name="customer"' not in html
    assert [c.code for c in found.context["customers"]] == ["C002"]
    assert picked["HX-Trigger-After-Swap"] == "lineChanged"
    assert f'<input type="hidden" name="customer" id="id_customer" value="{world.other_customer.pk}">' in (
        picked.content.decode())
    assert 'value="C002 永豐工業"' in picked.content.decode()
    response = client.post("/sales/orders/new/", order_data(world, [{"item": world.widget, "quantity": "1"}],
                                                            customer=world.other_customer.pk))
    assert SalesOrder.objects.get().customer == world.other_customer
    assert response.status_code == 302


def test_a_rep_cannot_pick_another_reps_customer_in_the_search(world, client):
    client.force_login(world.rep)

    assert client.get("/sales/entry/customers/", {"q": "C002"}).context["customers"] == []
    assert client.get("/sales/entry/customers/", {"pick": world.other_customer.pk}).status_code == 400


def test_the_item_lookup_finds_by_code_name_and_barcode(world, client):
    masterdata.item_update(item=world.pump, barcode="4710001234567")
    masterdata.item_create(company=world.company, code="WID-OLD", name="舊齒輪", base_unit=world.pcs, is_active=False)
    client.force_login(world.rep)

    by_code = client.get("/sales/entry/items/", {"lines-0-item_search": "wid", "prefix": "lines-0"})
    by_name = client.get("/sales/entry/items/", {"q": "馬達", "prefix": "lines-1"})
    by_barcode = client.get("/sales/entry/items/", {"q": "4710001234567", "prefix": "lines-0"})

    assert [i.code for i in by_code.context["items"]] == ["WID-1"]  # the inactive one is not offered
    assert 'hx-target="#row-lines-0"' in by_code.content.decode()
    assert [i.code for i in by_name.context["items"]] == ["MOT-1"]
    assert [i.code for i in by_barcode.context["items"]] == ["PMP-1"]
    assert 'hx-trigger="load, click"' not in by_barcode.content.decode()


def test_enter_after_a_scanned_barcode_chooses_the_item_at_once(world, client):
    masterdata.item_update(item=world.pump, barcode="4710001234567")
    client.force_login(world.rep)

    response = client.get("/sales/entry/items/", {"q": "4710001234567", "prefix": "lines-0", "pick": "1"})

    assert response.context["picked"] == world.pump.pk
    assert 'hx-trigger="load, click"' in response.content.decode()


def test_choosing_an_item_fills_its_units_and_the_list_price(world, client):
    client.force_login(world.rep)

    response = client.get("/sales/entry/line/", {"prefix": "lines-2", "item": world.widget.pk,
                                                 "customer": world.customer.pk, "lines-2-quantity": "3"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger-After-Swap"] == "lineChanged"
    assert 'id="row-lines-2"' in html
    assert f'<option value="{world.pcs.pk}" selected>PCS</option>' in html
    assert f'<option value="{world.box.pk}">BOX (= 12 PCS)</option>' in html
    assert 'name="lines-2-unit_price" value="100"' in html
    assert 'value="WID-1 齒輪組"' in html


def test_changing_unit_or_quantity_reprices_the_line(world, client):
    client.force_login(world.rep)
    row = {"prefix": "lines-0", "lines-0-item": world.widget.pk, "customer": world.customer.pk,
           "lines-0-unit_price": "100", "lines-0-list_price": "100"}

    in_boxes = client.get("/sales/entry/line/", {**row, "lines-0-unit": world.box.pk, "lines-0-quantity": "1"})
    in_bulk = client.get("/sales/entry/line/", {**row, "lines-0-unit": world.pcs.pk, "lines-0-quantity": "100"})

    assert 'name="lines-0-unit_price" value="1200"' in in_boxes.content.decode()
    assert 'name="lines-0-unit_price" value="90"' in in_bulk.content.decode()  # the quantity break


def test_a_managers_own_price_is_kept_when_the_quantity_changes(world, client):
    client.force_login(world.manager)

    response = client.get("/sales/entry/line/", {
        "prefix": "lines-0", "lines-0-item": world.widget.pk, "customer": world.customer.pk,
        "lines-0-quantity": "7", "lines-0-unit_price": "88", "lines-0-list_price": "100"})

    assert 'name="lines-0-unit_price" value="88"' in response.content.decode()


def test_the_totals_are_computed_as_you_type_with_the_services_rounding(world, client):
    client.force_login(world.manager)
    data = order_data(world, [
        {"item": world.widget, "quantity": "3", "unit_price": "33.333", "list_price": "100"},
        {"item": world.motor, "quantity": "1"},  # the list price, 800
        {"item": world.pump, "quantity": "", "unit_price": ""},  # not complete yet
    ])

    response = client.post("/sales/entry/totals/", data)

    totals = response.context["totals"]
    assert totals["amounts"] == {"lines-0": D("100.00"), "lines-1": D("800.00"), "lines-2": None}
    assert (totals["net"], totals["tax"], totals["total"]) == (D("900.00"), D("45.00"), D("945.00"))
    html = response.content.decode()
    assert '<span id="amount-lines-1" hx-swap-oob="true">800.00</span>' in html
    assert '<dd class="col-6 num mb-0 fw-bold" id="total-total">945.00</dd>' in html


def test_editing_a_draft_replaces_its_lines_and_a_confirmed_order_cannot_be_edited(world, client):
    world.receive(world.widget, 10)
    order = world.order([{"item": world.widget, "quantity": D("2")}])
    client.force_login(world.rep)
    form = client.get(f"/sales/orders/{order.pk}/edit/")
    assert form.context["formset"].initial[0]["quantity"] == "2"

    response = client.post(f"/sales/orders/{order.pk}/edit/", {
        **order_data(world, [{"item": world.widget, "quantity": "4", "unit_price": "100", "list_price": "100"}],
                     notes="call first"),
        "lines-INITIAL_FORMS": "1"})

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.notes == "call first"
    assert list(order.lines.values_list("quantity", "net_amount")) == [(D("4.0000"), D("400.00"))]

    order_confirm(order=order, actor=world.rep)
    response = client.get(f"/sales/orders/{order.pk}/edit/")

    assert response.status_code == 302
    assert messages_of(response) == [
        "This document is no longer a draft: void or reverse it instead of editing it."]


# Quotation → order → confirmation through the screens ------------------------------------------


def test_quote_convert_confirm_and_follow_the_order_across_departments(world, client):
    world.receive(world.widget, 30, cost="40")
    client.force_login(world.rep)
    response = client.post("/sales/quotations/new/", {
        "customer": world.customer.pk, "document_date": world.today.isoformat(), "valid_until": "",
        "customer_reference": "RFQ-9", "payment_term": "", "ship_to": "", "notes": "",
        **lines_data([
            {"item": world.widget, "quantity": "20", "unit_price": "100", "list_price": "100"},
            {"item": world.pump, "quantity": "2", "requested_date": world.in_a_week.isoformat()},
            {"item": world.motor, "quantity": "5"},
        ])})
    quotation = Quotation.objects.get()
    assert response["Location"] == f"/sales/quotations/{quotation.pk}/"
    assert quotation.total_amount == D("11550.00")

    response = client.post(f"/sales/quotations/{quotation.pk}/send/")
    quotation.refresh_from_db()
    assert quotation.status == st.QuotationStatus.SENT and quotation.number.startswith("QT")
    assert messages_of(response) == [f"{quotation.number} marked as sent."]

    response = client.post(f"/sales/quotations/{quotation.pk}/convert/")
    order = SalesOrder.objects.get()
    assert response["Location"] == f"/sales/orders/{order.pk}/"
    assert messages_of(response) == [f"{order.reference} created from {quotation.number}: check it and confirm it."]
    assert order.quotation == quotation and order.lines.count() == 3

    response = client.post(f"/sales/orders/{order.pk}/confirm/")

    order.refresh_from_db()
    promised = world.today + datetime.timedelta(days=21)
    assert order.status == st.OrderStatus.CONFIRMED
    assert messages_of(response) == [
        f"{order.number} confirmed, promised for {promised.isoformat()}. "
        f"line 1 WID-1: 20 PCS reserved, 0 PCS short, promised for {world.today.isoformat()}; "
        f"line 2 PMP-1: 0 PCS reserved, 2 PCS short, promised for "
        f"{(world.in_a_week + datetime.timedelta(days=14)).isoformat()}; "
        f"line 3 MOT-1: 0 PCS reserved, 5 PCS short, promised for {promised.isoformat()}."]

    response = client.get(f"/sales/orders/{order.pk}/")
    html = response.content.decode()
    lines = response.context["tracking"]["lines"]
    assert [(line.reserved_now, line.shortage_quantity) for line in lines] == [
        (D("20"), D("0")), (D("0"), D("2")), (D("0"), D("5"))]
    assert f'<a href="/sales/quotations/{quotation.pk}/" id="quotation-link">{quotation.number}</a>' in html
    assert f'hx-get="/sales/orders/{order.pk}/tracking/" hx-trigger="every 3s"' in html
    assert '<td class="num text-nowrap" data-col="reserved">20 PCS</td>' in html
    assert '<td class="num text-nowrap text-danger fw-bold" data-col="short">5 PCS</td>' in html
    assert "Requested from production" in html and "Requested from purchasing" in html
    assert "Line 2: PMP-1 油壓泵, 2 PCS required by" in html
    assert 'id="document-reservations"' in html and "<td>A-01</td>" in html
    assert "No delivery note yet" in html  # the event waits for the worker
    assert f"/sales/orders/{order.pk}/cancel/" in html and f"/sales/orders/{order.pk}/confirm/" not in html


def test_a_cancelled_order_no_longer_shows_its_shortages_as_owed(world, client):
    order = world.order([{"item": world.motor, "quantity": D("5")}])
    order_confirm(order=order, actor=world.rep)
    client.force_login(world.rep)
    confirmed = client.get(f"/sales/orders/{order.pk}/tracking/").content.decode()

    order_cancel(order=order, actor=world.rep, reason="客戶取消")
    cancelled = client.get(f"/sales/orders/{order.pk}/tracking/").content.decode()

    assert '<td class="num text-nowrap text-danger fw-bold" data-col="short">5 PCS</td>' in confirmed
    assert 'id="shortages-closed"' not in confirmed
    assert "text-danger" not in cancelled and '<td class="num text-muted" data-col="short">—</td>' in cancelled
    assert 'id="shortages-closed"' in cancelled


def test_the_tracking_partial_shows_delivery_notes_tasks_and_history_after_the_events(world, client):
    world.receive(world.widget, 30, cost="40")
    order = world.order([{"item": world.widget, "quantity": D("20")}, {"item": world.pump, "quantity": D("1")}])
    order_confirm(order=order, actor=world.rep)
    client.force_login(world.rep)
    before = client.get(f"/sales/orders/{order.pk}/tracking/")
    assert panel(before, DELIVERIES_PANEL)["deliveries"] == []

    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    delivery_save_picks(delivery=note, actor=world.keeper,
                        lines=[{"id": note.lines.get().pk, "picked": D("8"), "location": world.a1, "lot": None}])
    delivery_post(delivery=note, actor=world.keeper)
    deliver_events()

    response = client.get(f"/sales/orders/{order.pk}/tracking/")

    html = response.content.decode()
    note.refresh_from_db()
    backorder = DeliveryNote.objects.get(backorder_of=note)
    assert response.status_code == 200
    assert "<html" not in html  # a fragment
    assert [d.pk for d in panel(response, DELIVERIES_PANEL)["deliveries"]] == [note.pk, backorder.pk]
    assert note.reference in html and f"backorder of {note.reference}" in html
    assert 'data-status="posted"' in html
    tasks = panel(response, TASKS_PANEL)["tasks"]
    assert {(t.assignee_role.name, t.status) for t in tasks} >= {("Finance", "open")}
    assert f"Pick and ship {order.number}" in html
    assert "Finance" in html
    assert '<td class="num text-nowrap" data-col="delivered">8 PCS</td>' in html
    assert 'data-status="partial"' in html
    # the events' plumbing is the admin's event pages' business, not the order page's
    assert "sales.order_confirmed" not in html and "sales.prepare_delivery" not in html
    assert 'id="document-tasks"' in html and "History" in html


def test_cancelling_a_confirmed_order_releases_it_on_the_page(world, client):
    world.receive(world.widget, 10)
    order = world.order([{"item": world.widget, "quantity": D("4")}])
    order_confirm(order=order, actor=world.rep)
    deliver_events()
    client.force_login(world.rep)

    response = client.post(f"/sales/orders/{order.pk}/cancel/", {"reason": "重複建立"})

    order.refresh_from_db()
    assert order.status == st.OrderStatus.CANCELLED
    assert messages_of(response) == [f"{order.number} voided."]
    html = page(client, f"/sales/orders/{order.pk}/tracking/")
    assert '<td class="num text-nowrap" data-col="reserved">0 PCS</td>' in html
    assert not Task.objects.filter(status="open", assignee_role__name="Warehouse").exists()


def test_closing_a_partially_delivered_order(world, client):
    world.receive(world.widget, 10)
    order = world.order([{"item": world.widget, "quantity": D("4")}])
    order_confirm(order=order, actor=world.rep)
    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    delivery_save_picks(delivery=note, actor=world.keeper,
                        lines=[{"id": note.lines.get().pk, "picked": D("1"), "location": world.a1, "lot": None}])
    delivery_post(delivery=note, actor=world.keeper)
    client.force_login(world.rep)
    assert f"/sales/orders/{order.pk}/close/" in page(client, f"/sales/orders/{order.pk}/")

    response = client.post(f"/sales/orders/{order.pk}/close/")

    order.refresh_from_db()
    assert order.status == st.OrderStatus.CLOSED
    assert messages_of(response) == [f"{order.number} closed."]


def test_an_illegal_action_is_a_message_not_an_error(world, client):
    order = world.order([{"item": world.widget, "quantity": D("1")}])
    client.force_login(world.rep)

    response = client.post(f"/sales/orders/{order.pk}/close/")

    assert response.status_code == 302
    assert messages_of(response) == [f"Draft SO #{order.pk} cannot go from “Draft” to “Closed”."]
    assert SalesOrder.objects.get(pk=order.pk).status == st.OrderStatus.DRAFT


def test_a_draft_is_deleted(world, client):
    order = world.order([{"item": world.widget, "quantity": D("1")}])
    client.force_login(world.rep)

    response = client.post(f"/sales/orders/{order.pk}/delete/")

    assert response["Location"] == "/sales/orders/"
    assert not SalesOrder.objects.exists()


def test_a_quotation_is_cancelled_and_its_page_and_print_render(world, client):
    quotation = quotation_save(company=world.company, actor=world.rep, customer=world.customer,
                               lines=[{"item": world.widget, "quantity": D("2"), "unit": world.pcs}])
    client.force_login(world.rep)
    html = page(client, f"/sales/quotations/{quotation.pk}/")
    assert f"/sales/quotations/{quotation.pk}/convert/" in html and f"/sales/quotations/{quotation.pk}/edit/" in html
    printed = page(client, f"/sales/quotations/{quotation.pk}/print/")
    assert '<td class="num" id="print-total"><strong>210.00 TWD</strong></td>' in printed

    client.post(f"/sales/quotations/{quotation.pk}/cancel/", {"reason": "重複建立"})

    quotation.refresh_from_db()
    assert quotation.status == st.QuotationStatus.CANCELLED
    html = page(client, f"/sales/quotations/{quotation.pk}/")
    assert "/convert/" not in html and "/edit/" not in html


def test_the_order_print_page(world, client):
    order = world.order([{"item": world.widget, "quantity": D("2")}], customer_reference="PO-1")
    client.force_login(world.rep)

    html = page(client, f"/sales/orders/{order.pk}/print/")

    assert f'<div class="number" id="document-number">{order.reference}</div>' in html
    assert "PO-1" in html and "22099131" in html  # the customer's tax id
    assert '<strong>210.00 TWD</strong>' in html


# Credit --------------------------------------------------------------------------------------


def test_confirmation_above_the_credit_limit_asks_for_a_managers_approval(world, client):
    sales_masterdata.customer_update(customer=world.customer, credit_limit=D("100"))
    order = world.order([{"item": world.widget, "quantity": D("2")}])  # 210 with tax
    client.force_login(world.rep)

    response = client.post(f"/sales/orders/{order.pk}/confirm/")

    assert messages_of(response) == [
        "C001 大同機械: exposure 0.00 + this order 210.00 exceeds the credit limit 100.00. "
        "A sales manager must approve the order."]
    assert SalesOrder.objects.get(pk=order.pk).status == st.OrderStatus.DRAFT
    html = page(client, f"/sales/orders/{order.pk}/")
    assert 'id="credit-state"' in html
    assert f"/sales/orders/{order.pk}/credit/request/" in html
    assert "credit-approve-form" not in html  # a rep cannot approve

    response = client.post(f"/sales/orders/{order.pk}/credit/request/")
    assert messages_of(response) == [
        f"The sales managers were asked to approve Draft SO #{order.pk} above the credit limit."]
    request = ApprovalRequest.objects.get(status="pending")  # on the approval engine, for the sales managers
    assert request.steps.get().role.name == "Sales manager"
    html = page(client, f"/sales/orders/{order.pk}/")
    assert 'id="credit-requested"' in html and f"/sales/orders/{order.pk}/credit/request/" not in html
    assert f"/office/approvals/{request.pk}/" in html and 'id="document-approvals"' in html  # the trail
    assert client.post(f"/sales/orders/{order.pk}/credit/approve/").status_code == 403

    client.force_login(world.manager)
    assert "credit-approve-form" in page(client, f"/sales/orders/{order.pk}/")
    client.post(f"/sales/orders/{order.pk}/credit/approve/", {"note": "long-standing customer"})
    approval = CreditApproval.objects.get()
    assert (approval.order_total, approval.note, approval.approved_by) == (
        D("210.00"), "long-standing customer", world.manager)
    assert ApprovalRequest.objects.get().status == "approved"

    client.force_login(world.rep)
    client.post(f"/sales/orders/{order.pk}/confirm/")
    assert SalesOrder.objects.get(pk=order.pk).status == st.OrderStatus.CONFIRMED
    assert "long-standing customer" in page(client, f"/sales/orders/{order.pk}/tracking/")


# Lists ---------------------------------------------------------------------------------------


def test_the_order_list_filters_and_exports_what_it_shows(world, client):
    world.receive(world.widget, 100)
    big = world.order([{"item": world.widget, "quantity": D("10")}], customer_reference="BIG-1")
    small = world.order([{"item": world.widget, "quantity": D("1")}])
    theirs = world.order([{"item": world.motor, "quantity": D("1")}], customer=world.other_customer, actor=world.rep2)
    order_confirm(order=big, actor=world.rep)
    big.refresh_from_db()
    client.force_login(world.manager)

    def listed(query):
        return [o.pk for o in client.get("/sales/orders/", query).context["page"].object_list]

    assert listed({}) == [theirs.pk, small.pk, big.pk]
    assert listed({"status": "confirmed"}) == [big.pk]
    assert listed({"status": "open"}) == [big.pk]
    assert listed({"customer": "c002"}) == [theirs.pk]
    assert listed({"rep": world.rep2.pk}) == [theirs.pk]
    assert listed({"q": "BIG"}) == [big.pk]
    assert listed({"date_from": world.in_a_week.isoformat()}) == []
    assert listed({"ship_today": "on"}) == [big.pk]
    assert listed({"late": "on"}) == []
    wrong = client.get("/sales/orders/", {"customer": "NOPE"})
    assert wrong.context["filters"].errors == {"customer": ["None of your customers has the code NOPE."]}

    response = client.get("/sales/orders/", {"status": "confirmed", "export": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Number", "Date", "Customer code", "Customer", "Sales rep"]
    assert [(r[0], r[2], r[-2]) for r in rows[1:]] == [(big.number, "C001", "1050.00")]
    response = client.get("/sales/orders/", {"export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="sales_orders.xlsx"'


def test_an_htmx_filter_change_refreshes_only_the_results(world, client):
    world.order([{"item": world.widget, "quantity": D("1")}])
    client.force_login(world.rep)

    response = client.get("/sales/orders/", {"status": "draft"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="document-list"' in html and 'id="filters"' not in html


def test_the_quotation_list_filters(world, client):
    first = quotation_save(company=world.company, actor=world.rep, customer=world.customer,
                           lines=[{"item": world.widget, "quantity": D("2"), "unit": world.pcs}])
    second = quotation_save(company=world.company, actor=world.rep, customer=world.customer, customer_reference="X9",
                            lines=[{"item": world.motor, "quantity": D("1"), "unit": world.pcs}])
    client.force_login(world.rep)

    def listed(query):
        return [q.pk for q in client.get("/sales/quotations/", query).context["page"].object_list]

    assert listed({}) == [second.pk, first.pk]
    assert listed({"q": "X9"}) == [second.pk]
    assert listed({"status": "sent"}) == []
    response = client.get("/sales/quotations/", {"export": "csv"})
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 3


def test_the_lists_paginate_by_25(world, client):
    make_orders(world, 26)
    client.force_login(world.rep)

    first = client.get("/sales/orders/")
    second = client.get("/sales/orders/", {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 1


# Dashboard -----------------------------------------------------------------------------------


def test_the_dashboard_and_home_tiles_link_to_the_filtered_lists(world, client):
    world.receive(world.widget, 100)
    late = world.order([{"item": world.widget, "quantity": D("10")}])
    today = world.order([{"item": world.widget, "quantity": D("1")}])
    order_confirm(order=late, actor=world.rep)
    order_confirm(order=today, actor=world.rep)
    SalesOrder.objects.filter(pk=late.pk).update(promised_date=world.today - datetime.timedelta(days=2))
    client.force_login(world.rep)

    response = client.get("/sales/dashboard/")

    tiles = response.context["tiles"]
    assert (tiles["open_orders"], tiles["open_value"], tiles["ship_today"], tiles["late"]) == (2, D("1100.00"), 1, 1)
    html = response.content.decode()
    assert 'href="/sales/orders/?late=on" id="tile-late"' in html
    assert [o.pk for o in response.context["late_orders"]] == [late.pk]
    assert [o.pk for o in client.get("/sales/orders/?late=on").context["page"].object_list] == [late.pk]
    assert [o.pk for o in client.get("/sales/orders/?ship_today=on").context["page"].object_list] == [today.pk]
    home = page(client, "/")
    assert 'id="sales-tiles"' in home and 'href="/sales/orders/?status=open" id="tile-open"' in home


def test_the_home_page_has_no_sales_tiles_without_the_permission(world, client, make_user):
    client.force_login(make_user("clerk", "HR"))

    assert 'id="sales-tiles"' not in page(client, "/")


# Query counts --------------------------------------------------------------------------------


def queries_of(client, url, django_assert_max_num_queries, limit, **extra):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_the_order_list_runs_the_same_queries_for_3_or_25_rows(world, client, django_assert_max_num_queries, who):
    client.force_login(getattr(world, who))
    warm_permissions(getattr(world, who))
    make_orders(world, 3)
    few = queries_of(client, "/sales/orders/?status=draft", django_assert_max_num_queries, 20)
    make_orders(world, 22)

    many = queries_of(client, "/sales/orders/?status=draft", django_assert_max_num_queries, 20)

    assert many == few


def test_the_quotation_list_runs_the_same_queries_for_2_or_20_rows(world, client, django_assert_max_num_queries):
    client.force_login(world.rep)

    def quote(n):
        for _ in range(n):
            quotation_save(company=world.company, actor=world.rep, customer=world.customer,
                           lines=[{"item": world.widget, "quantity": D("1"), "unit": world.pcs}])

    quote(2)
    few = queries_of(client, "/sales/quotations/", django_assert_max_num_queries, 20)
    quote(18)

    many = queries_of(client, "/sales/quotations/", django_assert_max_num_queries, 20)

    assert many == few


def confirmed_order(world, lines):
    world.receive(world.widget, 100)
    order = world.order([{"item": world.widget, "quantity": D("1")}, {"item": world.pump, "quantity": D("1")}]
                        * (lines // 2))
    order_confirm(order=order, actor=world.rep)
    deliver_events()
    return order


def test_the_order_page_and_its_partial_do_not_grow_with_the_lines(world, client, django_assert_max_num_queries):
    client.force_login(world.rep)
    small = confirmed_order(world, 2)
    big = confirmed_order(world, 12)
    client.get(f"/sales/orders/{small.pk}/")  # warm the per-process caches (content types, permissions) first

    counts = [
        queries_of(client, f"/sales/orders/{order.pk}/{suffix}", django_assert_max_num_queries, 40)
        for suffix in ("", "tracking/") for order in (small, big)
    ]

    assert counts[0] == counts[1] and counts[2] == counts[3]


def test_tasks_open_their_documents_for_those_who_may_and_pick_tasks_the_pick_sheet(world, client):
    """The keeper's inbox links the pick task to the pick sheet and the order page lists the
    warehouse's task as text for the rep, who may not open it (issue 11)."""
    world.receive(world.widget, 30, cost="40")
    order = world.order([{"item": world.widget, "quantity": D("5")}])
    order_confirm(order=order, actor=world.rep)
    deliver_events()
    note = DeliveryNote.objects.get(source_id=order.pk)
    pick = Task.objects.get(kind=PICK_TASK, document_id=note.pk)

    client.force_login(world.keeper)
    inbox = client.get("/office/").content.decode()
    detail = client.get(f"/office/tasks/{pick.pk}/").content.decode()
    client.force_login(world.rep)
    order_page = client.get(f"/sales/orders/{order.pk}/tracking/").content.decode()

    pick_sheet = f'href="/inventory/deliveries/{note.pk}/pick/"'
    assert pick_sheet in inbox and pick_sheet in detail
    assert f'href="/office/tasks/{pick.pk}/"' not in order_page  # the warehouse's task: text for the rep
    with translation.override("en"):  # the rep's language
        assert pick.display_title in order_page


def test_a_task_about_a_document_the_reader_may_not_see_is_not_linked(world):
    from office.selectors import task_links

    theirs = world.order([{"item": world.widget, "quantity": D("5")}], customer=world.other_customer,
                         actor=world.manager)
    mine = world.order([{"item": world.widget, "quantity": D("1")}])
    about_theirs = task_assign(company=world.company, title="Call the customer", user=world.rep, document=theirs)
    about_mine = task_assign(company=world.company, title="Check the order", user=world.rep, document=mine)

    links = task_links(world.rep, [about_theirs, about_mine])

    assert links == {about_mine.pk: f"/sales/orders/{mine.pk}/"}
