"""Finance's screens through the test client: each renders for the accountant, is refused to a user
without finance permissions and shows nothing of another company; the manual entry, posting,
reversing and deleting; periods closed on the screen; the chart of accounts and the account roles;
an account's ledger; the reports and their XLSX exports; the query budgets of the entries list and
the ledger."""

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from finance import status as st
from finance.models import Account, AccountRoleAccount, FiscalYear, JournalEntry, JournalLine, Period
from finance.services.ledger import Line, entry_reverse, entry_save
from finance.services.setup import fiscal_year_ensure
from inventory.services.masterdata import warehouse_create
from tests.conftest import warm_permissions
from tests.finance.conftest import D

pytestmark = pytest.mark.django_db
R = st.AccountRole

SCREENS = [
    "/finance/entries/", "/finance/entries/new/", "/finance/accounts/", "/finance/accounts/new/",
    "/finance/accounts/template/", "/finance/roles/", "/finance/roles/new/", "/finance/periods/",
    "/finance/reports/trial-balance/", "/finance/reports/profit-and-loss/", "/finance/reports/balance-sheet/",
]


def english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def last_message(response):
    """The message the request added (the client keeps earlier, unread ones in the cookie)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def text_of(response):
    return response.content.decode()


def object_screens(fin):
    """An entry's, an account's, a role mapping's pages."""
    entry = fin.post([(R.BANK, "100"), (R.CAPITAL, "-100")])
    bank = fin.account(R.BANK)
    mapping = AccountRoleAccount.objects.get(company=fin.company, role=R.BANK, item_category=None, warehouse=None)
    return [f"/finance/entries/{entry.pk}/", f"/finance/entries/{entry.pk}/print/",
            f"/finance/entries/{entry.pk}/reverse/", f"/finance/accounts/{bank.pk}/edit/",
            f"/finance/accounts/{bank.pk}/ledger/", f"/finance/roles/{mapping.pk}/edit/"]


def lines_data(rows, prefix="lines"):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "500"}
    for n, (code, debit, credit) in enumerate(rows):
        data.update({f"{prefix}-{n}-account": code, f"{prefix}-{n}-debit": debit, f"{prefix}-{n}-credit": credit,
                     f"{prefix}-{n}-description": f"line {n + 1}" if code else ""})
    return data


# Permissions and scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", SCREENS)
def test_every_screen_renders_for_the_accountant(fin, client, url):
    client.force_login(fin.accountant)

    response = client.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("url", SCREENS)
def test_a_user_without_finance_permissions_is_refused_and_anonymous_users_log_in(fin, client, url):
    anonymous = client.get(url)
    client.force_login(fin.clerk)

    refused = client.get(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=")
    assert refused.status_code == 403


def test_object_screens_render_for_the_accountant_and_are_404_for_another_companys(fin, client):
    urls = object_screens(fin)
    _other, outsider = fin.other_company()

    client.force_login(fin.accountant)
    own = [client.get(url).status_code for url in urls]
    client.force_login(outsider)
    foreign = [client.get(url).status_code for url in urls]

    assert own == [200] * len(urls)
    assert foreign == [404] * len(urls)


def test_another_companys_accountant_can_act_on_nothing_of_the_company(fin, client):
    entry = fin.post([(R.BANK, "100"), (R.CAPITAL, "-100")])
    draft = entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                       memo="draft", lines=[Line(fin.account(R.BANK), debit=D("5")),
                                            Line(fin.account(R.CAPITAL), credit=D("5"))])
    fiscal_year_ensure(company=fin.company, year=fin.today.year)
    period = Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)
    mapping = AccountRoleAccount.objects.get(company=fin.company, role=R.BANK, item_category=None, warehouse=None)
    _other, outsider = fin.other_company()
    client.force_login(outsider)

    answers = [client.post(url, {"date": str(fin.today)}).status_code for url in (
        f"/finance/entries/{draft.pk}/post/", f"/finance/entries/{draft.pk}/delete/",
        f"/finance/entries/{entry.pk}/reverse/", f"/finance/periods/{period.pk}/close/",
        f"/finance/periods/years/{period.fiscal_year_id}/close/", f"/finance/roles/{mapping.pk}/delete/",
        f"/finance/accounts/{fin.account(R.BANK).pk}/edit/")]

    assert answers == [404] * 7
    assert JournalEntry.objects.get(pk=draft.pk).status == st.EntryStatus.DRAFT
    assert not JournalEntry.objects.filter(reverses=entry).exists()
    assert Period.objects.get(pk=period.pk).status == st.PeriodStatus.OPEN
    assert AccountRoleAccount.objects.filter(pk=mapping.pk).exists()


def test_lists_and_reports_show_nothing_of_another_company(fin, client):
    fin.post_sample()
    account = Account.objects.create(company=fin.company, code="9999X", name="只屬於本公司",
                                     account_type=st.AccountType.EXPENSE)
    _other, outsider = fin.other_company()
    client.force_login(outsider)

    entries = client.get("/finance/entries/")
    chart = client.get("/finance/accounts/", {"q": account.code})
    trial = client.get("/finance/reports/trial-balance/")
    sheet = client.get("/finance/reports/balance-sheet/")
    pnl = client.get("/finance/reports/profit-and-loss/")

    assert entries.context["page"].paginator.count == 0
    assert chart.context["page"].paginator.count == 0
    assert trial.context["report"].rows == []
    assert all(section.lines == [] for section in sheet.context["sections"])
    assert all(section.lines == [] for section in pnl.context["sections"])


def test_the_menu_offers_finance_to_the_accountant_only(fin, client):
    client.force_login(fin.accountant)
    accountant = text_of(client.get("/"))
    client.force_login(fin.clerk)
    clerk = text_of(client.get("/"))

    assert 'href="/finance/entries/"' in accountant
    assert 'href="/finance/entries/"' not in clerk


# Journal entries -------------------------------------------------------------------------------------


def test_the_manual_entry_form_saves_a_balanced_draft_that_posting_numbers(fin, client):
    english(fin.accountant)
    client.force_login(fin.accountant)
    bank, capital = fin.account(R.BANK), fin.account(R.CAPITAL)

    saved = client.post("/finance/entries/new/", {
        "journal": fin.journal().pk, "document_date": str(fin.today), "memo": "opening capital",
        **lines_data([(bank.code, "1000", ""), (capital.code, "", "1000"), ("", "", "")])})
    assert saved.status_code == 302, saved.context["formset"].errors if saved.context else saved
    draft = JournalEntry.objects.get(company=fin.company)
    posted = client.post(f"/finance/entries/{draft.pk}/post/")
    draft.refresh_from_db()

    assert saved.status_code == 302 and saved["Location"] == f"/finance/entries/{draft.pk}/"
    assert list(draft.lines.order_by("line_no").values_list("account_id", "debit", "credit", "description")) == [
        (bank.pk, D("1000.00"), D("0.00"), "line 1"), (capital.pk, D("0.00"), D("1000.00"), "line 2")]
    assert posted.status_code == 302
    assert (draft.status, draft.number, draft.total) == (st.EntryStatus.POSTED, f"JGEN-{fin.today.year}-000001",
                                                         D("1000.00"))
    assert last_message(posted) == f"JGEN-{fin.today.year}-000001 posted."


def test_an_unbalanced_entry_is_refused_beside_the_lines_and_nothing_is_saved(fin, client):
    english(fin.accountant)
    client.force_login(fin.accountant)

    response = client.post("/finance/entries/new/", {
        "journal": fin.journal().pk, "document_date": str(fin.today), "memo": "",
        **lines_data([(fin.account(R.BANK).code, "1000", ""), (fin.account(R.CAPITAL).code, "", "999.99")])})

    errors = re.search(r'<div class="alert alert-danger" id="line-errors">(.*?)</div>\s*</div>?', text_of(response),
                       re.S)
    assert response.status_code == 200
    assert errors is not None
    assert ("The debits (1,000.00) and the credits (999.99) differ by 0.01: the entry does not balance."
            in errors.group(1))
    assert not JournalEntry.objects.filter(company=fin.company).exists()
    assert not JournalLine.objects.filter(company=fin.company).exists()


def test_a_group_account_a_negative_amount_and_an_unknown_code_are_refused_beside_their_fields(fin, client):
    english(fin.accountant)
    client.force_login(fin.accountant)
    bank = fin.account(R.BANK)

    response = client.post("/finance/entries/new/", {
        "journal": fin.journal().pk, "document_date": str(fin.today), "memo": "",
        **lines_data([(bank.parent.code, "10", ""), (bank.code, "-10", ""), ("NOPE", "", "10")])})

    forms = response.context["formset"].forms
    assert response.status_code == 200
    assert forms[0].errors["account"] == [f"{bank.parent} is a group account: post to an account under it."]
    assert forms[1].errors["debit"] == ["Ensure this value is greater than or equal to 0."]
    assert forms[2].errors["account"] == ["No account has the code NOPE."]
    assert not JournalEntry.objects.filter(company=fin.company).exists()


def test_closing_a_period_on_the_screen_then_posting_into_it_is_refused(fin, client):
    english(fin.accountant)
    fiscal_year_ensure(company=fin.company, year=fin.today.year)
    period = Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)
    draft = entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                       memo="", lines=[Line(fin.account(R.BANK), debit=D("5")),
                                       Line(fin.account(R.CAPITAL), credit=D("5"))])
    client.force_login(fin.accountant)

    closed = client.post(f"/finance/periods/{period.pk}/close/")
    posted = client.post(f"/finance/entries/{draft.pk}/post/")

    period.refresh_from_db()
    draft.refresh_from_db()
    assert closed.status_code == 302 and closed["Location"] == "/finance/periods/"
    assert (period.status, period.closed_by) == (st.PeriodStatus.CLOSED, fin.accountant)
    assert posted.status_code == 302
    assert last_message(posted) == f"The period {period} is closed: nothing can be posted dated {fin.today}."
    assert (draft.status, draft.number) == (st.EntryStatus.DRAFT, "")
    assert not JournalLine.objects.filter(entry=draft, date__isnull=False).exists()


def test_a_period_is_reopened_and_a_refusal_comes_back_as_a_message(fin, client):
    english(fin.accountant)
    fiscal_year_ensure(company=fin.company, year=fin.today.year)
    period = Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)
    client.force_login(fin.accountant)

    again = client.post(f"/finance/periods/{period.pk}/reopen/")
    client.post(f"/finance/periods/{period.pk}/close/")
    reopened = client.post(f"/finance/periods/{period.pk}/reopen/")

    assert last_message(again) == f"The period {period} is open."
    assert last_message(reopened) == f"The period {period} is open again."
    assert Period.objects.get(pk=period.pk).status == st.PeriodStatus.OPEN


def test_the_periods_screen_opens_a_fiscal_year_and_closes_it(fin, client):
    english(fin.accountant)
    client.force_login(fin.accountant)
    year = fin.today.year - 1

    opened = client.post("/finance/periods/years/new/", {"year": str(year)})
    fin.post([(R.BANK, "100"), (R.REVENUE, "-100")], date=fin.today.replace(year=year, month=6, day=1))
    fiscal_year = FiscalYear.objects.get(company=fin.company, year=year)
    closed = client.post(f"/finance/periods/years/{fiscal_year.pk}/close/")
    page = client.get("/finance/periods/")

    fiscal_year.refresh_from_db()
    assert opened.status_code == 302
    assert fiscal_year.periods.count() == 12
    assert last_message(closed) == f"The fiscal year {year} is closed; its profit or loss is in retained earnings."
    assert fiscal_year.status == st.PeriodStatus.CLOSED and fiscal_year.closing_entry.closing
    assert f'id="fiscal-year-{year}"' in text_of(page)


def test_reversing_asks_for_the_date_and_links_the_entries_both_ways(fin, client):
    english(fin.accountant)
    entry = fin.post([(R.BANK, "300"), (R.CAPITAL, "-300")])
    client.force_login(fin.accountant)

    asked = client.get(f"/finance/entries/{entry.pk}/reverse/")
    reversed_ = client.post(f"/finance/entries/{entry.pk}/reverse/", {"date": str(fin.today), "memo": ""})
    reversal = JournalEntry.objects.get(reverses=entry)
    original_page = text_of(client.get(f"/finance/entries/{entry.pk}/"))
    reversal_page = text_of(client.get(f"/finance/entries/{reversal.pk}/"))

    assert asked.status_code == 200 and 'name="date"' in text_of(asked)
    assert reversed_.status_code == 302 and reversed_["Location"] == f"/finance/entries/{reversal.pk}/"
    assert list(reversal.lines.order_by("line_no").values_list("debit", "credit")) == [
        (D("0.00"), D("300.00")), (D("300.00"), D("0.00"))]
    assert f'<a href="/finance/entries/{reversal.pk}/">{reversal.number}</a>' in original_page
    assert f'<a href="/finance/entries/{entry.pk}/">{entry.number}</a>' in reversal_page
    assert f"/finance/entries/{entry.pk}/reverse/" not in original_page  # reversed once


def test_a_reversal_dated_in_a_closed_period_is_refused_beside_the_date(fin, client):
    english(fin.accountant)
    entry = fin.post([(R.BANK, "300"), (R.CAPITAL, "-300")])
    period = Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)
    Period.objects.filter(pk=period.pk).update(status=st.PeriodStatus.CLOSED)
    client.force_login(fin.accountant)

    response = client.post(f"/finance/entries/{entry.pk}/reverse/", {"date": str(fin.today)})

    assert response.status_code == 400
    assert response.context["form"].errors["date"] == [
        f"The period {period} is closed: nothing can be posted dated {fin.today}."]
    assert not JournalEntry.objects.filter(reverses=entry).exists()


def test_a_draft_is_edited_and_deleted_on_the_screen(fin, client):
    english(fin.accountant)
    bank, capital = fin.account(R.BANK), fin.account(R.CAPITAL)
    draft = entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                       memo="first", lines=[Line(bank, debit=D("5")), Line(capital, credit=D("5"))])
    client.force_login(fin.accountant)

    form = client.get(f"/finance/entries/{draft.pk}/edit/")
    edited = client.post(f"/finance/entries/{draft.pk}/edit/", {
        "journal": fin.journal().pk, "document_date": str(fin.today), "memo": "second",
        **lines_data([(bank.code, "7", ""), (capital.code, "", "7")])})
    amounts = list(JournalLine.objects.filter(entry=draft).order_by("line_no").values_list("debit", "credit"))
    deleted = client.post(f"/finance/entries/{draft.pk}/delete/")

    assert form.status_code == 200 and f'value="{bank.code}"' in text_of(form)
    assert edited.status_code == 302
    assert amounts == [(D("7.00"), D("0.00")), (D("0.00"), D("7.00"))]
    assert deleted.status_code == 302 and deleted["Location"] == "/finance/entries/"
    assert not JournalEntry.objects.filter(pk=draft.pk).exists()


def test_the_entries_list_filters_and_links_the_source(fin, client):
    first, second, third = fin.post_sample()
    reversal = entry_reverse(entry=second, actor=fin.accountant, date=fin.today)
    client.force_login(fin.accountant)

    searched = client.get("/finance/entries/", {"q": third.number})
    posted = client.get("/finance/entries/", {"status": "posted"})
    by_journal = client.get("/finance/entries/", {"journal": fin.journal(st.JournalKind.SALES).pk})
    exported = client.get("/finance/entries/", {"export": "xlsx"})

    assert [row.document.pk for row in searched.context["rows"]] == [third.pk]
    assert {row.document.pk for row in posted.context["rows"]} == {first.pk, second.pk, third.pk, reversal.pk}
    assert by_journal.context["rows"] == []
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(
        [first.number, second.number, third.number, reversal.number])


def test_the_entries_list_and_the_ledger_run_a_fixed_number_of_queries(fin, client):
    warm_permissions(fin.accountant)
    client.force_login(fin.accountant)
    bank = fin.account(R.BANK)
    fin.post([(R.BANK, "1"), (R.CAPITAL, "-1")])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/finance/entries/").status_code == 200
    with CaptureQueriesContext(connection) as few_ledger:
        assert client.get(f"/finance/accounts/{bank.pk}/ledger/").status_code == 200
    for n in range(12):
        entry = fin.post([(R.BANK, str(n + 2)), (R.CAPITAL, f"-{n + 2}")])
        if n % 4 == 0:
            entry_reverse(entry=entry, actor=fin.accountant, date=fin.today)

    with CaptureQueriesContext(connection) as many:
        listed = client.get("/finance/entries/")
    with CaptureQueriesContext(connection) as many_ledger:
        ledger = client.get(f"/finance/accounts/{bank.pk}/ledger/")

    assert len(listed.context["rows"]) == 16
    assert len(ledger.context["rows"]) == 16
    assert len(many) == len(few)
    assert len(many_ledger) == len(few_ledger)


# Chart of accounts and roles ------------------------------------------------------------------------


def test_the_chart_shows_the_tree_with_balances_to_date(fin, client):
    fin.post_sample()
    client.force_login(fin.accountant)
    bank = fin.account(R.BANK)

    page = client.get("/finance/accounts/", {"q": bank.code})
    everything = client.get("/finance/accounts/", {"page": "1"})
    assets = client.get("/finance/accounts/", {"account_type": "asset", "export": "xlsx"})

    rows = page.context["page"].object_list
    assert [(row.account.pk, row.balance) for row in rows] == [(bank.pk, D("700.00"))]
    top = everything.context["page"].object_list[0]
    assert (top.account.code, top.depth, top.balance) == ("1", 0, D("1225.00"))  # bank 700 + receivable 525
    sheet = load_workbook(io.BytesIO(assets.content)).active
    exported = {row[0]: row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported[bank.code] == 700
    assert set(exported) == set(Account.objects.filter(company=fin.company, account_type="asset")
                                .values_list("code", flat=True))


def test_an_account_is_created_and_changed_and_the_rules_are_shown_beside_the_fields(fin, client):
    english(fin.accountant)
    fin.post([(R.BANK, "10"), (R.CAPITAL, "-10")])
    client.force_login(fin.accountant)
    bank = fin.account(R.BANK)
    group = bank.parent
    body = {"code": "1119", "name": "零用金", "name_zh_hans": "零用金", "name_en": "Petty cash",
            "parent": group.pk, "account_type": "asset", "is_active": "on"}

    created = client.post("/finance/accounts/new/", body)
    duplicate = client.post("/finance/accounts/new/", body)
    retyped = client.post(f"/finance/accounts/{bank.pk}/edit/", {**body, "code": bank.code, "name": bank.name,
                                                                 "account_type": "expense"})
    ungrouped = client.post(f"/finance/accounts/{group.pk}/edit/", {
        "code": group.code, "name": group.name, "account_type": "asset", "is_active": "on"})

    account = Account.objects.get(company=fin.company, code="1119")
    assert created.status_code == 302
    assert (account.parent, account.name_en, account.is_group, account.is_active) == (group, "Petty cash", False, True)
    assert duplicate.context["form"].errors["code"] == ["The code 1119 is already used by another account."]
    assert retyped.context["form"].errors["account_type"] == [
        f"Entries were posted to {bank}: its type cannot change."]
    assert ungrouped.context["form"].errors["is_group"] == [f"{group} has accounts under it: it stays a group."]
    assert Account.objects.get(pk=bank.pk).account_type == "asset"
    assert Account.objects.get(pk=group.pk).is_group


def test_loading_a_chart_template_is_refused_once_entries_exist(fin, client):
    english(fin.accountant)
    client.force_login(fin.accountant)
    before = set(Account.objects.filter(company=fin.company).values_list("pk", flat=True))

    loaded = client.post("/finance/accounts/template/", {"template": "cn"})
    codes = set(Account.objects.filter(company=fin.company).values_list("code", flat=True))
    fin.post([(R.BANK, "10"), (R.CAPITAL, "-10")])
    refused = client.post("/finance/accounts/template/", {"template": "tw"})

    assert loaded.status_code == 302 and "1002" in codes and "1113" not in codes  # the PRC chart: 银行存款
    assert not before & set(Account.objects.filter(company=fin.company).values_list("pk", flat=True))
    assert refused.status_code == 200
    assert refused.context["form"].errors["template"] == [
        "Entries were already made with this chart: change its accounts one by one instead."]
    assert set(Account.objects.filter(company=fin.company).values_list("code", flat=True)) == codes


def test_account_roles_are_listed_changed_and_overridden_but_a_default_is_not_removed(fin, client):
    english(fin.accountant)
    client.force_login(fin.accountant)
    cash, bank = fin.account(R.CASH), fin.account(R.BANK)
    default = AccountRoleAccount.objects.get(company=fin.company, role=R.BANK, item_category=None, warehouse=None)
    warehouse = warehouse_create(company=fin.company, code="W1", name="一號倉")

    listed = client.get("/finance/roles/")
    changed = client.post(f"/finance/roles/{default.pk}/edit/", {"account": cash.pk})
    added = client.post("/finance/roles/new/", {"role": R.BANK, "warehouse": warehouse.pk, "account": bank.pk})
    override = AccountRoleAccount.objects.get(company=fin.company, role=R.BANK, warehouse=warehouse)
    kept = client.post(f"/finance/roles/{default.pk}/delete/")
    removed = client.post(f"/finance/roles/{override.pk}/delete/")

    assert [row.role for row in listed.context["rows"]] == list(R.values)
    assert changed.status_code == 302 and AccountRoleAccount.objects.get(pk=default.pk).account == cash
    assert added.status_code == 302 and override.account == bank
    assert last_message(kept) == "The default account of a role cannot be removed: change it instead."
    assert AccountRoleAccount.objects.filter(pk=default.pk).exists()
    assert removed.status_code == 302 and not AccountRoleAccount.objects.filter(pk=override.pk).exists()


def test_an_adjustment_reason_is_mapped_on_the_roles_screen_and_refused_beside_it_on_another_role(fin, client):
    from inventory.models import AdjustmentReason
    from inventory.services.masterdata import units_seed

    english(fin.accountant)
    client.force_login(fin.accountant)
    units_seed(company=fin.company)
    reason = AdjustmentReason.objects.get(company=fin.company, code="DAMAGE")
    scrap_loss, bank = Account.objects.get(company=fin.company, code="5115"), fin.account(R.BANK)
    before = AccountRoleAccount.objects.count()

    refused = client.post("/finance/roles/new/", {"role": R.BANK, "adjustment_reason": reason.pk, "account": bank.pk})
    added = client.post("/finance/roles/new/", {"role": R.STOCK_ADJUSTMENT, "adjustment_reason": reason.pk,
                                                "account": scrap_loss.pk})
    listed = client.get("/finance/roles/")

    assert refused.status_code == 200
    assert refused.context["form"].errors["adjustment_reason"] == [
        "Only the role “Inventory adjustments” is mapped per adjustment reason: leave the reason empty."]
    assert added.status_code == 302
    mapping = AccountRoleAccount.objects.get(company=fin.company, adjustment_reason=reason)
    assert (mapping.role, mapping.account, AccountRoleAccount.objects.count()) == (
        R.STOCK_ADJUSTMENT, scrap_loss, before + 1)
    row = next(row for row in listed.context["rows"] if row.role == R.STOCK_ADJUSTMENT)
    assert row.default.adjustment_reason is None and row.overrides == [mapping]
    assert str(reason) in text_of(listed)
    edited = client.post(f"/finance/roles/{mapping.pk}/edit/", {"account": bank.pk})
    assert edited.status_code == 302
    assert AccountRoleAccount.objects.get(pk=mapping.pk).account == bank  # the reason stays


# The ledger and the reports -------------------------------------------------------------------------


def test_the_account_ledger_runs_the_balance_from_the_opening_across_pages(fin, client):
    client.force_login(fin.accountant)
    last_year = fin.year_start.replace(year=fin.year_start.year - 1)
    fin.post([(R.BANK, "1000"), (R.CAPITAL, "-1000")], date=last_year)
    for _n in range(27):
        fin.post([(R.BANK, "-10"), (R.COGS, "10")])
    bank = fin.account(R.BANK)

    first = client.get(f"/finance/accounts/{bank.pk}/ledger/")
    second = client.get(f"/finance/accounts/{bank.pk}/ledger/", {"page": "2"})

    assert first.context["opening"] == D("1000.00")
    assert [balance for _line, balance in first.context["rows"]][:2] == [D("990.00"), D("980.00")]
    assert len(first.context["rows"]) == 25
    assert second.context["brought_forward"] == D("750.00")
    assert [balance for _line, balance in second.context["rows"]] == [D("740.00"), D("730.00")]
    assert second.context["closing"] == D("730.00")


def test_the_account_ledger_counts_and_totals_from_the_balance_rows_as_the_lines_give_them(fin, client):
    # whole periods come from the balance rows' counts and sums, the range's partial days from the lines
    client.force_login(fin.accountant)
    days = [fin.year_start, fin.year_start + datetime.timedelta(days=20), fin.year_start + datetime.timedelta(days=40),
            fin.today]
    for n, day in enumerate(days * 10):
        fin.post([(R.BANK, f"{n + 1}"), (R.CAPITAL, f"-{n + 1}")], date=day)
    fin.post([(R.BANK, "-3"), (R.COGS, "3")], date=fin.today)
    bank = fin.account(R.BANK)
    date_from = fin.year_start + datetime.timedelta(days=10)
    for params in ({}, {"date_from": date_from.isoformat()}, {"date_from": date_from.isoformat(), "page": "2"}):
        page = client.get(f"/finance/accounts/{bank.pk}/ledger/", params)
        lines = JournalLine.objects.filter(account=bank, date__gte=params.get("date_from", fin.year_start),
                                           date__lte=fin.today)
        sums = lines.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert page.context["page"].paginator.count == lines.count()
        assert (page.context["debit"], page.context["credit"]) == (sums["d"], sums["c"])
        shown = [line.pk for line, _balance in page.context["rows"]]
        number = int(params.get("page", "1"))
        assert shown == list(lines.order_by("date", "id").values_list("pk", flat=True)[(number - 1) * 25:number * 25])


def test_the_trial_balance_sums_to_zero_and_its_xlsx_holds_the_figures(fin, client):
    fin.post_sample()
    client.force_login(fin.accountant)

    page = client.get("/finance/reports/trial-balance/")
    exported = client.get("/finance/reports/trial-balance/", {"export": "xlsx"})

    report = page.context["report"]
    assert (report.total_debit, report.total_credit, report.total_balance) == (D("1825"), D("1825"), D("0"))
    assert '<p class="text-success" id="trial-balance-check">' in text_of(page)
    assert exported["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    by_code = {row[0]: row[3:] for row in rows[1:-1]}
    assert by_code[fin.account(R.BANK).code] == (0, 1000, 300, 700)
    assert by_code[fin.account(R.RECEIVABLE).code] == (0, 525, 0, 525)
    assert by_code[fin.account(R.REVENUE).code] == (0, 0, 500, -500)
    assert by_code[fin.account(R.COGS).code] == (0, 300, 0, 300)
    assert rows[-1][3:] == (0, 1825, 1825, 0)
    assert len(rows) == 1 + 6 + 1


def test_profit_and_loss_and_balance_sheet_show_and_export_the_same_figures(fin, client):
    fin.post_sample()
    client.force_login(fin.accountant)

    pnl = client.get("/finance/reports/profit-and-loss/")
    sheet = client.get("/finance/reports/balance-sheet/", {"export": "xlsx"})

    assert pnl.context["result"][0][1] == D("200")
    assert [(s.key, s.total) for s in pnl.context["sections"]] == [("income", D("500")), ("expense", D("300"))]
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[-1][2] == 1225
    amounts = {row[0]: row[2] for row in rows[1:] if row[0]}
    assert amounts[fin.account(R.BANK).code] == 700 and amounts[fin.account(R.CAPITAL).code] == 1000


def test_a_report_with_malformed_or_reversed_dates_says_so_and_never_fails(fin, client):
    english(fin.accountant)
    client.force_login(fin.accountant)

    malformed = client.get("/finance/reports/trial-balance/", {"date_from": "2026-13-45"})
    reversed_ = client.get("/finance/reports/profit-and-loss/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    far = client.get("/finance/reports/balance-sheet/", {"as_of": "0001-01-01"})

    assert malformed.status_code == 200 and malformed.context["form"].errors["date_from"] == ["Enter a valid date."]
    assert reversed_.context["form"].errors["date_to"] == ["The end date is before the start date."]
    assert far.status_code == 200 and far.context["form"].errors["as_of"] == [
        "Enter a date between the years 1900 and 2999."]
