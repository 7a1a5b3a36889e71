"""The sales part of the demo company: idempotent, made through the services, and work in every inbox."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from erp.demo import load_demo
from erp.messages import in_default_language, message
from erp.models import Company, EventDelivery, NumberSequence, OutboxEvent
from erp.roles import sync_roles
from inventory.models import DeliveryNote, Reservation
from office.models import ApprovalRequest, Task
from sales.approvals import DEFAULT_RULE_NAME
from sales.demo import CUSTOMERS, ORDERS, load_sales_demo
from sales.models import CreditApproval, Customer, CustomerReturn, PriceList, Quotation, SalesOrder, TaxCode
from sales.selectors import customers_for_user, orders_for_user
from sales.services.orders import credit_check
from tests.conftest import shared_data

D = Decimal


def row_counts():
    counts = {}
    for app in ("sales", "inventory", "office"):
        for model in apps.get_app_config(app).get_models():
            counts[model._meta.label] = model.objects.count()
    for model in (NumberSequence, OutboxEvent, EventDelivery):
        counts[model._meta.label] = model.objects.count()
    return counts


def build_demo():
    sync_roles()
    with translation.override("en"):
        load_demo(password="demo-pass")


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker):
    # Loading the demo takes seconds; the tests below only read it, or write inside their own
    # savepoint (the second load must create nothing), so they share one load (tests/conftest.py).
    with shared_data(django_db_blocker, build_demo) as shared:
        yield shared


@pytest.fixture
def demo(_demo_loaded, request, db):
    _demo_loaded.for_test(request)
    return Company.objects.get(code="DEMO")


def demo_users():
    return {user.username: user for user in get_user_model().objects.filter(company__code="DEMO")}


def sales_tasks(company):
    """Open tasks about the demo's orders, delivery notes and returns, per role."""
    types = [ContentType.objects.get_for_model(m) for m in (SalesOrder, DeliveryNote, CustomerReturn)]
    rows = Task.objects.filter(company=company, status="open", document_type__in=types)
    result = {}
    with translation.override("en"):
        for task in rows.select_related("assignee_role").order_by("pk"):
            result.setdefault(task.assignee_role.name, []).append(task.display_title)
    return result


def test_loading_the_sales_demo_a_second_time_creates_nothing(demo):
    first = row_counts()

    created = load_sales_demo(demo, demo_users())
    load_demo(password="demo-pass")

    assert created == 0
    assert row_counts() == first
    assert first["sales.Customer"] == len(CUSTOMERS) == 21
    assert first["sales.SalesOrder"] == len(ORDERS) + 1  # one more made from a quotation
    assert first["sales.Quotation"] == 5


def test_master_data_tax_terms_price_lists_and_customers(demo):
    vat = TaxCode.objects.get(company=demo, is_default=True)
    assert (vat.code, vat.name, vat.rate) == ("VAT5", "營業稅 5%", D("5"))
    standard = PriceList.objects.get(company=demo, is_default=True)
    assert standard.code == "STD"
    breaks = standard.prices.filter(min_quantity__gt=0).values_list("item__code", "min_quantity", "price")
    assert (("FG-PA-100", D("50"), D("1500")) in set(breaks)) and len(breaks) == 6

    customers = Customer.objects.filter(company=demo)
    users = demo_users()
    assert customers.filter(owner=users["sales"]).count() == 17
    assert customers.filter(owner=users["salesmgr"]).count() == 4
    assert all(c.contacts.filter(is_primary=True).count() == 1 for c in customers)
    assert customers.get(code="C019").credit_limit == D("30000")
    assert customers.get(code="C021").tax_code.rate == D("0")
    # the rep sees their own customers and orders, the sales manager all of them
    assert customers_for_user(users["sales"]).count() == 17
    assert customers_for_user(users["salesmgr"]).count() == 21
    assert orders_for_user(users["sales"]).count() == 9
    assert orders_for_user(users["salesmgr"]).count() == 12


def test_orders_and_quotations_in_every_state(demo):
    orders = SalesOrder.objects.filter(company=demo)
    statuses = {}
    for status in orders.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    assert statuses == {"draft": 3, "confirmed": 4, "partial": 1, "delivered": 2, "closed": 1, "cancelled": 1}
    assert set(Quotation.objects.filter(company=demo).values_list("status", flat=True)) == {
        "draft", "sent", "converted", "cancelled"}
    converted = Quotation.objects.get(company=demo, status="converted")
    order = converted.orders.get()
    assert order.status == "confirmed"
    assert [(line.item.code, line.shortage_quantity) for line in order.lines.order_by("line_no")] == [
        ("FG-PA-100", D("0")), ("FG-CP-12", D("50")),
        ("STD-BRG-6201ZZ", D("25"))]  # 48 short, 23 bought, received and accepted (purchasing's demo story)
    # 24 of stock at confirmation, then the 23 bought bearings that passed inspection (purchasing's story)
    assert sorted(Reservation.objects.filter(document_id=str(order.pk), status="active")
                  .values_list("quantity", flat=True)) == [D("23"), D("24")]

    partial = orders.get(status="partial")
    posted, backorder = DeliveryNote.objects.filter(source_id=partial.pk).order_by("pk")
    assert (posted.status, backorder.status, backorder.backorder_of_id) == ("posted", "draft", posted.pk)
    assert [(line.item.code, line.quantity) for line in backorder.lines.all()] == [("FG-PA-200", D("4"))]

    customer_return = CustomerReturn.objects.get(company=demo)
    assert customer_return.status == "posted"
    assert customer_return.order.lines.get(item__code="FG-PA-100").returned_quantity == D("2")
    cancelled = orders.get(status="cancelled")
    assert DeliveryNote.objects.get(source_id=cancelled.pk).status == "cancelled"
    assert not Reservation.objects.filter(document_id=str(cancelled.pk), status="active").exists()


def test_the_order_above_the_credit_limit_waits_for_the_sales_manager(demo):
    order = SalesOrder.objects.get(company=demo, customer__code="C019")

    check = credit_check(order)

    assert order.status == "draft"
    assert check.exceeds and not check.approved
    assert order.total_amount == D("36540.00") and check.limit == D("30000")
    assert not CreditApproval.objects.exists()
    request = ApprovalRequest.objects.get(company=demo, status="pending",  # on the approval engine
                                          type_key="sales.credit_exception")
    assert (request.document_id, request.type_key) == (order.pk, "sales.credit_exception")
    assert [(step.status, step.role.name) for step in request.steps.all()] == [("open", "Sales manager")]
    assert request.rule.name == in_default_language(message(DEFAULT_RULE_NAME))  # in the site's language


def test_every_department_has_work_from_the_orders(demo):
    tasks = sales_tasks(demo)

    assert {role: len(titles) for role, titles in tasks.items()} == {
        # the credit exception: an approval; purchasing's task is done (its demo story ordered the shortage);
        # the make shortage is MRP demand (production's planners are notified), not a task
        "Warehouse": 5, "Finance": 5}
    assert sum(title.startswith("Invoice DN-") for title in tasks["Finance"]) == 4
    assert sum(title.startswith("Issue a credit note for SR-") for title in tasks["Finance"]) == 1
    assert sum(title.startswith("Pick and ship the backorder") for title in tasks["Warehouse"]) == 1
    assert not EventDelivery.objects.exclude(status="done").exists()


def test_the_demo_books_add_up_with_posted_and_paid_invoices(demo):
    """Finance's part of the demo (finance.demo): the books, invoices posted with uniform numbers and one
    paid; every event booked, the trial balance zero and the control accounts equal to what the
    departments hold."""
    from finance.demo import load_finance_demo
    from finance.models import CustomerInvoice, JournalEntry
    from finance.selectors import pending_bookings, reconciliations, trial_balance

    posted = CustomerInvoice.objects.filter(company=demo, status="posted").order_by("pk")
    assert posted.count() == 3 and all(invoice.uniform_number.startswith("AB12345") for invoice in posted)
    assert posted.first().open_amount == 0
    assert pending_bookings(demo) == 0
    first_day = JournalEntry.objects.filter(company=demo).order_by("document_date").first().document_date
    assert trial_balance(demo, date_from=first_day, date_to=timezone.localdate()).total_balance == 0
    inventory, receivable, _payable = reconciliations(demo)
    assert (inventory.difference, receivable.difference) == (0, 0)
    assert load_finance_demo(demo, demo_users()) == 0
