"""/api/sales/ and /api/inventory/deliveries/: the screens' scoping, permissions and validation over
HTTP. Bad input is a 400 on the field and writes nothing, an illegal change of status a 409, what
the user may not see a 404."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from rest_framework.test import APIClient

from erp.errors import DomainError
from erp.models import Company
from inventory.models import DeliveryNote, StockBalance, UnitOfMeasure
from inventory.services import masterdata as inventory_masterdata
from office.models import ApprovalRequest
from sales.models import CreditApproval, Customer, CustomerReturn, PriceList, PriceListItem, Quotation, SalesOrder
from sales.services import masterdata
from sales.services.orders import order_confirm
from sales.services.quotations import quotation_save
from sales.services.returns import return_save
from tests.factories import api_token_for
from tests.sales.conftest import deliver_events

D = Decimal
URL = "/api/sales/"
DN_URL = "/api/inventory/deliveries/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def as_user(api, user):
    api.force_authenticate(user)
    return api


def order_body(*lines, customer="C001", **header):
    return {"customer": customer, **header,
            "lines": list(lines) or [{"item": "WID-1", "quantity": "20", "unit": "PCS"}]}


def confirmed_order(sal, api, *lines):
    created = as_user(api, sal.rep).post(URL + "orders/", order_body(*lines), format="json")
    assert created.status_code == 201, created.json()
    confirmed = api.post(URL + f"orders/{created.json()['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    return created.json()["id"]


# Customers ------------------------------------------------------------------------------------


def test_a_rep_lists_only_their_customers_and_a_manager_all_with_filters(api, sal):
    masterdata.customer_create(company=sal.company, code="C003", name="舊客戶", owner=sal.rep, is_active=False)

    mine = as_user(api, sal.rep).get(URL + "customers/").json()["results"]
    active = api.get(URL + "customers/", {"active": "true"}).json()["results"]
    everyone = as_user(api, sal.manager).get(URL + "customers/").json()["results"]
    of_rep2 = api.get(URL + "customers/", {"owner": "rep2"}).json()["results"]
    searched = api.get(URL + "customers/", {"search": "永豐"}).json()["results"]
    by_tax_id = api.get(URL + "customers/", {"search": "22099131"}).json()["results"]
    unknown_owner = api.get(URL + "customers/", {"owner": "ghost"})

    assert [c["code"] for c in mine] == ["C001", "C003"]
    assert [c["code"] for c in active] == ["C001"]
    assert [c["code"] for c in everyone] == ["C001", "C002", "C003"]
    assert [(c["code"], c["owner"]) for c in of_rep2] == [("C002", "rep2")]
    assert [c["code"] for c in searched] == ["C002"]
    assert [c["code"] for c in by_tax_id] == ["C001"]
    assert (unknown_owner.status_code, list(unknown_owner.json())) == (400, ["owner"])


def test_a_rep_creates_a_customer_with_contacts_and_owns_it(api, sal):
    response = as_user(api, sal.rep).post(URL + "customers/", {
        "code": " c010 ", "name": "新竹電子", "tax_id": "53212539", "tax_code": "vat5",
        "contacts": [{"name": "王小姐", "email": "wang@example.com", "is_primary": True}],
    }, format="json")

    body = response.json()
    customer = Customer.objects.get(code="C010")
    assert response.status_code == 201
    assert (body["code"], body["owner"], body["tax_code"], body["credit_limit"]) == ("C010", "rep", "VAT5", None)
    assert [(c["name"], c["is_primary"]) for c in body["contacts"]] == [("王小姐", True)]
    assert sal.rep.has_perm("sales.serve_customer", customer)
    assert api.get(URL + f"customers/{customer.pk}/").status_code == 200


def test_a_rep_cannot_give_a_customer_to_another_rep_or_see_theirs(api, sal):
    as_user(api, sal.rep)

    given_away = api.post(URL + "customers/", {"code": "C011", "name": "x", "owner": "rep2"}, format="json")
    handed_over = api.patch(URL + f"customers/{sal.customer.pk}/", {"owner": "rep2"}, format="json")
    theirs = api.get(URL + f"customers/{sal.other_customer.pk}/")
    change_theirs = api.patch(URL + f"customers/{sal.other_customer.pk}/", {"name": "mine now"}, format="json")

    assert (given_away.status_code, list(given_away.json())) == (403, ["detail", "owner"])
    assert (handed_over.status_code, handed_over.json()["owner"]) == (
        403, ["Only a sales manager may change the sales rep."])
    assert (theirs.status_code, change_theirs.status_code) == (404, 404)
    assert not Customer.objects.filter(code="C011").exists()
    assert Customer.objects.get(pk=sal.customer.pk).owner == sal.rep
    assert Customer.objects.get(pk=sal.other_customer.pk).name == "永豐工業"


def test_a_customer_update_changes_and_adds_contacts(api, sal):
    contact = masterdata.contact_save(customer=sal.customer, name="陳先生", phone="04-1234")
    as_user(api, sal.rep)

    updated = api.patch(URL + f"customers/{sal.customer.pk}/", {
        "short_name": "大同", "contacts": [{"id": contact.pk, "name": "陳先生", "phone": "04-9999"},
                                          {"name": "林小姐", "is_primary": True}],
    }, format="json")
    foreign_contact = api.patch(URL + f"customers/{sal.customer.pk}/", {"contacts": [{"id": 99999, "name": "x"}]},
                                format="json")
    duplicate = api.post(URL + "customers/", {"code": "C002", "name": "again"}, format="json")

    assert updated.status_code == 200
    assert updated.json()["short_name"] == "大同"
    assert [(c["name"], c["phone"], c["is_primary"]) for c in updated.json()["contacts"]] == [
        ("林小姐", "", True), ("陳先生", "04-9999", False)]
    assert (foreign_contact.status_code, list(foreign_contact.json())) == (400, ["contacts"])
    assert (duplicate.status_code, list(duplicate.json())) == (400, ["code"])


def test_a_manager_creates_a_customer_for_another_rep(api, sal):
    response = as_user(api, sal.manager).post(URL + "customers/", {"code": "C012", "name": "y", "owner": "rep2"},
                                              format="json")

    assert (response.status_code, response.json()["owner"]) == (201, "rep2")
    assert sal.rep2.has_perm("sales.serve_customer", Customer.objects.get(code="C012"))


# Price lists ----------------------------------------------------------------------------------


def test_a_price_list_is_created_read_and_its_prices_replaced(api, sal):
    as_user(api, sal.manager)

    created = api.post(URL + "price-lists/", {
        "code": "vip", "name": "VIP", "prices": [
            {"item": "WID-1", "price": "95"},
            {"item": "WID-1", "unit": "BOX", "price": "1000", "min_quantity": "2"},
        ]}, format="json")
    list_id = created.json()["id"]
    listed = api.get(URL + "price-lists/").json()["results"]
    replaced = api.patch(URL + f"price-lists/{list_id}/", {"prices": [{"item": "PMP-1", "price": "2400"}]},
                         format="json")
    renamed = api.patch(URL + f"price-lists/{list_id}/", {"name": "VIP 2"}, format="json")

    assert created.status_code == 201
    assert [(p["item"], p["unit"], p["min_quantity"], p["price"]) for p in created.json()["prices"]] == [
        ("WID-1", "BOX", "2.0000", "1000.0000"), ("WID-1", "PCS", "0.0000", "95.0000")]
    assert [(p["code"], p["price_count"]) for p in listed] == [("STD", 4), ("VIP", 2)]
    assert "prices" not in listed[0]
    assert [(p["item"], p["price"]) for p in replaced.json()["prices"]] == [("PMP-1", "2400.0000")]
    assert (renamed.json()["name"], len(renamed.json()["prices"])) == ("VIP 2", 1)


@pytest.mark.parametrize("price,field", [
    ({"item": "PMP-1", "unit": "BOX", "price": "1"}, "prices"),  # the pump is sold by the piece only
    ({"item": "PMP-1", "price": "-1"}, "prices"),
    ({"item": "NOPE", "price": "1"}, "prices"),
])
def test_bad_prices_are_400_and_save_nothing(api, sal, price, field):
    response = as_user(api, sal.manager).post(URL + "price-lists/", {"code": "BAD", "name": "x", "prices": [price]},
                                              format="json")

    assert (response.status_code, field in response.json()) == (400, True)
    assert not PriceList.objects.filter(code="BAD").exists()
    assert PriceListItem.objects.count() == 4


# Quotations -----------------------------------------------------------------------------------


def test_a_quotation_is_priced_sent_and_converted_once(api, sal):
    as_user(api, sal.rep)

    created = api.post(URL + "quotations/", {"customer": "C001", "valid_until": str(sal.in_a_week), "lines": [
        {"item": "WID-1", "quantity": "2", "unit": "BOX"}, {"item": "MOT-1", "quantity": "1"}]}, format="json")
    quotation_id = created.json()["id"]
    sent = api.post(URL + f"quotations/{quotation_id}/send/")
    edit_sent = api.patch(URL + f"quotations/{quotation_id}/", {"notes": "late"}, format="json")
    converted = api.post(URL + f"quotations/{quotation_id}/convert/", {"requested_date": str(sal.in_a_week)},
                         format="json")
    again = api.post(URL + f"quotations/{quotation_id}/convert/")
    cancel_converted = api.post(URL + f"quotations/{quotation_id}/cancel/", {"reason": "重複建立"}, format="json")
    read = api.get(URL + f"quotations/{quotation_id}/").json()

    lines = created.json()["lines"]
    assert created.status_code == 201
    assert [(line["item"], line["unit"], line["quantity_base"], line["unit_price"], line["net_amount"])
            for line in lines] == [("WID-1", "BOX", "24.000000", "1200.0000", "2400.00"),
                                   ("MOT-1", "PCS", "1.000000", "800.0000", "800.00")]
    assert (created.json()["total_amount"], created.json()["sales_rep"]) == ("3360.00", "rep")
    assert (sent.status_code, sent.json()["status"]) == (200, "sent")
    assert sent.json()["number"].startswith("QT")
    assert edit_sent.status_code == 409
    assert converted.status_code == 201
    assert (converted.json()["status"], converted.json()["quotation"]) == ("draft", quotation_id)
    assert [(line["item"], line["quantity"]) for line in converted.json()["lines"]] == [
        ("WID-1", "2.0000"), ("MOT-1", "1.0000")]
    assert (again.status_code, again.json()["id"]) == (200, converted.json()["id"])
    assert SalesOrder.objects.count() == 1
    assert cancel_converted.status_code == 409
    assert (read["status"], read["orders"]) == ("converted", [converted.json()["id"]])


def test_a_draft_quotation_keeps_its_lines_on_a_header_change_and_lists_filter(api, sal):
    quotation_save(company=sal.company, actor=sal.rep2, customer=sal.other_customer,
                   lines=[{"item": sal.pump, "quantity": D("1"), "unit": sal.pcs}])
    as_user(api, sal.rep)
    created = api.post(URL + "quotations/", {"customer": "C001", "lines": [{"item": "PMP-1", "quantity": "3"}]},
                       format="json").json()

    patched = api.patch(URL + f"quotations/{created['id']}/", {"customer_reference": "RFQ-7"}, format="json")
    mine = api.get(URL + "quotations/").json()["results"]
    drafts = as_user(api, sal.manager).get(URL + "quotations/", {"status": "draft", "rep": "rep2"}).json()["results"]
    bad_status = api.get(URL + "quotations/", {"status": "lost"})
    cancelled = as_user(api, sal.rep).post(URL + f"quotations/{created['id']}/cancel/", {"reason": "重複建立"},
                                           format="json")

    assert (patched.status_code, patched.json()["customer_reference"]) == (200, "RFQ-7")
    assert [(line["item"], line["quantity"]) for line in patched.json()["lines"]] == [("PMP-1", "3.0000")]
    assert [q["id"] for q in mine] == [created["id"]]
    assert "lines" not in mine[0]
    assert [q["customer"] for q in drafts] == ["C002"]
    assert (bad_status.status_code, list(bad_status.json())) == (400, ["status"])
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


# Orders ---------------------------------------------------------------------------------------


def test_an_order_is_created_read_and_confirmed_with_reservations_shortages_and_promised_dates(api, sal):
    sal.receive(sal.widget, 30)
    as_user(api, sal.rep)
    created = api.post(URL + "orders/", order_body(
        {"item": "WID-1", "quantity": "20"},
        {"item": "PMP-1", "quantity": "2", "requested_date": str(sal.in_a_week)},
        {"item": "MOT-1", "quantity": "5"},
    ), format="json")
    order_id = created.json()["id"]

    confirmed = api.post(URL + f"orders/{order_id}/confirm/")
    again = api.post(URL + f"orders/{order_id}/confirm/")
    read = api.get(URL + f"orders/{order_id}/").json()

    order = SalesOrder.objects.get()
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["warehouse"], created.json()["total_amount"]) == (
        "draft", "FG", "11550.00")
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["order"] == {"id": order_id, "number": order.number, "reference": order.number, "status": "confirmed",
                             "promised_date": str(sal.today + datetime.timedelta(days=21)),
                             "confirmed_at": body["order"]["confirmed_at"], "total_amount": "11550.00"}
    assert body["already_confirmed"] is False
    assert body["promised_date"] == str(sal.today + datetime.timedelta(days=21))
    assert [(r["line_no"], r["item"], r["unit"], r["quantity"], r["reserved"], r["short"], r["promised_date"])
            for r in body["lines"]] == [
        (1, "WID-1", "PCS", "20.000000", "20.000000", "0.000000", str(sal.today)),
        (2, "PMP-1", "PCS", "2.000000", "0.000000", "2.000000", str(sal.in_a_week + datetime.timedelta(days=14))),
        (3, "MOT-1", "PCS", "5.000000", "0.000000", "5.000000", str(sal.today + datetime.timedelta(days=21))),
    ]
    assert again.status_code == 200
    assert again.json()["already_confirmed"] is True
    assert {k: v for k, v in again.json().items() if k != "already_confirmed"} == {
        k: v for k, v in body.items() if k != "already_confirmed"}
    assert StockBalance.objects.get(item=sal.widget).reserved == D("20")
    assert [(line["item"], line["shortage_quantity"], line["delivered_quantity"], line["returned_quantity"],
             line["promised_date"]) for line in read["lines"]] == [
        ("WID-1", "0.000000", "0.000000", "0.000000", str(sal.today)),
        ("PMP-1", "2.000000", "0.000000", "0.000000", str(sal.in_a_week + datetime.timedelta(days=14))),
        ("MOT-1", "5.000000", "0.000000", "0.000000", str(sal.today + datetime.timedelta(days=21))),
    ]


def test_the_hand_built_confirmation_answer_equals_what_its_declared_fields_give(api, sal):
    """ConfirmationSerializer builds its answer directly (the hot path); the fields that describe it
    in the schema must give the same."""
    from rest_framework import serializers

    from sales.api.confirmation import ConfirmationSerializer

    sal.receive(sal.widget, 3)
    as_user(api, sal.rep)
    order_id = api.post(URL + "orders/", order_body({"item": "WID-1", "quantity": "5"},
                                                     {"item": "PMP-1", "quantity": "2"}), format="json").json()["id"]
    order = SalesOrder.objects.get(pk=order_id)
    result = order_confirm(order=order, actor=sal.rep)
    serializer = ConfirmationSerializer(result)

    assert serializer.data == serializers.Serializer.to_representation(serializer, result)
    assert [line["short"] for line in serializer.data["lines"]] == ["2.000000", "2.000000"]


def test_a_confirmed_order_cannot_be_edited_and_a_draft_can(api, sal):
    as_user(api, sal.rep)
    order_id = api.post(URL + "orders/", order_body(), format="json").json()["id"]

    relined = api.put(URL + f"orders/{order_id}/", order_body({"item": "PMP-1", "quantity": "1"}), format="json")
    api.post(URL + f"orders/{order_id}/confirm/")
    late = api.patch(URL + f"orders/{order_id}/", {"notes": "too late"}, format="json")
    delete_confirmed = api.delete(URL + f"orders/{order_id}/")

    assert (relined.status_code, [line["item"] for line in relined.json()["lines"]]) == (200, ["PMP-1"])
    assert relined.json()["total_amount"] == "2625.00"
    assert (late.status_code, delete_confirmed.status_code) == (409, 409)
    assert SalesOrder.objects.get().notes == ""


def test_a_draft_order_can_be_deleted(api, sal):
    as_user(api, sal.rep)
    order_id = api.post(URL + "orders/", order_body(), format="json").json()["id"]

    response = api.delete(URL + f"orders/{order_id}/")

    assert response.status_code == 204
    assert SalesOrder.objects.count() == 0


YESTERDAY = "yesterday"


@pytest.mark.parametrize("change,field,message", [
    ({"item": "NOPE"}, "lines", None),
    ({"item": "OLD-1"}, "lines", "Line 1: OLD-1 is inactive and cannot be sold."),
    ({"quantity": "0"}, "lines", "Line 1: the quantity must be greater than zero."),
    ({"quantity": "-2"}, "lines", "Line 1: the quantity must be greater than zero."),
    ({"quantity": "abc"}, "lines", None),
    ({"item": "PMP-1", "unit": "BOX"}, "lines", "Line 1: PMP-1 is not sold in BOX: choose one of its units."),
    ({"unit": "LBS"}, "lines", None),
    ({"unit_price": "-1"}, "lines", "Line 1: the unit price must not be negative."),
    ({"requested_date": YESTERDAY}, "lines", "Line 1: the requested date is in the past."),
    ({"customer": "X900"}, "customer", None),  # a customer of another company: unknown here
    ({"customer": "C002"}, "customer", None),  # another rep's customer: as unknown to this rep as on the screen
    ({"header_requested_date": YESTERDAY}, "requested_date", "The requested date is in the past."),
])
def test_bad_order_input_is_a_400_on_the_field_and_saves_nothing(api, sal, change, field, message):
    other = Company.objects.create(code="OTHER", name="Other Co")
    masterdata.customer_create(company=other, code="X900", name="Elsewhere")
    inventory_masterdata.item_create(company=sal.company, code="OLD-1", name="停產", base_unit=sal.pcs,
                                     is_active=False)
    yesterday = str(sal.today - datetime.timedelta(days=1))
    change = {k: yesterday if v == YESTERDAY else v for k, v in change.items()}
    header = {"customer": change.pop("customer", "C001")}
    if "header_requested_date" in change:
        header["requested_date"] = change.pop("header_requested_date")
    line = {"item": "WID-1", "quantity": "5", **change}

    response = as_user(api, sal.rep).post(URL + "orders/", order_body(line, **header), format="json")
    quotation = api.post(URL + "quotations/", {**order_body(line, **header), "requested_date": None}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert response.json()["detail"] == message
        assert response.json()[field] == [message]
    assert SalesOrder.objects.count() == 0
    assert quotation.status_code == (201 if field == "requested_date" else 400)  # quotations have no header date
    assert Quotation.objects.count() == (1 if field == "requested_date" else 0)


def test_a_rep_may_not_change_the_list_price_but_a_manager_may(api, sal):
    line = {"item": "WID-1", "quantity": "5", "unit_price": "80"}

    refused = as_user(api, sal.rep).post(URL + "orders/", order_body(line), format="json")
    allowed = as_user(api, sal.manager).post(URL + "orders/", order_body(line), format="json")

    assert (refused.status_code, refused.json()["lines"]) == (
        400, ["Line 1: only a sales manager may change the list price (100.0000)."])
    assert (allowed.status_code, allowed.json()["lines"][0]["unit_price"]) == (201, "80.0000")
    assert SalesOrder.objects.count() == 1


def test_an_order_above_the_credit_limit_is_a_409_until_a_manager_approves_it(api, sal):
    masterdata.customer_update(customer=sal.customer, credit_limit=D("1000"))
    as_user(api, sal.rep)
    order_id = api.post(URL + "orders/", order_body(), format="json").json()["id"]

    refused = api.post(URL + f"orders/{order_id}/confirm/")
    requested = api.post(URL + f"orders/{order_id}/request-credit/")
    rep_approves = api.post(URL + f"orders/{order_id}/approve-credit/", {"note": "ok"}, format="json")
    approved = as_user(api, sal.manager).post(URL + f"orders/{order_id}/approve-credit/", {"note": "老客戶"},
                                              format="json")
    confirmed = as_user(api, sal.rep).post(URL + f"orders/{order_id}/confirm/")

    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "C001 大同機械: exposure 0.00 + this order 2,100.00 exceeds the credit limit 1,000.00. "
        "A sales manager must approve the order.")
    request = ApprovalRequest.objects.get(pk=requested.json()["approval_request"])
    assert (requested.status_code, requested.json()["status"], request.steps.get().role.name) == (
        201, "pending", "Sales manager")
    assert rep_approves.status_code == 403
    assert approved.status_code == 201
    assert (approved.json()["order_total"], approved.json()["approved_by"], approved.json()["note"]) == (
        "2100.00", "salesmgr", "老客戶")
    assert CreditApproval.objects.count() == 1
    assert (confirmed.status_code, confirmed.json()["order"]["status"]) == (200, "confirmed")


def test_cancelling_an_order_releases_its_stock_and_a_delivered_order_is_closed(api, sal):
    sal.receive(sal.widget, 30)
    order_id = confirmed_order(sal, api)

    cancelled = api.post(URL + f"orders/{order_id}/cancel/", {"reason": "客戶取消"}, format="json")
    again = api.post(URL + f"orders/{order_id}/cancel/", {"reason": "重複建立"}, format="json")
    confirm_cancelled = api.post(URL + f"orders/{order_id}/confirm/")
    close_cancelled = api.post(URL + f"orders/{order_id}/close/")

    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert StockBalance.objects.get(item=sal.widget).reserved == 0
    assert (again.status_code, confirm_cancelled.status_code, close_cancelled.status_code) == (409, 409, 409)


def test_orders_are_listed_with_filters(api, sal):
    sal.receive(sal.widget, 30)
    draft = sal.order([{"item": sal.widget, "quantity": D("1")}], customer_reference="PO-77")
    late = sal.order([{"item": sal.pump, "quantity": D("1")}])
    order_confirm(order=late, actor=sal.rep)
    SalesOrder.objects.filter(pk=late.pk).update(promised_date=sal.today - datetime.timedelta(days=2))
    sal.order([{"item": sal.pump, "quantity": D("1")}], customer=sal.other_customer, actor=sal.rep2)
    as_user(api, sal.rep)

    def ids(**params):
        response = api.get(URL + "orders/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.pk, draft.pk]
    assert ids(status="draft") == [draft.pk]
    assert ids(late="true") == [late.pk]
    assert ids(search="PO-77") == [draft.pk]
    assert ids(customer="C001", rep="rep") == [late.pk, draft.pk]
    assert ids(date_from=str(sal.today), date_to=str(sal.today)) == [late.pk, draft.pk]
    assert ids(date_from=str(sal.in_a_week)) == []
    assert api.get(URL + "orders/").json()["results"][0]["late"] is True
    assert (api.get(URL + "orders/", {"date_from": "2026-02-31"}).status_code,
            api.get(URL + "orders/", {"customer": "NOPE"}).status_code,
            api.get(URL + "orders/", {"status": "shipped"}).status_code) == (400, 400, 400)
    assert len(as_user(api, sal.manager).get(URL + "orders/").json()["results"]) == 3


def test_the_order_list_takes_a_fixed_number_of_queries(api, sal, django_assert_max_num_queries):
    sal.order([{"item": sal.widget, "quantity": D("1")}])
    as_user(api, sal.rep)
    with django_assert_max_num_queries(8):
        small = api.get(URL + "orders/")
    for n in range(6):
        sal.order([{"item": sal.widget, "quantity": D("1")}, {"item": sal.pump, "quantity": D(n + 1)}])
    with django_assert_max_num_queries(8):
        large = api.get(URL + "orders/")

    assert (small.status_code, len(small.json()["results"])) == (200, 1)
    assert (large.status_code, len(large.json()["results"])) == (200, 7)


def test_a_rep_cannot_see_or_act_on_another_reps_order(api, sal):
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    as_user(api, sal.rep2)

    seen = api.get(URL + f"orders/{order.pk}/")
    confirm = api.post(URL + f"orders/{order.pk}/confirm/")
    cancel = api.post(URL + f"orders/{order.pk}/cancel/")
    listed = api.get(URL + "orders/").json()["results"]

    assert (seen.status_code, confirm.status_code, cancel.status_code) == (404, 404, 404)
    assert listed == []
    assert SalesOrder.objects.get().status == "draft"


def test_users_without_the_permission_get_403(api, sal, make_user):
    order = sal.order([{"item": sal.widget, "quantity": D("1")}])
    anonymous = [api.get(URL + path).status_code for path in ("", "orders/", "customers/")]
    as_user(api, make_user("nobody"))
    nobody = [api.get(URL + path).status_code for path in ("", "orders/", "customers/", "returns/", "price-lists/")]
    as_user(api, sal.keeper)
    keeper_reads = api.get(URL + f"orders/{order.pk}/").status_code
    keeper_confirms = api.post(URL + f"orders/{order.pk}/confirm/").status_code

    assert set(anonymous) <= {401, 403}
    assert nobody == [403, 403, 403, 403, 403]
    assert (keeper_reads, keeper_confirms) == (200, 403)
    assert SalesOrder.objects.get().status == "draft"


def test_a_token_opens_the_sales_api(api, sal):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(sal.rep)}")

    root = api.get(URL)
    customers = api.get(URL + "customers/")

    assert (root.status_code, sorted(root.json())) == (
        200, ["customers", "orders", "price-lists", "quotations", "returns"])
    assert [c["code"] for c in customers.json()["results"]] == ["C001"]


# Deliveries -----------------------------------------------------------------------------------


def test_the_keeper_picks_and_posts_a_delivery_which_makes_a_backorder_and_updates_the_order(api, sal):
    sal.receive(sal.widget, 30)
    order_id = confirmed_order(sal, api, {"item": "WID-1", "quantity": "20"}, {"item": "PMP-1", "quantity": "1"})
    deliver_events()
    as_user(api, sal.keeper)
    listed = api.get(DN_URL, {"source_id": order_id, "source_type": "sales.salesorder"}).json()["results"]
    note = listed[0]
    line = note["lines"][0]

    picked = api.post(DN_URL + f"{note['id']}/pick/", {"lines": [
        {"id": line["id"], "location": "A-01", "picked": "8"}]}, format="json")
    posted = api.post(DN_URL + f"{note['id']}/post/")
    twice = api.post(DN_URL + f"{note['id']}/post/")
    cancel_posted = api.post(DN_URL + f"{note['id']}/cancel/", {"reason": "重複建立"}, format="json")
    read = api.get(DN_URL + f"{note['id']}/")
    order = as_user(api, sal.rep).get(URL + f"orders/{order_id}/").json()
    backorder = DeliveryNote.objects.get(backorder_of_id=note["id"])
    closed = api.post(URL + f"orders/{order_id}/close/")

    assert [(n["status"], n["warehouse"], n["source_reference"]) for n in listed] == [
        ("draft", "FG", order["number"])]
    assert (line["item"], line["quantity"], line["picked"], line["location"]) == ("WID-1", "20.0000", "20.0000", "A-01")
    assert (picked.status_code, picked.json()["lines"][0]["picked"]) == (200, "8.0000")
    assert posted.status_code == 200
    assert (posted.json()["status"], posted.json()["backorders"]) == ("posted", [backorder.pk])
    assert posted.json()["number"].startswith("DN")
    assert (twice.status_code, cancel_posted.status_code) == (409, 409)
    assert order["status"] == "partial"
    assert [(x["item"], x["delivered_quantity"]) for x in order["lines"]] == [
        ("WID-1", "8.000000"), ("PMP-1", "0.000000")]
    assert [(b.quantity, b.location.code) for b in backorder.lines.all()] == [(D("12"), "A-01")]
    assert StockBalance.objects.get(item=sal.widget).on_hand == D("22")
    assert (read.status_code, read.json()["lines"][0]["unit_cost"]) == (200, "10.000000")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")  # the undelivered rest is closed
    backorder.refresh_from_db()
    assert backorder.status == "cancelled"


def test_bad_picks_are_400_and_change_nothing(api, sal):
    sal.receive(sal.widget, 30)
    confirmed_order(sal, api)
    deliver_events()
    note = DeliveryNote.objects.get()
    line = note.lines.get()
    as_user(api, sal.keeper)

    unknown_location = api.post(DN_URL + f"{note.pk}/pick/", {"lines": [
        {"id": line.pk, "location": "Z-99", "picked": "1"}]}, format="json")
    foreign_line = api.post(DN_URL + f"{note.pk}/pick/", {"lines": [
        {"id": 99999, "location": "A-01", "picked": "1"}]}, format="json")
    negative = api.post(DN_URL + f"{note.pk}/pick/", {"lines": [
        {"id": line.pk, "location": "A-01", "picked": "-1"}]}, format="json")
    too_much = api.post(DN_URL + f"{note.pk}/pick/", {"lines": [
        {"id": line.pk, "location": "A-01", "picked": "21"}]}, format="json")
    empty = api.post(DN_URL + f"{note.pk}/pick/", {"lines": []}, format="json")

    assert (unknown_location.status_code, unknown_location.json()) == (
        400, {"lines": {"0": {"location": ["There is no location Z-99 in warehouse FG."]}}})
    assert (foreign_line.status_code, foreign_line.json()) == (
        400, {"lines": {"0": {"id": ["This line is not on the delivery note."]}}})
    assert (negative.status_code, negative.json()["lines"]) == (
        400, ["Line 1: the picked quantity must not be negative."])
    assert (too_much.status_code, "lines" in too_much.json()) == (400, True)
    assert (empty.status_code, list(empty.json())) == (400, ["lines"])
    line.refresh_from_db()
    assert line.picked == D("20")


def test_deliveries_are_scoped_to_the_keepers_warehouses_and_the_reps_customers(api, sal, make_user):
    sal.receive(sal.widget, 30)
    confirmed_order(sal, api)
    deliver_events()
    note = DeliveryNote.objects.get()
    stranger = make_user("keeper2", "Warehouse")  # no warehouse granted
    clerk = make_user("clerk")  # may handle delivery notes in every warehouse but not operate one
    clerk.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="inventory",
        codename__in=["view_deliverynote", "add_deliverynote", "view_all_warehouses"]))
    clerk.user_permissions.add(Permission.objects.get(codename="serve_customer"))

    stranger_list = as_user(api, stranger).get(DN_URL).json()["results"]
    stranger_post = api.post(DN_URL + f"{note.pk}/post/")
    clerk_post = as_user(api, clerk).post(DN_URL + f"{note.pk}/post/")
    rep_sees = as_user(api, sal.rep).get(DN_URL).json()["results"]
    rep_posts = api.post(DN_URL + f"{note.pk}/post/")
    rep2_sees = as_user(api, sal.rep2).get(DN_URL).json()["results"]

    assert (stranger_list, stranger_post.status_code) == ([], 404)
    assert clerk_post.status_code == 403
    assert clerk_post.json()["detail"] == "You may not post stock moves in warehouse FG."
    assert ([n["id"] for n in rep_sees], rep_posts.status_code) == ([note.pk], 403)
    assert rep2_sees == []
    note.refresh_from_db()
    assert note.status == "draft"


def test_a_draft_delivery_is_cancelled_and_the_delivery_list_takes_fixed_queries(
        api, sal, django_assert_max_num_queries):
    sal.receive(sal.widget, 100)
    confirmed_order(sal, api)
    deliver_events()
    as_user(api, sal.keeper)
    with django_assert_max_num_queries(9):
        small = api.get(DN_URL)
    for _n in range(4):
        confirmed_order(sal, api, {"item": "WID-1", "quantity": "2"}, {"item": "WID-1", "quantity": "3"})
    deliver_events()
    as_user(api, sal.keeper)
    with django_assert_max_num_queries(9):
        large = api.get(DN_URL)
    note_id = small.json()["results"][0]["id"]
    cancelled = api.post(DN_URL + f"{note_id}/cancel/", {"reason": "重複建立"}, format="json")

    assert (len(small.json()["results"]), len(large.json()["results"])) == (1, 5)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


# Customer returns -----------------------------------------------------------------------------


def shipped(sal, api, picked="8"):
    sal.receive(sal.widget, 30)
    confirmed_order(sal, api)
    deliver_events()
    note = DeliveryNote.objects.get()
    line = note.lines.get()
    as_user(api, sal.keeper)
    api.post(DN_URL + f"{note.pk}/pick/", {"lines": [{"id": line.pk, "location": "A-01", "picked": picked}]},
             format="json")
    assert api.post(DN_URL + f"{note.pk}/post/").status_code == 200
    return note, line


def test_a_return_against_a_delivery_is_created_and_posted(api, sal):
    note, line = shipped(sal, api)

    created = api.post(URL + "returns/", {"delivery": note.pk, "reason": "瑕疵", "lines": [
        {"delivery_line": line.pk, "quantity": "3", "location": "A-02"}]}, format="json")
    return_id = created.json()["id"]
    posted = api.post(URL + f"returns/{return_id}/post/")
    twice = api.post(URL + f"returns/{return_id}/post/")
    order = as_user(api, sal.rep).get(URL + f"orders/{note.source_id}/").json()
    listed = api.get(URL + "returns/").json()["results"]
    read = api.get(URL + f"returns/{return_id}/")

    assert created.status_code == 201
    assert (created.json()["status"], created.json()["customer"], created.json()["order"]) == (
        "draft", "C001", note.source_id)
    assert [(x["item"], x["quantity"], x["unit"], x["location"], x["warehouse"]) for x in created.json()["lines"]] == [
        ("WID-1", "3.0000", "PCS", "A-02", "FG")]
    assert (posted.status_code, posted.json()["status"]) == (200, "posted")
    assert posted.json()["number"].startswith("SR")
    assert twice.status_code == 409
    assert StockBalance.objects.get(item=sal.widget, location=sal.a2).on_hand == D("3")
    assert order["lines"][0]["returned_quantity"] == "3.000000"
    assert [r["id"] for r in listed] == [return_id]
    assert (read.status_code, read.json()["delivery_reference"]) == (200, DeliveryNote.objects.get(pk=note.pk).number)


@pytest.mark.parametrize("line,field", [
    ({"quantity": "9"}, "lines"),  # only 8 were shipped
    ({"quantity": "0"}, "lines"),
    ({"location": "Z-99"}, "lines"),
    ({"warehouse": "NOPE"}, "lines"),
    ({"delivery_line": 99999}, "lines"),
])
def test_bad_return_input_is_a_400_and_saves_nothing(api, sal, line, field):
    note, delivery_line = shipped(sal, api)
    body = {"delivery_line": delivery_line.pk, "quantity": "3", "location": "A-02", **line}

    response = api.post(URL + "returns/", {"delivery": note.pk, "lines": [body]}, format="json")

    assert (response.status_code, field in response.json()) == (400, True)
    assert CustomerReturn.objects.count() == 0


def test_a_return_needs_a_posted_delivery_the_warehouse_and_can_be_cancelled(api, sal, make_user):
    note, line = shipped(sal, api)
    backorder = DeliveryNote.objects.get(backorder_of=note)
    as_user(api, sal.keeper)
    unposted = api.post(URL + "returns/", {"delivery": backorder.pk, "lines": [
        {"delivery_line": backorder.lines.get().pk, "quantity": "1", "location": "A-02"}]}, format="json")
    draft = api.post(URL + "returns/", {"delivery": note.pk, "lines": [
        {"delivery_line": line.pk, "quantity": "1", "location": "A-02"}]}, format="json").json()
    stranger = make_user("keeper2", "Warehouse")
    stranger_post = as_user(api, stranger).post(URL + f"returns/{draft['id']}/post/")
    cancelled = as_user(api, sal.keeper).post(URL + f"returns/{draft['id']}/cancel/", {"reason": "重複建立"},
                                              format="json")

    assert (unposted.status_code, unposted.json()["delivery"]) == (400, ["Only a posted delivery can be returned."])
    assert stranger_post.status_code == 403
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert StockBalance.objects.filter(location=sal.a2).count() == 0


def test_a_rep_returning_against_another_reps_delivery_is_answered_as_for_a_missing_one(api, sal):
    note, line = shipped(sal, api)  # rep's customer C001
    number = DeliveryNote.objects.get(pk=note.pk).number
    as_user(api, sal.rep2)
    bad_lines = [{"delivery_line": line.pk + 1000, "quantity": "1", "location": "A-02"}]

    theirs = api.post(URL + "returns/", {"delivery": note.pk, "lines": bad_lines}, format="json")
    missing = api.post(URL + "returns/", {"delivery": 999999, "lines": bad_lines}, format="json")
    with pytest.raises(DomainError) as refused:
        return_save(company=sal.company, actor=sal.rep2, delivery=note, lines=[{"delivery_line": line}])

    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == {"delivery": [f'Invalid pk "{note.pk}" - object does not exist.']}
    assert missing.json() == {"delivery": ['Invalid pk "999999" - object does not exist.']}
    assert number not in theirs.content.decode()
    assert (refused.value.field, str(refused.value.message)) == ("delivery", "Choose a delivery note of this company.")
    assert CustomerReturn.objects.count() == 0


# Schema ---------------------------------------------------------------------------------------


def test_the_openapi_schema_generates_without_warnings(tmp_path, db):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))

    schema = target.read_text()
    for path in ("/api/sales/orders/{id}/confirm/", "/api/sales/quotations/{id}/convert/",
                 "/api/sales/returns/{id}/post/", "/api/inventory/deliveries/{id}/pick/",
                 "/api/inventory/deliveries/{id}/post/", "/api/sales/price-lists/"):
        assert path in schema


def test_codes_are_looked_up_in_the_users_company_only(api, sal):
    other = Company.objects.create(code="OTHER", name="Other Co")
    inventory_masterdata.units_seed(company=other)
    assert UnitOfMeasure.objects.filter(code="PCS").count() == 2

    response = as_user(api, sal.rep).post(URL + "orders/", order_body(), format="json")

    assert response.status_code == 201


def test_a_customers_tax_id_is_checked_and_full_width_input_folded(api, sal):
    client = as_user(api, sal.manager)

    short = client.post(URL + "customers/", {"code": "C020", "name": "短統編", "tax_id": "12345"}, format="json")
    wrong = client.patch(URL + f"customers/{sal.customer.pk}/", {"tax_id": "12345678"}, format="json")
    wide = client.post(URL + "customers/", {"code": "Ｃ０２１", "name": "全形", "tax_id": "０４５９５２５７"},
                       format="json")

    assert (short.status_code, short.json()) == (400, {"tax_id": ["A tax id (統一編號) has 8 digits."]})
    assert (wrong.status_code, list(wrong.json())) == (400, ["tax_id"])
    assert not Customer.objects.filter(code="C020").exists()
    assert Customer.objects.get(pk=sal.customer.pk).tax_id == "22099131"
    assert wide.status_code == 201, wide.json()
    assert Customer.objects.filter(code="C021", tax_id="04595257").exists()
