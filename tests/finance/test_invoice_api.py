"""/api/finance/ for the receivables and payables: customer invoices (list with lines, post with the
uniform invoice number, void with a reason), supplier invoices with what was paid, payments (a draft
with allocations, posted, the overpayment refused), uniform invoice ranges and the aging report; the
refusals (400 with the field; nothing written), company scoping and the lists' query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from finance import status as st
from finance.models import CustomerInvoice, JournalEntry, Payment, PaymentAllocation, UniformInvoiceRange
from finance.services import invoices as invoicing
from finance.services.payments import payment_post, payment_save, supplier_invoice_paid
from purchasing.models import Supplier, SupplierInvoice
from tests.conftest import user_maker, warm_permissions
from tests.factories import CompanyFactory
from tests.finance.conftest import D
from tests.finance.test_order_to_cash import books, invoice_of, ship  # noqa: F401  (the order-to-cash world)
from tests.sales.conftest import _sal_shared, sal  # noqa: F401  (the sales world's fixtures)

pytestmark = pytest.mark.django_db
R = st.AccountRole


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


def draft_invoice(w, quantity="1"):
    _order, note = ship(w, quantity)
    return invoice_of(note)


def posted_invoice(w, quantity="1"):
    return invoicing.invoice_post(invoice=draft_invoice(w, quantity), actor=w.admin)


def supplier_bill(w, number="PI-1"):
    """A posted supplier invoice of 200 + 10 tax (made directly: purchasing's posting is its own test)."""
    supplier, _created = Supplier.objects.get_or_create(company=w.company, code="S1", defaults={"name": "供應商"})
    return SupplierInvoice.objects.create(company=w.company, supplier=supplier, supplier_invoice_number=number,
                                          number=number, status="posted", document_date=w.today,
                                          net_amount=D("200"), tax_amount=D("10"), total_amount=D("210"))


# Customer invoices ------------------------------------------------------------------------------------


def test_customer_invoices_are_listed_with_their_lines_and_filtered(acc):
    order, note = ship(acc, "2")
    invoice = invoice_of(note)
    client = api(acc.accountant)

    listed = client.get("/api/finance/customer-invoices/")
    drafts = client.get("/api/finance/customer-invoices/", {"status": "draft", "customer": acc.customer.code})
    none = client.get("/api/finance/customer-invoices/", {"kind": "credit_note"})
    wrong = client.get("/api/finance/customer-invoices/", {"status": "paid"})

    row = listed.json()["results"][0]
    assert listed.status_code == 200 and row["id"] == invoice.pk
    assert (row["status"], row["kind"], row["customer"], row["buyer_tax_id"]) == (
        "draft", "invoice", "C001", "22099131")
    assert (row["net_amount"], row["tax_amount"], row["total_amount"], row["open_amount"]) == (
        "200.00", "10.00", "210.00", "210.00")
    assert [(line["item"], line["net_amount"], line["delivery"], line["delivery_number"]) for line in row["lines"]] == [
        ("WID-1", "200.00", note.pk, note.number)]
    assert [r["id"] for r in drafts.json()["results"]] == [invoice.pk]
    assert none.json()["results"] == []
    assert wrong.status_code == 400 and wrong.json() == {"status": ["Unknown status."]}


def test_posting_through_the_api_takes_the_uniform_number_and_posting_again_is_refused(acc):
    invoice = draft_invoice(acc)
    client = api(acc.accountant)

    posted = client.post(f"/api/finance/customer-invoices/{invoice.pk}/post/")
    again = client.post(f"/api/finance/customer-invoices/{invoice.pk}/post/")

    assert posted.status_code == 200
    assert (posted.json()["status"], posted.json()["uniform_number"]) == ("posted", "AB12345000")
    assert posted.json()["journal_entry"] == CustomerInvoice.objects.get(pk=invoice.pk).journal_entry_id
    assert again.status_code == 400 and again.json()["detail"] == "Only a draft invoice can be posted."


def test_posting_without_uniform_numbers_left_is_a_400_and_posts_nothing(acc):
    invoice = draft_invoice(acc)
    UniformInvoiceRange.objects.filter(company=acc.company).update(next_number=12345050)

    response = api(acc.accountant).post(f"/api/finance/customer-invoices/{invoice.pk}/post/")

    assert response.status_code == 400 and response.json()["detail"].startswith("No uniform invoice numbers")
    assert CustomerInvoice.objects.get(pk=invoice.pk).status == "draft"
    assert not JournalEntry.objects.filter(source_key=f"customer-invoice:{invoice.pk}").exists()


def test_voiding_needs_a_reason_and_is_refused_once_paid(acc):
    invoice = posted_invoice(acc)
    paid = posted_invoice(acc)
    payment_post(payment=payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                                      account=acc.roles.get(R.BANK), amount=D("5"), document_date=acc.today,
                                      allocations=[(paid, D("5"))]), actor=acc.admin)
    client = api(acc.accountant)

    without = client.post(f"/api/finance/customer-invoices/{invoice.pk}/void/", {}, format="json")
    voided = client.post(f"/api/finance/customer-invoices/{invoice.pk}/void/", {"reason": "開錯買方"}, format="json")
    refused = client.post(f"/api/finance/customer-invoices/{paid.pk}/void/", {"reason": "x"}, format="json")

    assert without.status_code == 400 and without.json() == {"reason": ["Give the reason for voiding."]}
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["uniform_number"], voided.json()["void_reason"]) == (
        "void", "AB12345000", "開錯買方")
    assert refused.status_code == 400
    assert refused.json()["reason"] == [f"{paid.number} has payments or credit notes applied: reverse those first."]
    assert CustomerInvoice.objects.get(pk=paid.pk).status == "posted"


# Supplier invoices -----------------------------------------------------------------------------------


def test_supplier_invoices_show_what_was_paid_and_what_is_open(acc):
    bill = supplier_bill(acc)
    draft = SupplierInvoice.objects.create(company=acc.company, supplier=bill.supplier, supplier_invoice_number="D",
                                           status="draft", total_amount=D("50"))
    payment_post(payment=payment_save(company=acc.company, actor=acc.admin, direction="out", partner=bill.supplier,
                                      account=acc.roles.get(R.BANK), amount=D("60"), document_date=acc.today,
                                      allocations=[(bill, D("60"))]), actor=acc.admin)
    client = api(acc.accountant)

    listed = client.get("/api/finance/supplier-invoices/")
    open_only = client.get("/api/finance/supplier-invoices/", {"open": "true", "supplier": "S1"})
    one = client.get(f"/api/finance/supplier-invoices/{bill.pk}/")

    rows = {row["id"]: (row["status"], row["total_amount"], row["paid_amount"], row["open_amount"])
            for row in listed.json()["results"]}
    assert rows == {bill.pk: ("posted", "210.00", "60.00", "150.00"), draft.pk: ("draft", "50.00", "0.00", "0.00")}
    assert supplier_invoice_paid([bill.pk]) == {bill.pk: D("60.00")}
    assert [row["id"] for row in open_only.json()["results"]] == [bill.pk]
    assert one.json()["open_amount"] == "150.00"
    assert api(acc.rep).get("/api/finance/supplier-invoices/").status_code == 403


# Payments --------------------------------------------------------------------------------------------


def test_a_payment_with_allocations_is_created_and_posted(acc):
    first, second = posted_invoice(acc), posted_invoice(acc, "2")  # 105.00, 210.00
    client = api(acc.accountant)
    bank = acc.roles.get(R.BANK)

    created = client.post("/api/finance/payments/", {
        "direction": "in", "customer": acc.customer.code, "account": bank.code, "amount": "315.00",
        "document_date": str(acc.today), "reference": "TXN-9",
        "allocations": [{"customer_invoice": first.pk, "amount": "105"}, {"customer_invoice": second.pk,
                                                                         "amount": "210"}]}, format="json")
    payment_id = created.json()["id"]
    posted = client.post(f"/api/finance/payments/{payment_id}/post/", {}, format="json")

    assert created.status_code == 201, created.json()
    assert (created.json()["status"], created.json()["number"], created.json()["customer"]) == ("draft", "", "C001")
    assert [(a["customer_invoice"], a["amount"]) for a in created.json()["allocations"]] == [
        (first.pk, "105.00"), (second.pk, "210.00")]
    assert posted.status_code == 200
    body = posted.json()
    assert (body["status"], body["allocated_amount"], body["unallocated"]) == ("posted", "315.00", "0.00")
    assert body["number"] and body["journal_entry"] is not None
    assert [CustomerInvoice.objects.get(pk=i.pk).open_amount for i in (first, second)] == [0, 0]


def test_an_overpayment_is_posted_only_when_kept_as_credit(acc):
    invoice = posted_invoice(acc)  # 105.00
    client = api(acc.accountant)
    payment = payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                           account=acc.roles.get(R.BANK), amount=D("200"), document_date=acc.today,
                           allocations=[(invoice, D("105"))])

    refused = client.post(f"/api/finance/payments/{payment.pk}/post/", {}, format="json")
    unchanged = (Payment.objects.get(pk=payment.pk).status, CustomerInvoice.objects.get(pk=invoice.pk).paid_amount)
    kept = client.post(f"/api/finance/payments/{payment.pk}/post/", {"keep_overpayment": True}, format="json")

    assert refused.status_code == 400 and "keep_overpayment" in refused.json()
    assert unchanged == ("draft", 0)
    assert kept.status_code == 200 and kept.json()["unallocated"] == "95.00"


def test_paying_a_supplier_settles_its_invoice(acc):
    bill = supplier_bill(acc)
    client = api(acc.accountant)

    created = client.post("/api/finance/payments/", {
        "direction": "out", "supplier": "S1", "account": acc.roles.get(R.BANK).code, "amount": "210",
        "allocations": [{"supplier_invoice": bill.pk, "amount": "210"}]}, format="json")
    posted = client.post(f"/api/finance/payments/{created.json()['id']}/post/", {}, format="json")
    listed = client.get("/api/finance/supplier-invoices/", {"open": "true"})

    assert created.status_code == 201 and posted.status_code == 200
    assert supplier_invoice_paid([bill.pk]) == {bill.pk: D("210.00")}
    assert listed.json()["results"] == []


def test_bad_payments_are_400s_naming_the_field_and_nothing_is_written(acc):
    invoice = posted_invoice(acc)
    other = CompanyFactory(code="OTHER", name="別家公司")
    foreign = CustomerInvoice.objects.create(company=other, customer=acc.customer, total_amount=D("1"))
    client = api(acc.accountant)
    bank = acc.roles.get(R.BANK)
    body = {"direction": "in", "customer": acc.customer.code, "account": bank.code, "amount": "100"}

    answers = {
        "no customer": client.post("/api/finance/payments/", {**body, "customer": None}, format="json"),
        "a supplier too": client.post("/api/finance/payments/", {**body, "supplier": "NOPE"}, format="json"),
        "a group account": client.post("/api/finance/payments/", {**body, "account": bank.parent.code},
                                       format="json"),
        "negative": client.post("/api/finance/payments/", {**body, "amount": "-1"}, format="json"),
        "three decimals": client.post("/api/finance/payments/", {**body, "amount": "1.005"}, format="json"),
        "above the payment": client.post("/api/finance/payments/", {**body, "allocations": [
            {"customer_invoice": invoice.pk, "amount": "101"}]}, format="json"),
        "another company's invoice": client.post("/api/finance/payments/", {**body, "allocations": [
            {"customer_invoice": foreign.pk, "amount": "1"}]}, format="json"),
        "no invoice": client.post("/api/finance/payments/", {**body, "allocations": [{"amount": "1"}]},
                                  format="json"),
    }

    fields = {name: (response.status_code, sorted(response.json())) for name, response in answers.items()}
    assert fields == {
        "no customer": (400, ["customer"]), "a supplier too": (400, ["supplier"]),
        "a group account": (400, ["account"]), "negative": (400, ["amount"]), "three decimals": (400, ["amount"]),
        "above the payment": (400, ["allocations", "detail"]), "another company's invoice": (400, ["allocations"]),
        "no invoice": (400, ["allocations"]),
    }
    assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()


# Uniform invoice ranges and the aging report ----------------------------------------------------------


def test_uniform_invoice_ranges_are_listed_and_entered_and_an_overlap_is_a_400(acc):
    client = api(acc.accountant)
    start = invoicing.two_month_start(acc.today)
    body = {"year": acc.today.year, "start_month": start, "track": "CD", "first_number": 0, "last_number": 49}

    created = client.post("/api/finance/uniform-invoice-ranges/", body, format="json")
    overlap = client.post("/api/finance/uniform-invoice-ranges/", {**body, "first_number": 40, "last_number": 60},
                          format="json")
    even = client.post("/api/finance/uniform-invoice-ranges/", {**body, "start_month": 2}, format="json")
    letters = client.post("/api/finance/uniform-invoice-ranges/", {**body, "track": "c1"}, format="json")
    listed = client.get("/api/finance/uniform-invoice-ranges/", {"year": acc.today.year})

    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("track", "first_number", "next_number", "remaining")} == {
        "track": "CD", "first_number": 0, "next_number": 0, "remaining": 50}
    assert overlap.status_code == 400 and list(overlap.json()) == ["detail", "first_number"]
    assert even.status_code == 400 and "start_month" in even.json()
    assert letters.status_code == 400 and letters.json() == {"track": ["Two upper-case letters, e.g. AB."]}
    assert sorted(row["track"] for row in listed.json()["results"]) == ["AB", "CD"]


def test_the_aging_report_gives_the_bucket_figures(acc):
    invoice = posted_invoice(acc)  # 105.00
    older = posted_invoice(acc, "2")  # 210.00, 70 days before the day asked
    CustomerInvoice.objects.filter(pk=older.pk).update(document_date=acc.today - datetime.timedelta(days=25))
    client = api(acc.accountant)

    response = client.get("/api/finance/reports/aging/", {"as_of": str(acc.today + datetime.timedelta(days=45))})
    malformed = client.get("/api/finance/reports/aging/", {"as_of": "2026-02-30"})

    body = response.json()
    assert response.status_code == 200
    assert body["results"] == [{"id": acc.customer.pk, "code": "C001", "name": acc.customer.name,
                                "days_0_30": "0.00", "days_31_60": "105.00", "days_61_90": "210.00",
                                "days_over_90": "0.00", "total": "315.00"}]
    assert body["totals"] == {"days_0_30": "0.00", "days_31_60": "105.00", "days_61_90": "210.00",
                              "days_over_90": "0.00", "total": "315.00"}
    assert invoice.open_amount == D("105.00")
    assert malformed.status_code == 400 and list(malformed.json()) == ["as_of"]


# Scope, permissions, query counts ------------------------------------------------------------------


def test_another_companys_user_sees_nothing_and_reaches_nothing(acc):
    invoice = posted_invoice(acc)
    payment = payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                           account=acc.roles.get(R.BANK), amount=D("5"), document_date=acc.today,
                           allocations=[(invoice, D("5"))])
    bill = supplier_bill(acc)
    other = CompanyFactory(code="OTHER", name="別家公司")
    client = api(user_maker(other)("other-accountant", "Finance"))

    lists = [client.get(f"/api/finance/{name}/").json()["results"] for name in (
        "customer-invoices", "supplier-invoices", "payments", "uniform-invoice-ranges")]
    aging = client.get("/api/finance/reports/aging/").json()["results"]
    answers = [client.get(f"/api/finance/customer-invoices/{invoice.pk}/").status_code,
               client.get(f"/api/finance/payments/{payment.pk}/").status_code,
               client.get(f"/api/finance/supplier-invoices/{bill.pk}/").status_code,
               client.post(f"/api/finance/customer-invoices/{invoice.pk}/void/", {"reason": "x"}).status_code,
               client.post(f"/api/finance/payments/{payment.pk}/post/", {}).status_code]

    assert lists == [[], [], [], []] and aging == []
    assert answers == [404] * 5
    assert CustomerInvoice.objects.get(pk=invoice.pk).status == "posted"
    assert Payment.objects.get(pk=payment.pk).status == "draft"


def test_users_without_finance_permissions_are_refused(acc):
    client = api(acc.rep)

    answers = [client.get(f"/api/finance/{name}/").status_code for name in (
        "customer-invoices", "payments", "uniform-invoice-ranges", "reports/aging")]

    assert answers == [403] * 4


def test_the_invoice_and_payment_lists_run_a_fixed_number_of_queries(acc):
    warm_permissions(acc.accountant)
    client = api(acc.accountant)
    invoice = posted_invoice(acc)
    bank = acc.roles.get(R.BANK)
    payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer, account=bank,
                 amount=D("1"), document_date=acc.today, allocations=[(invoice, D("1"))])
    client.get("/api/finance/")  # the first request reads what later ones reuse
    with CaptureQueriesContext(connection) as few_invoices:
        client.get("/api/finance/customer-invoices/")
    with CaptureQueriesContext(connection) as few_payments:
        client.get("/api/finance/payments/")
    for _n in range(4):
        more = posted_invoice(acc)
        payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer, account=bank,
                     amount=D("2"), document_date=acc.today, allocations=[(more, D("1")), (invoice, D("1"))])

    with CaptureQueriesContext(connection) as many_invoices:
        invoices = client.get("/api/finance/customer-invoices/")
    with CaptureQueriesContext(connection) as many_payments:
        payments = client.get("/api/finance/payments/")

    assert invoices.json()["count"] == 5 and payments.json()["count"] == 5
    assert len(many_invoices) == len(few_invoices)
    assert len(many_payments) == len(few_payments)
