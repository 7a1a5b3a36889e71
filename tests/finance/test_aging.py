"""Aging (帳齡) of receivables per customer and of payables per supplier, as of a day: only payments dated
by then count, an invoice voided after it was still open, a credit note counts from its own date; today
it gives what the invoices' paid amounts say. Then the screen's Customers / Suppliers choice and its
export, the API's ``party`` (and its 400), the permissions of each party and the company's scope.

The figures are worked out by hand in each test: T is today, a sale of n units at 100 + 5 % tax is an
invoice of n × 105.00."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook
from rest_framework.test import APIClient

from finance import status as st
from finance.models import CustomerInvoice
from finance.selectors import AGING_BUCKETS, customer_aging, open_customer_invoices, supplier_aging
from finance.services import invoices as invoicing
from finance.services.payments import payment_post, payment_save
from purchasing.models import Supplier, SupplierInvoice
from sales.services.returns import return_post, return_save
from tests.conftest import user_maker, warm_permissions
from tests.factories import CompanyFactory
from tests.finance.conftest import D
from tests.finance.test_order_to_cash import books, invoice_of, ship  # noqa: F401  (the order-to-cash world)
from tests.sales.conftest import _sal_shared, deliver_events, sal  # noqa: F401  (the sales world's fixtures)

pytestmark = pytest.mark.django_db
R = st.AccountRole
DAY = datetime.timedelta(days=1)


@pytest.fixture
def acc(books):  # noqa: F811
    w = books
    w.accountant = user_maker(w.company)("accountant", "Finance", language="en")
    w.receive(w.widget, 50, cost="40")
    return w


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def buckets(rows):
    return [(row.partner.code, row.buckets) for row in rows]


def dated(document, day):
    """Move a posted document to ``day`` (its date is what aging reads)."""
    type(document).objects.filter(pk=document.pk).update(document_date=day)
    document.refresh_from_db()
    return document


def invoice(w, quantity, day):
    """A posted invoice of ``quantity`` × 105.00, dated ``day``."""
    _order, note = ship(w, quantity)
    posted = invoicing.invoice_post(invoice=invoice_of(note), actor=w.admin)
    return dated(posted, day), note


def pay(w, document, amount, day, partner=None):
    direction = "out" if isinstance(document, SupplierInvoice) else "in"
    partner = partner or (document.supplier if direction == "out" else document.customer)
    return payment_post(payment=payment_save(company=w.company, actor=w.admin, direction=direction, partner=partner,
                                             account=w.roles.get(R.BANK), amount=D(amount), document_date=day,
                                             allocations=[(document, D(amount))]), actor=w.admin)


def credit_note(w, note, quantity, day):
    """A posted credit note for ``quantity`` returned units of the delivery ``note``, dated ``day``."""
    customer_return = return_save(company=w.company, actor=w.keeper, delivery=note,
                                  lines=[{"delivery_line": note.lines.get(), "quantity": D(quantity),
                                          "location": w.a1}])
    return_post(customer_return=customer_return, actor=w.keeper)
    deliver_events()
    draft = CustomerInvoice.objects.get(company=w.company, kind=st.InvoiceKind.CREDIT_NOTE, status="draft")
    dated(draft, day)
    return invoicing.invoice_post(invoice=draft, actor=w.admin)


def supplier(w, code="S1", name="供應商"):
    return Supplier.objects.get_or_create(company=w.company, code=code, defaults={"name": name})[0]


def bill(w, day, total="210", code="S1", number=None):
    """A posted supplier invoice (made directly: purchasing's posting is its own test)."""
    number = number or f"PI-{SupplierInvoice.objects.count() + 1}"
    return SupplierInvoice.objects.create(company=w.company, supplier=supplier(w, code), supplier_invoice_number=number,
                                          number=number, status="posted", document_date=day,
                                          net_amount=D(total), total_amount=D(total))


def payables_clerk(w):
    """A user who may read supplier invoices (every supplier's: buy_from_supplier, as the Finance role)
    and payments, and no customer invoices."""
    user = user_maker(w.company)("ap-clerk", language="en")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_supplierinvoice", "buy_from_supplier"]),
                              Permission.objects.get(codename="view_payment", content_type__app_label="finance"))
    return user


def todays_aging_as_it_was(company, as_of):
    """The aging as the invoices' paid amounts give it (what customer_aging did before it read a day)."""
    rows = {}
    for document in open_customer_invoices(company).filter(document_date__lte=as_of).order_by("customer__code"):
        age = (as_of - document.document_date).days
        index = next(i for i, (_low, high) in enumerate(AGING_BUCKETS) if high is None or age <= high)
        row = rows.setdefault(document.customer.code, [D(0)] * 4)
        row[index] += -document.open_amount if document.is_credit_note else document.open_amount
    return list(rows.items())


# Customers, as of a day ----------------------------------------------------------------------------------


def test_a_payment_counts_from_its_own_date(acc):
    t = acc.today
    first, _note = invoice(acc, "2", t - 50 * DAY)  # 210.00
    pay(acc, first, "100", t - 10 * DAY)

    before = customer_aging(acc.company, as_of=t - 15 * DAY)  # 35 days old, nothing paid yet
    on_the_day = customer_aging(acc.company, as_of=t - 10 * DAY)  # 40 days, the payment's own day
    today = customer_aging(acc.company, as_of=t)  # 50 days, 210 − 100
    not_yet = customer_aging(acc.company, as_of=t - 51 * DAY)

    assert buckets(before) == [("C001", [0, D("210.00"), 0, 0])]
    assert buckets(on_the_day) == [("C001", [0, D("110.00"), 0, 0])]
    assert buckets(today) == [("C001", [0, D("110.00"), 0, 0])]
    assert not_yet == []


def test_an_invoice_paid_in_full_later_was_open_before_and_is_gone_after(acc):
    t = acc.today
    first, _note = invoice(acc, "1", t - 100 * DAY)  # 105.00
    second, _note = invoice(acc, "3", t - 20 * DAY)  # 315.00
    pay(acc, first, "105", t - 5 * DAY)

    before = customer_aging(acc.company, as_of=t - 6 * DAY)  # first 94 days old, second 14
    after = customer_aging(acc.company, as_of=t)

    assert buckets(before) == [("C001", [D("315.00"), 0, 0, D("105.00")])]
    assert [row.total for row in before] == [D("420.00")]
    assert buckets(after) == [("C001", [D("315.00"), 0, 0, 0])]


def test_an_invoice_voided_after_the_day_was_open_on_it(acc):
    t = acc.today
    voided, _note = invoice(acc, "1", t - 3 * DAY)  # 105.00
    invoicing.invoice_void(invoice=voided, actor=acc.admin, reason="買方統編錯誤")
    # voided two days ago at 00:30 local time (in Taipei: 16:30 UTC the day before; the local date counts)
    void_time = datetime.datetime.combine(t - 2 * DAY, datetime.time(0, 30), tzinfo=timezone.get_default_timezone())
    CustomerInvoice.objects.filter(pk=voided.pk).update(voided_at=void_time)

    the_day_before_the_void = customer_aging(acc.company, as_of=t - 3 * DAY)
    the_voids_day = customer_aging(acc.company, as_of=t - 2 * DAY)
    today = customer_aging(acc.company, as_of=t)

    assert buckets(the_day_before_the_void) == [("C001", [D("105.00"), 0, 0, 0])]
    assert the_voids_day == [] and today == []


def test_a_credit_note_dated_after_the_day_has_not_reduced_the_invoice(acc):
    t = acc.today
    sold, note = invoice(acc, "5", t - 40 * DAY)  # 525.00
    credit = credit_note(acc, note, "2", t - 20 * DAY)  # 210.00, applied to the invoice
    sold.refresh_from_db()
    credit.refresh_from_db()
    assert (sold.paid_amount, credit.paid_amount) == (D("210.00"), D("210.00"))

    before_the_credit = customer_aging(acc.company, as_of=t - 25 * DAY)  # 15 days old, 525 open
    after_the_credit = customer_aging(acc.company, as_of=t - 15 * DAY)  # 25 days old, 525 − 210
    today = customer_aging(acc.company, as_of=t)  # 40 days old

    assert buckets(before_the_credit) == [("C001", [D("525.00"), 0, 0, 0])]
    assert buckets(after_the_credit) == [("C001", [D("315.00"), 0, 0, 0])]
    assert buckets(today) == [("C001", [0, D("315.00"), 0, 0])]


def test_a_credit_note_left_open_counts_against_its_customer_from_its_date(acc):
    t = acc.today
    sold, note = invoice(acc, "2", t - 70 * DAY)  # 210.00
    pay(acc, sold, "210", t - 60 * DAY)  # paid in full: the credit note finds nothing open
    credit = credit_note(acc, note, "1", t - 10 * DAY)  # 105.00, the customer's credit
    credit.refresh_from_db()
    assert credit.paid_amount == 0

    before = customer_aging(acc.company, as_of=t - 11 * DAY)
    after = customer_aging(acc.company, as_of=t - 5 * DAY)

    assert before == []
    assert buckets(after) == [("C001", [D("-105.00"), 0, 0, 0])]


def test_today_it_gives_what_the_paid_amounts_give(acc):
    t = acc.today
    partly, _note = invoice(acc, "4", t - 95 * DAY)  # 420.00
    pay(acc, partly, "20", t - 30 * DAY)
    credited, note = invoice(acc, "3", t - 45 * DAY)  # 315.00
    credit_note(acc, note, "1", t - 10 * DAY)  # 105.00 applied
    paid, _note = invoice(acc, "1", t - 5 * DAY)
    pay(acc, paid, "105", t)
    voided, note = invoice(acc, "2", t - 70 * DAY)
    voided_credit = credit_note(acc, note, "1", t - 65 * DAY)
    invoicing.invoice_void(invoice=voided_credit, actor=acc.admin, reason="退貨取消")
    invoicing.invoice_void(invoice=voided, actor=acc.admin, reason="作廢")
    other, _note = invoice(acc, "1", t)
    CustomerInvoice.objects.filter(pk=other.pk).update(customer=acc.other_customer)

    rows = customer_aging(acc.company, as_of=t)

    # C001: 420 − 20 (95 days old), 315 − 105 (45 days old); the paid and the voided ones gone
    assert buckets(rows) == [("C001", [0, D("210.00"), 0, D("400.00")]), ("C002", [D("105.00"), 0, 0, 0])]
    assert [(code, amounts) for code, amounts in buckets(rows)] == todays_aging_as_it_was(acc.company, t)


def test_customer_aging_as_of_a_past_day_runs_a_fixed_number_of_queries(acc):
    t = acc.today
    first, note = invoice(acc, "2", t - 45 * DAY)
    pay(acc, first, "10", t - 5 * DAY)
    credit_note(acc, note, "1", t - 3 * DAY)
    with CaptureQueriesContext(connection) as few:
        customer_aging(acc.company, as_of=t - 10 * DAY)
    for n in range(4):
        more, note = invoice(acc, "1", t - (20 + n) * DAY)
        pay(acc, more, "5", t - DAY)
        if n % 2:
            credit_note(acc, note, "1", t)

    with CaptureQueriesContext(connection) as many:
        rows = customer_aging(acc.company, as_of=t - 10 * DAY)

    assert buckets(rows) == [("C001", [D("420.00"), D("210.00"), 0, 0])]
    assert len(few) == len(many) == 3


# Suppliers ---------------------------------------------------------------------------------------------


def test_supplier_aging_puts_a_partly_paid_invoice_in_its_bucket_as_of_each_day(acc):
    t = acc.today
    partly = bill(acc, t - 45 * DAY)  # 210.00
    pay(acc, partly, "60", t - 5 * DAY)
    settled = bill(acc, t - 20 * DAY, total="80")
    pay(acc, settled, "80", t - 8 * DAY)
    bill(acc, t - 95 * DAY, total="100", code="S2")
    SupplierInvoice.objects.create(company=acc.company, supplier=supplier(acc), supplier_invoice_number="D1",
                                   number="", status="draft", document_date=t - 2 * DAY, total_amount=D("999"))

    today = supplier_aging(acc.company, as_of=t)  # 210 − 60, 45 days old; the 80 paid; S2 over 90
    before = supplier_aging(acc.company, as_of=t - 10 * DAY)  # 35 days old, nothing paid yet; the 80 open
    too_early = supplier_aging(acc.company, as_of=t - 96 * DAY)

    assert buckets(today) == [("S1", [0, D("150.00"), 0, 0]), ("S2", [0, 0, 0, D("100.00")])]
    assert buckets(before) == [("S1", [D("80.00"), D("210.00"), 0, 0]), ("S2", [0, 0, D("100.00"), 0])]
    assert too_early == []


def test_supplier_aging_for_a_buyer_shows_their_suppliers_only(acc):
    t = acc.today
    bill(acc, t, total="50", code="S1")
    bill(acc, t, total="70", code="S2")
    buyer = user_maker(acc.company)("buyer", "Purchasing")
    assign_perm("purchasing.buy_from_supplier", buyer, supplier(acc, "S2"))

    mine = supplier_aging(acc.company, as_of=t, user=buyer)
    everyone = supplier_aging(acc.company, as_of=t, user=acc.accountant)

    assert buckets(mine) == [("S2", [D("70.00"), 0, 0, 0])]
    assert [code for code, _amounts in buckets(everyone)] == ["S1", "S2"]


# The screen ----------------------------------------------------------------------------------------------


def test_the_screen_switches_between_customers_and_suppliers_and_exports_each(acc, client):
    t = acc.today
    invoice(acc, "1", t - 40 * DAY)  # 105.00, 31–60
    partly = bill(acc, t - 70 * DAY)  # 210.00, 61–90
    pay(acc, partly, "10", t - DAY)
    client.force_login(acc.accountant)

    customers = client.get("/finance/reports/aging/", {"as_of": str(t)})
    suppliers = client.get("/finance/reports/aging/", {"as_of": str(t), "party": "supplier"})
    exported = client.get("/finance/reports/aging/", {"as_of": str(t), "party": "supplier", "export": "xlsx"})
    exported_customers = client.get("/finance/reports/aging/", {"party": "customer", "export": "csv"})
    wrong = client.get("/finance/reports/aging/", {"party": "employee"})

    assert customers.context["party"] == "customer" and '<h1 class="h3" id="aging-title">Receivables aging</h1>' in (
        customers.content.decode())
    assert buckets(customers.context["rows"]) == [("C001", [0, D("105.00"), 0, 0])]
    html = suppliers.content.decode()
    assert suppliers.context["party"] == "supplier" and '<h1 class="h3" id="aging-title">Payables aging</h1>' in html
    assert buckets(suppliers.context["rows"]) == [("S1", [0, 0, D("200.00"), 0])]
    assert suppliers.context["totals"] == [0, 0, D("200.00"), 0]
    assert f'href="/purchasing/invoices/?supplier=S1&amp;status=posted&amp;date_to={t:%Y-%m-%d}"' in html
    assert '<option value="supplier" selected>Suppliers</option>' in html
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Supplier code", "Supplier", "0–30 days", "31–60 days", "61–90 days", "Over 90 days", "Total")
    assert rows[1] == ("S1", "供應商", 0, 0, 200, 0, 200)
    assert rows[-1][1:] == ("Total", 0, 0, 200, 0, 200)
    assert exported_customers.content.decode("utf-8-sig").splitlines()[0].startswith("Customer code,Customer,0–30")
    assert wrong.status_code == 200 and wrong.context["party"] == "customer"
    assert "party" in wrong.context["form"].errors


def test_each_party_needs_its_permissions_on_the_screen(acc, client):
    make = user_maker(acc.company)
    receivables_only = make("ar-clerk", language="en")
    receivables_only.user_permissions.add(Permission.objects.get(codename="view_customerinvoice"))
    payables_only = payables_clerk(acc)
    bill(acc, acc.today)

    def answers(user):
        client.force_login(user)
        return [client.get("/finance/reports/aging/", query).status_code
                for query in ({}, {"party": "customer"}, {"party": "supplier"})]

    ar, ap = answers(receivables_only), answers(payables_only)
    keeper = answers(acc.keeper)  # purchasing's view permissions, not finance's payments
    rep = answers(acc.rep)
    client.force_login(payables_only)
    default = client.get("/finance/reports/aging/")

    assert ar == [200, 200, 403]
    assert ap == [200, 403, 200]
    assert default.context["party"] == "supplier" and len(default.context["rows"]) == 1
    assert keeper == [403, 403, 403]
    assert rep == [403, 403, 403]


def test_the_finance_tabs_show_aging_to_who_may_read_either(acc, client):
    payables_only = payables_clerk(acc)
    client.force_login(payables_only)

    html = client.get("/finance/reports/aging/", {"party": "supplier"}).content.decode()

    assert 'href="/finance/reports/aging/"' in html
    assert 'href="/finance/reports/customer-statement/"' not in html


def test_the_supplier_screen_runs_a_fixed_number_of_queries(acc, client):
    warm_permissions(acc.accountant)
    client.force_login(acc.accountant)
    query = {"party": "supplier", "as_of": str(acc.today - DAY)}
    first = bill(acc, acc.today - 30 * DAY)
    pay(acc, first, "10", acc.today - 2 * DAY)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/finance/reports/aging/", query).status_code == 200
    for n in range(5):
        more = bill(acc, acc.today - 10 * n * DAY, code=f"S{n % 3 + 1}")
        pay(acc, more, "1", acc.today - DAY)

    with CaptureQueriesContext(connection) as many:
        shown = client.get("/finance/reports/aging/", query)

    assert len(shown.context["rows"]) == 3
    assert len(many) == len(few)


# The API -------------------------------------------------------------------------------------------------


def test_the_api_gives_either_partys_aging_and_refuses_an_unknown_party(acc):
    t = acc.today
    sold, _note = invoice(acc, "2", t - 10 * DAY)  # 210.00
    pay(acc, sold, "200", t - DAY)
    partly = bill(acc, t - 100 * DAY)  # 210.00
    pay(acc, partly, "110", t - 2 * DAY)
    client = api(acc.accountant)

    customers = client.get("/api/finance/reports/aging/", {"as_of": str(t - 5 * DAY)})
    suppliers = client.get("/api/finance/reports/aging/", {"as_of": str(t - 5 * DAY), "party": "supplier"})
    today = client.get("/api/finance/reports/aging/", {"party": "supplier"})
    unknown = client.get("/api/finance/reports/aging/", {"party": "employee"})

    assert customers.status_code == 200
    assert customers.json()["party"] == "customer"
    assert [(r["code"], r["days_0_30"], r["total"]) for r in customers.json()["results"]] == [
        ("C001", "210.00", "210.00")]
    body = suppliers.json()
    assert (body["party"], body["as_of"]) == ("supplier", str(t - 5 * DAY))
    assert body["results"] == [{"id": partly.supplier_id, "code": "S1", "name": "供應商", "days_0_30": "0.00",
                                "days_31_60": "0.00", "days_61_90": "0.00", "days_over_90": "210.00",
                                "total": "210.00"}]
    assert body["totals"]["days_over_90"] == "210.00"
    assert [(r["days_over_90"], r["total"]) for r in today.json()["results"]] == [("100.00", "100.00")]
    assert unknown.status_code == 400 and unknown.json() == {"party": ["Use customer or supplier."]}


def test_the_api_asks_each_partys_permissions(acc):
    receivables_only = user_maker(acc.company)("ar-clerk")
    receivables_only.user_permissions.add(Permission.objects.get(codename="view_customerinvoice"))

    def answers(user):
        client = api(user)
        return [client.get("/api/finance/reports/aging/", query).status_code
                for query in ({}, {"party": "supplier"})]

    assert answers(receivables_only) == [200, 403]
    assert answers(acc.keeper) == [403, 403]
    assert answers(acc.rep) == [403, 403]
    assert answers(acc.accountant) == [200, 200]


def test_the_schema_documents_the_party_parameter(acc):
    schema = api(acc.admin).get("/api/schema/", {"format": "json"}).json()

    parameters = {p["name"]: p for p in schema["paths"]["/api/finance/reports/aging/"]["get"]["parameters"]}

    assert parameters["party"]["schema"]["enum"] == ["customer", "supplier"]
    assert set(parameters) >= {"party", "as_of"}


# Scope ---------------------------------------------------------------------------------------------------


def test_another_companys_user_sees_nothing_of_ours(acc, client):
    sold, _note = invoice(acc, "1", acc.today - 5 * DAY)
    bill(acc, acc.today - 5 * DAY)
    other = CompanyFactory(code="OTHER", name="別家公司")
    stranger = user_maker(other)("other-accountant", "Finance", language="en")
    client.force_login(stranger)

    screens = [client.get("/finance/reports/aging/", {"party": party}) for party in ("customer", "supplier")]
    answers = [api(stranger).get("/api/finance/reports/aging/", {"party": party}).json()
               for party in ("customer", "supplier")]

    assert [response.status_code for response in screens] == [200, 200]
    assert [response.context["rows"] for response in screens] == [[], []]
    assert [body["results"] for body in answers] == [[], []]
    assert [body["totals"]["total"] for body in answers] == ["0.00", "0.00"]
    assert sold.open_amount == D("105.00")
