"""The receivables' screens through the test client: customer invoices (list, page, header form, post,
void with a reason, delete, print), uniform invoice ranges, payments (the form with its allocation
table, save and post, the overpayment refused beside its checkbox), the aging report, a customer's
statement and the finance settings. Each renders for the accountant, is refused to a user without
finance permissions and shows nothing of another company; the lists' query counts do not grow with
their rows."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from finance import status as st
from finance.models import (
    CustomerInvoice,
    FinanceSettings,
    JournalEntry,
    Payment,
    PaymentAllocation,
    UniformInvoiceRange,
)
from finance.services import invoices as invoicing
from finance.services.payments import payment_post, payment_save
from tests.conftest import user_maker, warm_permissions
from tests.factories import CompanyFactory
from tests.finance.conftest import D
from tests.finance.test_order_to_cash import books, invoice_of, ship  # noqa: F401  (the order-to-cash world)
from tests.sales.conftest import _sal_shared, sal  # noqa: F401  (the sales world's fixtures)

pytestmark = pytest.mark.django_db
R = st.AccountRole

LIST_SCREENS = ["/finance/invoices/", "/finance/payments/", "/finance/payments/new/", "/finance/ranges/",
                "/finance/ranges/new/", "/finance/reports/aging/", "/finance/reports/customer-statement/",
                "/finance/settings/"]


@pytest.fixture
def acc(books):  # noqa: F811
    """The order-to-cash world with an accountant (the Finance role) and goods to ship."""
    w = books
    w.accountant = user_maker(w.company)("accountant", "Finance", language="en")
    w.receive(w.widget, 50, cost="40")
    return w


def english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def last_message(response):
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def text_of(response):
    return response.content.decode()


def draft_invoice(w, quantity="1"):
    _order, note = ship(w, quantity)
    return invoice_of(note)


def posted_invoice(w, quantity="1"):
    return invoicing.invoice_post(invoice=draft_invoice(w, quantity), actor=w.admin)


def outsider():
    other = CompanyFactory(code="OTHER", name="別家公司")
    return user_maker(other)("other-accountant", "Finance", language="en")


def object_screens(w):
    draft = draft_invoice(w)
    posted = posted_invoice(w)
    payment = payment_save(company=w.company, actor=w.admin, direction="in", partner=w.customer,
                           account=w.roles.get(R.BANK), amount=D("10"), document_date=w.today,
                           allocations=[(posted, D("10"))])
    return [f"/finance/invoices/{draft.pk}/", f"/finance/invoices/{draft.pk}/edit/",
            f"/finance/invoices/{posted.pk}/", f"/finance/invoices/{posted.pk}/print/",
            f"/finance/invoices/{posted.pk}/void/", f"/finance/payments/{payment.pk}/",
            f"/finance/payments/{payment.pk}/edit/", f"/finance/payments/{payment.pk}/print/"]


# Permissions and scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", LIST_SCREENS)
def test_each_screen_renders_for_the_accountant_and_is_refused_without_finance_permissions(acc, client, url):
    anonymous = client.get(url)
    client.force_login(acc.accountant)
    shown = client.get(url)
    client.force_login(acc.rep)
    refused = client.get(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=")
    assert shown.status_code == 200
    assert refused.status_code == 403


def test_object_screens_render_for_the_accountant_are_refused_to_a_rep_and_404_for_another_company(acc, client):
    urls = object_screens(acc)
    stranger = outsider()

    client.force_login(acc.accountant)
    own = [client.get(url).status_code for url in urls]
    client.force_login(acc.rep)
    rep = [client.get(url).status_code for url in urls]
    client.force_login(stranger)
    foreign = [client.get(url).status_code for url in urls]

    assert own == [200] * len(urls)
    assert rep == [403] * len(urls)
    assert foreign == [404] * len(urls)


def test_another_companys_accountant_sees_nothing_and_acts_on_nothing(acc, client):
    draft = draft_invoice(acc)
    posted = posted_invoice(acc)
    stranger = outsider()
    client.force_login(stranger)

    lists = [client.get(url) for url in ("/finance/invoices/", "/finance/payments/", "/finance/ranges/")]
    aging = client.get("/finance/reports/aging/")
    statement = client.get("/finance/reports/customer-statement/", {"customer": acc.customer.code})
    answers = [client.post(url, {"reason": "x"}).status_code for url in (
        f"/finance/invoices/{draft.pk}/post/", f"/finance/invoices/{draft.pk}/delete/",
        f"/finance/invoices/{posted.pk}/void/", f"/finance/invoices/{draft.pk}/edit/")]

    assert [response.context["page"].paginator.count for response in lists] == [0, 0, 0]
    assert aging.context["rows"] == []
    assert statement.context["statement"] is None
    assert statement.context["form"].errors["customer"] == [f"None of your customers has the code {acc.customer.code}."]
    assert answers == [404] * 4
    assert CustomerInvoice.objects.get(pk=draft.pk).status == "draft"
    assert CustomerInvoice.objects.get(pk=posted.pk).status == "posted"


def test_the_finance_tabs_link_the_new_screens(acc, client):
    client.force_login(acc.accountant)

    html = text_of(client.get("/finance/entries/"))

    for url in ("/finance/invoices/", "/finance/payments/", "/finance/reports/aging/",
                "/finance/reports/customer-statement/", "/finance/ranges/", "/finance/settings/"):
        assert f'href="{url}"' in html


# Customer invoices ---------------------------------------------------------------------------------------


def test_posting_from_the_screen_takes_the_first_uniform_invoice_number(acc, client):
    invoice = draft_invoice(acc, "2")
    client.force_login(acc.accountant)

    page = client.get(f"/finance/invoices/{invoice.pk}/")
    posted = client.post(f"/finance/invoices/{invoice.pk}/post/")

    invoice.refresh_from_db()
    assert f"/finance/invoices/{invoice.pk}/post/" in text_of(page)
    assert posted.status_code == 302 and posted["Location"] == f"/finance/invoices/{invoice.pk}/"
    assert (invoice.status, invoice.uniform_number) == ("posted", "AB12345000")
    assert last_message(posted) == f"{invoice.number} posted with the uniform invoice number AB12345000."
    html = text_of(client.get(f"/finance/invoices/{invoice.pk}/"))
    assert 'id="uniform-number">AB12345000<' in html and 'id="invoice-open">210.00<' in html
    assert f'href="{invoice.journal_entry.get_absolute_url()}"' in html


def test_posting_without_uniform_numbers_left_is_a_message_and_posts_nothing(acc, client):
    invoice = draft_invoice(acc)
    UniformInvoiceRange.objects.filter(company=acc.company).update(next_number=12345050)  # used up
    client.force_login(acc.accountant)

    response = client.post(f"/finance/invoices/{invoice.pk}/post/")

    invoice.refresh_from_db()
    assert response.status_code == 302
    assert last_message(response).startswith("No uniform invoice numbers are left for")
    assert (invoice.status, invoice.number, invoice.uniform_number) == ("draft", "", "")
    assert not JournalEntry.objects.filter(source_key=f"customer-invoice:{invoice.pk}").exists()


def test_voiding_asks_the_reason_and_keeps_the_uniform_number(acc, client):
    invoice = posted_invoice(acc)
    client.force_login(acc.accountant)

    asked = client.get(f"/finance/invoices/{invoice.pk}/void/")
    without = client.post(f"/finance/invoices/{invoice.pk}/void/", {"reason": " "})
    unchanged = CustomerInvoice.objects.get(pk=invoice.pk).status
    voided = client.post(f"/finance/invoices/{invoice.pk}/void/", {"reason": "買方統編錯誤"})

    invoice.refresh_from_db()
    assert asked.status_code == 200 and 'name="reason"' in text_of(asked)
    assert without.status_code == 400 and without.context["form"].errors["reason"] == ["Give the reason for voiding."]
    assert unchanged == "posted"
    assert voided.status_code == 302
    assert (invoice.status, invoice.uniform_number, invoice.void_reason) == ("void", "AB12345000", "買方統編錯誤")
    assert 'id="void-reason">買方統編錯誤<' in text_of(client.get(f"/finance/invoices/{invoice.pk}/"))


def test_a_paid_invoice_cannot_be_voided_and_the_refusal_is_beside_the_reason(acc, client):
    invoice = posted_invoice(acc)
    payment_post(payment=payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                                      account=acc.roles.get(R.BANK), amount=D("5"), document_date=acc.today,
                                      allocations=[(invoice, D("5"))]), actor=acc.admin)
    client.force_login(acc.accountant)

    response = client.post(f"/finance/invoices/{invoice.pk}/void/", {"reason": "wrong buyer"})

    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [
        f"{invoice.number} has payments or credit notes applied: reverse those first."]
    assert CustomerInvoice.objects.get(pk=invoice.pk).status == "posted"


def test_a_drafts_header_is_edited_and_an_invalid_tax_id_is_refused_beside_the_field(acc, client):
    invoice = draft_invoice(acc)
    client.force_login(acc.accountant)
    body = {"document_date": str(acc.today), "due_date": str(acc.today + datetime.timedelta(days=30)),
            "buyer_tax_id": "04595257", "notes": "月結"}

    wrong = client.post(f"/finance/invoices/{invoice.pk}/edit/", {**body, "buyer_tax_id": "12345678"})
    short = client.post(f"/finance/invoices/{invoice.pk}/edit/", {**body, "buyer_tax_id": "1234"})
    early = client.post(f"/finance/invoices/{invoice.pk}/edit/", {
        **body, "due_date": str(acc.today - datetime.timedelta(days=1))})
    unchanged = CustomerInvoice.objects.get(pk=invoice.pk)
    saved = client.post(f"/finance/invoices/{invoice.pk}/edit/", {**body, "buyer_tax_id": "０４５９５２５７"})

    invoice.refresh_from_db()
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["buyer_tax_id"] == [
        "This is not a valid tax id (統一編號): check the digits."]
    assert short.context["form"].errors["buyer_tax_id"] == ["A tax id (統一編號) has 8 digits."]
    assert early.context["form"].errors["due_date"] == ["The due date is before the invoice date."]
    assert (unchanged.buyer_tax_id, unchanged.notes) == ("22099131", "")
    assert saved.status_code == 302
    assert (invoice.buyer_tax_id, invoice.notes, invoice.due_date) == (
        "04595257", "月結", acc.today + datetime.timedelta(days=30))


def test_a_posted_invoice_is_not_edited_and_a_draft_is_deleted(acc, client):
    posted = posted_invoice(acc)
    draft = draft_invoice(acc)
    client.force_login(acc.accountant)

    edit = client.get(f"/finance/invoices/{posted.pk}/edit/")
    deleted = client.post(f"/finance/invoices/{draft.pk}/delete/")
    kept = client.post(f"/finance/invoices/{posted.pk}/delete/")

    assert edit.status_code == 302 and edit["Location"] == f"/finance/invoices/{posted.pk}/"
    assert deleted.status_code == 302 and deleted["Location"] == "/finance/invoices/"
    assert not CustomerInvoice.objects.filter(pk=draft.pk).exists()
    assert kept.status_code == 302 and last_message(kept) == "Only a draft invoice can be deleted."
    assert CustomerInvoice.objects.get(pk=posted.pk).status == "posted"


def test_the_print_page_shows_the_uniform_invoice_fields_and_the_roc_year_on_request(acc, client):
    invoice = posted_invoice(acc, "3")
    client.force_login(acc.accountant)

    plain = text_of(client.get(f"/finance/invoices/{invoice.pk}/print/"))
    roc = text_of(client.get(f"/finance/invoices/{invoice.pk}/print/", {"roc": "1"}))

    assert 'id="print-uniform-number">AB12345000<' in plain
    assert 'id="print-buyer-tax-id">22099131<' in plain
    assert 'id="print-net">300.00<' in plain and 'id="print-tax">15.00<' in plain
    assert 'id="print-total">315.00<' in plain
    day = acc.today
    assert f"ROC {day.year - 1911}/{day.month:02d}/{day.day:02d}" in roc


def test_the_invoice_page_shows_the_lines_delivery_notes_and_the_payments_allocated(acc, client):
    order, note = ship(acc, "2")
    invoice = invoicing.invoice_post(invoice=invoice_of(note), actor=acc.admin)
    payment = payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                           account=acc.roles.get(R.BANK), amount=D("50"), document_date=acc.today,
                           allocations=[(invoice, D("50"))])
    payment_post(payment=payment, actor=acc.admin)
    payment.refresh_from_db()
    client.force_login(acc.admin)

    response = client.get(f"/finance/invoices/{invoice.pk}/")

    html = text_of(response)
    assert f'<a href="/inventory/deliveries/{note.pk}/">{note.number}</a>' in html
    assert 'id="invoice-total">210.00<' in html and 'id="invoice-paid">50.00<' in html
    assert 'id="invoice-open">160.00<' in html
    assert f'<a href="/finance/payments/{payment.pk}/">{payment.number}</a>' in html


def test_the_invoice_list_filters_and_exports(acc, client):
    first = posted_invoice(acc)
    second = draft_invoice(acc, "2")
    client.force_login(acc.accountant)

    posted = client.get("/finance/invoices/", {"status": "posted"})
    by_customer = client.get("/finance/invoices/", {"customer": acc.other_customer.code})
    unknown = client.get("/finance/invoices/", {"customer": "NOPE"})
    searched = client.get("/finance/invoices/", {"q": "AB12345000"})
    exported = client.get("/finance/invoices/", {"export": "xlsx"})

    assert [row.document.pk for row in posted.context["rows"]] == [first.pk]
    assert by_customer.context["rows"] == []
    assert unknown.context["filters"].errors["customer"] == ["None of your customers has the code NOPE."]
    assert [row.document.pk for row in searched.context["rows"]] == [first.pk]
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Number", "Uniform invoice number", "Date", "Customer code")
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[first.number][1] == "AB12345000" and by_number[first.number][6:9] == (105, 0, 105)
    assert by_number[second.reference][8] is None


def test_the_invoice_list_runs_a_fixed_number_of_queries(acc, client):
    warm_permissions(acc.accountant)
    client.force_login(acc.accountant)
    posted_invoice(acc)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/finance/invoices/").status_code == 200
    for n in range(6):
        CustomerInvoice.objects.create(company=acc.company, customer=acc.other_customer if n % 2 else acc.customer,
                                       total_amount=D(n + 1), net_amount=D(n + 1))

    with CaptureQueriesContext(connection) as many:
        listed = client.get("/finance/invoices/")

    assert len(listed.context["rows"]) == 7
    assert len(many) == len(few)


# Uniform invoice ranges -------------------------------------------------------------------------------


def test_a_range_is_entered_and_an_overlap_is_refused_beside_the_first_number(acc, client):
    client.force_login(acc.accountant)
    start = invoicing.two_month_start(acc.today)
    body = {"year": acc.today.year, "start_month": start, "track": "cd", "first_number": "100", "last_number": "149"}

    saved = client.post("/finance/ranges/new/", body)
    overlap = client.post("/finance/ranges/new/", {**body, "first_number": "140", "last_number": "199"})
    bad = client.post("/finance/ranges/new/", {**body, "track": "C1"})
    listed = client.get("/finance/ranges/")

    row = UniformInvoiceRange.objects.get(company=acc.company, track="CD")
    assert saved.status_code == 302 and (row.first_number, row.last_number, row.next_number) == (100, 149, 100)
    assert overlap.status_code == 200
    assert overlap.context["form"].errors["first_number"] == [f"The range overlaps {row}."]
    assert bad.context["form"].errors["track"] == ["Two upper-case letters, e.g. AB."]
    assert UniformInvoiceRange.objects.filter(company=acc.company).count() == 2
    html = text_of(listed)
    assert "CD00000100" in html and "CD00000149" in html


# Payments ---------------------------------------------------------------------------------------------


def payment_body(w, amount, allocations, **extra):
    body = {"direction": "in", "customer": w.customer.code, "supplier": "", "account": w.roles.get(R.BANK).code,
            "amount": amount, "document_date": str(w.today), "reference": "TXN-1"}
    body.update({f"allocate_c{invoice.pk}": value for invoice, value in allocations})
    body.update(extra)
    return body


def test_the_payment_form_lists_the_customers_open_invoices_when_asked(acc, client):
    open_one = posted_invoice(acc)
    draft_invoice(acc)  # not posted: not open
    client.force_login(acc.accountant)

    empty = client.get("/finance/payments/new/")
    loaded = client.post("/finance/payments/new/", {"direction": "in", "customer": acc.customer.code.lower(),
                                                    "load_invoices": "1"})

    assert [open_.invoice.pk for open_ in empty.context["form"].invoices] == []
    assert [open_.invoice.pk for open_ in loaded.context["form"].invoices] == [open_one.pk]
    assert f'name="allocate_c{open_one.pk}"' in text_of(loaded)
    assert not Payment.objects.exists()


def test_a_payment_is_saved_then_posted_settling_the_invoice(acc, client):
    invoice = posted_invoice(acc, "2")  # 210.00
    client.force_login(acc.accountant)

    saved = client.post("/finance/payments/new/", payment_body(acc, "210", [(invoice, "210")], save="1"))
    payment = Payment.objects.get(company=acc.company)
    page = client.get(f"/finance/payments/{payment.pk}/")
    posted = client.post(f"/finance/payments/{payment.pk}/post/")

    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert saved.status_code == 302 and saved["Location"] == f"/finance/payments/{payment.pk}/"
    assert list(payment.allocations.values_list("customer_invoice_id", "amount")) == [(invoice.pk, D("210.00"))]
    assert f'action="/finance/payments/{payment.pk}/post/"' in text_of(page)
    assert posted.status_code == 302 and last_message(posted) == f"{payment.number} posted."
    assert (payment.status, payment.allocated_amount, payment.bank_reference) == ("posted", D("210.00"), "TXN-1")
    assert invoice.open_amount == 0


def test_an_overpayment_without_the_checkbox_is_refused_beside_it_and_nothing_is_written(acc, client):
    invoice = posted_invoice(acc)  # 105.00
    client.force_login(acc.accountant)

    refused = client.post("/finance/payments/new/", payment_body(acc, "200", [(invoice, "105")], post="1"))

    assert refused.status_code == 200
    assert refused.context["form"].errors["keep_overpayment"] == [
        "95.00 of the payment is not allocated to an invoice: allocate it, or choose to keep it as the partner's "
        "credit."]
    assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()
    assert CustomerInvoice.objects.get(pk=invoice.pk).paid_amount == 0
    assert not JournalEntry.objects.filter(source_key__startswith="payment:").exists()

    kept = client.post("/finance/payments/new/", payment_body(acc, "200", [(invoice, "105")], post="1",
                                                              keep_overpayment="on"))

    payment = Payment.objects.get(company=acc.company)
    assert kept.status_code == 302
    assert (payment.status, payment.allocated_amount, payment.unallocated) == ("posted", D("105.00"), D("95.00"))
    assert CustomerInvoice.objects.get(pk=invoice.pk).open_amount == 0


def test_allocating_more_than_open_or_than_the_payment_is_refused_beside_the_field(acc, client):
    invoice = posted_invoice(acc)  # 105.00
    client.force_login(acc.accountant)

    above_open = client.post("/finance/payments/new/", payment_body(acc, "500", [(invoice, "150")], save="1"))
    above_payment = client.post("/finance/payments/new/", payment_body(acc, "50", [(invoice, "100")], save="1"))
    no_customer = client.post("/finance/payments/new/", payment_body(acc, "50", [], customer="", save="1"))

    assert above_open.context["form"].errors[f"allocate_c{invoice.pk}"] == ["Only 105.00 is open."]
    assert above_payment.context["form"].non_field_errors() == [
        "The allocations (100.00) add up to more than the payment (50.00)."]
    assert no_customer.context["form"].errors["customer"] == ["Give the customer's code."]
    assert not Payment.objects.exists()


def test_a_draft_payment_is_edited_and_a_posted_one_is_not(acc, client):
    invoice = posted_invoice(acc)
    payment = payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                           account=acc.roles.get(R.BANK), amount=D("30"), document_date=acc.today,
                           allocations=[(invoice, D("30"))])
    client.force_login(acc.accountant)

    form = client.get(f"/finance/payments/{payment.pk}/edit/")
    edited = client.post(f"/finance/payments/{payment.pk}/edit/", payment_body(acc, "40", [(invoice, "40")],
                                                                               save="1"))
    payment_post(payment=payment, actor=acc.admin)
    again = client.get(f"/finance/payments/{payment.pk}/edit/")

    assert form.status_code == 200 and form.context["form"][f"allocate_c{invoice.pk}"].value() == D("30.00")
    assert edited.status_code == 302
    assert list(PaymentAllocation.objects.filter(payment=payment).values_list("amount", flat=True)) == [D("40.00")]
    assert again.status_code == 302 and again["Location"] == f"/finance/payments/{payment.pk}/"


def test_the_payment_list_filters_and_runs_a_fixed_number_of_queries(acc, client):
    warm_permissions(acc.accountant)
    client.force_login(acc.accountant)
    bank = acc.roles.get(R.BANK)

    def pay(customer, amount):
        return payment_save(company=acc.company, actor=acc.admin, direction="in", partner=customer, account=bank,
                            amount=D(amount), document_date=acc.today)

    first = pay(acc.customer, "1")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/finance/payments/").status_code == 200
    for n in range(6):
        pay(acc.other_customer if n % 2 else acc.customer, str(n + 2))

    with CaptureQueriesContext(connection) as many:
        listed = client.get("/finance/payments/")
    by_customer = client.get("/finance/payments/", {"customer": acc.other_customer.code})

    assert len(listed.context["rows"]) == 7 and first.pk in {row.document.pk for row in listed.context["rows"]}
    assert len(many) == len(few)
    assert len(by_customer.context["rows"]) == 3


# Aging, statement, settings ----------------------------------------------------------------------------


def test_the_aging_report_puts_open_invoices_in_buckets_and_exports_them(acc, client):
    posted_invoice(acc)  # 105.00 today
    client.force_login(acc.accountant)
    as_of = acc.today + datetime.timedelta(days=45)

    page = client.get("/finance/reports/aging/", {"as_of": str(as_of)})
    exported = client.get("/finance/reports/aging/", {"as_of": str(as_of), "export": "xlsx"})

    assert [(row.partner.code, row.buckets) for row in page.context["rows"]] == [("C001", [0, D("105.00"), 0, 0])]
    assert page.context["totals"] == [0, D("105.00"), 0, 0]
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Customer code", "Customer", "0–30 days", "31–60 days", "61–90 days", "Over 90 days", "Total")
    assert rows[1] == ("C001", acc.customer.name, 0, 105, 0, 0, 105)
    assert rows[-1][1:] == ("Total", 0, 105, 0, 0, 105)


def test_the_customer_statement_runs_the_balance_through_invoices_and_payments(acc, client):
    yesterday = acc.today - datetime.timedelta(days=1)
    first = posted_invoice(acc)  # 105.00
    CustomerInvoice.objects.filter(pk=first.pk).update(document_date=yesterday)
    second = posted_invoice(acc, "2")  # 210.00
    payment = payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                           account=acc.roles.get(R.BANK), amount=D("100"), document_date=acc.today,
                           allocations=[(second, D("100"))])
    payment_post(payment=payment, actor=acc.admin)
    client.force_login(acc.accountant)

    page = client.get("/finance/reports/customer-statement/", {"customer": acc.customer.code,
                                                               "date_from": str(acc.today), "date_to": str(acc.today)})

    statement = page.context["statement"]
    assert statement.opening == D("105.00")
    assert [(e.kind, e.debit, e.credit, e.balance) for e in statement.entries] == [
        ("invoice", D("210.00"), 0, D("315.00")), ("payment", 0, D("100.00"), D("215.00"))]
    assert statement.closing == D("215.00")
    assert 'id="statement-closing"' in text_of(page)


def test_the_settings_are_saved_and_a_reader_cannot_change_them(acc, client):
    client.force_login(acc.accountant)

    saved = client.post("/finance/settings/", {"invoice_grouping": st.InvoiceGrouping.PER_CUSTOMER_MONTH})
    settings = FinanceSettings.objects.get(company=acc.company)
    client.force_login(user_maker(acc.company)("gm", "Manager"))
    shown = client.get("/finance/settings/")
    refused = client.post("/finance/settings/", {"invoice_grouping": st.InvoiceGrouping.PER_DELIVERY,
                                                 "uniform_invoices": "on"})

    assert saved.status_code == 302
    assert (settings.invoice_grouping, settings.uniform_invoices) == (st.InvoiceGrouping.PER_CUSTOMER_MONTH, False)
    assert shown.status_code == 200 and 'id="save-settings"' not in text_of(shown)
    assert refused.status_code == 403
    assert FinanceSettings.objects.get(company=acc.company).uniform_invoices is False


def test_the_aging_report_and_the_statement_run_a_fixed_number_of_queries(acc, client):
    warm_permissions(acc.accountant)
    client.force_login(acc.accountant)
    bank = acc.roles.get(R.BANK)
    statement = {"customer": acc.customer.code, "date_from": str(acc.today - datetime.timedelta(days=60)),
                 "date_to": str(acc.today)}

    def invoice(customer, days_ago, amount):
        return CustomerInvoice.objects.create(company=acc.company, customer=customer, status="posted",
                                              document_date=acc.today - datetime.timedelta(days=days_ago),
                                              net_amount=D(amount), total_amount=D(amount))

    first = invoice(acc.customer, 5, "100")
    payment_post(payment=payment_save(company=acc.company, actor=acc.admin, direction="in", partner=acc.customer,
                                      account=bank, amount=D("10"), document_date=acc.today,
                                      allocations=[(first, D("10"))]), actor=acc.admin)
    with CaptureQueriesContext(connection) as few_aging:
        assert client.get("/finance/reports/aging/").status_code == 200
    with CaptureQueriesContext(connection) as few_statement:
        assert client.get("/finance/reports/customer-statement/", statement).status_code == 200
    for n in range(6):
        more = invoice(acc.other_customer if n % 2 else acc.customer, 10 * n, str(n + 1))
        if n % 2 == 0:
            payment_post(payment=payment_save(company=acc.company, actor=acc.admin, direction="in",
                                              partner=acc.customer, account=bank, amount=D("1"),
                                              document_date=acc.today, allocations=[(more, D("1"))]), actor=acc.admin)

    with CaptureQueriesContext(connection) as many_aging:
        aging = client.get("/finance/reports/aging/")
    with CaptureQueriesContext(connection) as many_statement:
        shown = client.get("/finance/reports/customer-statement/", statement)

    assert len(aging.context["rows"]) == 2 and len(shown.context["statement"].entries) == 8
    assert len(many_aging) == len(few_aging)
    assert len(many_statement) == len(few_statement)
