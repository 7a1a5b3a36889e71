"""/api/finance/: the reports' figures for a known set of entries, the chart of accounts written
through its service, journal entries drafted, posted and reversed, periods closed and reopened, the
refusals (400 with the field, 409 for a closed period; nothing written) and company scoping."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from finance import status as st
from finance.models import Account, AccountRoleAccount, JournalEntry, JournalLine, Period
from finance.services.ledger import Line, entry_save
from finance.services.setup import fiscal_year_ensure
from tests.finance.conftest import D

pytestmark = pytest.mark.django_db
R = st.AccountRole


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def draft(fin, debit="10", credit="10"):
    return entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                      memo="draft", lines=[Line(fin.account(R.BANK), debit=D(debit)),
                                           Line(fin.account(R.CAPITAL), credit=D(credit))])


def current_period(fin):
    fiscal_year_ensure(company=fin.company, year=fin.today.year)
    return Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)


# Reports ---------------------------------------------------------------------------------------------


def test_the_trial_balance_gives_each_accounts_figures_and_sums_to_zero(fin):
    last_year = fin.year_start - datetime.timedelta(days=1)
    fin.post([(R.BANK, "1000"), (R.CAPITAL, "-1000")], date=last_year)
    fin.post([(R.RECEIVABLE, "525"), (R.REVENUE, "-500"), (R.OUTPUT_TAX, "-25")])
    fin.post([(R.COGS, "300"), (R.BANK, "-300")])

    response = api(fin.accountant).get("/api/finance/reports/trial-balance/")

    body = response.json()
    rows = {row["code"]: (row["type"], row["opening"], row["debit"], row["credit"], row["balance"])
            for row in body["results"]}
    assert response.status_code == 200
    assert (body["date_from"], body["date_to"]) == (str(fin.year_start), str(fin.today))
    assert rows == {
        fin.account(R.BANK).code: ("asset", "1000.00", "0.00", "300.00", "700.00"),
        fin.account(R.CAPITAL).code: ("equity", "-1000.00", "0.00", "0.00", "-1000.00"),
        fin.account(R.RECEIVABLE).code: ("asset", "0.00", "525.00", "0.00", "525.00"),
        fin.account(R.REVENUE).code: ("income", "0.00", "0.00", "500.00", "-500.00"),
        fin.account(R.OUTPUT_TAX).code: ("liability", "0.00", "0.00", "25.00", "-25.00"),
        fin.account(R.COGS).code: ("expense", "0.00", "300.00", "0.00", "300.00"),
    }
    assert body["totals"] == {"opening": "0.00", "debit": "825.00", "credit": "825.00", "balance": "0.00"}
    assert [row["code"] for row in body["results"]] == sorted(rows)
    assert {row["id"] for row in body["results"]} == {fin.account(role).pk for role in (
        R.BANK, R.CAPITAL, R.RECEIVABLE, R.REVENUE, R.OUTPUT_TAX, R.COGS)}


def test_a_date_range_narrows_the_trial_balance(fin):
    fin.post_sample(date=fin.year_start)

    before = api(fin.accountant).get("/api/finance/reports/trial-balance/", {
        "date_from": str(fin.year_start - datetime.timedelta(days=30)),
        "date_to": str(fin.year_start - datetime.timedelta(days=1))})
    after = api(fin.accountant).get("/api/finance/reports/trial-balance/", {
        "date_from": str(fin.year_start), "date_to": str(fin.year_start)})

    assert before.json()["results"] == []
    assert after.json()["totals"] == {"opening": "0.00", "debit": "1825.00", "credit": "1825.00", "balance": "0.00"}


def test_profit_and_loss_and_the_balance_sheet_agree(fin):
    fin.post_sample()
    client = api(fin.accountant)

    pnl = client.get("/api/finance/reports/profit-and-loss/").json()
    sheet = client.get("/api/finance/reports/balance-sheet/", {"as_of": str(fin.today)}).json()

    assert pnl["totals"] == {"income": "500.00", "expense": "300.00", "profit": "200.00"}
    assert [(row["section"], row["code"], row["amount"]) for row in pnl["results"]] == [
        ("income", fin.account(R.REVENUE).code, "500.00"), ("expense", fin.account(R.COGS).code, "300.00")]
    assert sheet["totals"] == {"asset": "1225.00", "liability": "25.00", "equity": "1200.00",
                               "liabilities_and_equity": "1225.00"}
    unclosed = [row for row in sheet["results"] if row["id"] is None]
    assert [(row["section"], row["amount"]) for row in unclosed] == [("equity", "200.00")]


@pytest.mark.parametrize(("url", "params", "field"), [
    ("/api/finance/reports/trial-balance/", {"date_from": "2026-02-30"}, "date_from"),
    ("/api/finance/reports/trial-balance/", {"date_to": "yesterday"}, "date_to"),
    ("/api/finance/reports/profit-and-loss/", {"date_from": "2026-05-01", "date_to": "2026-04-30"}, "date_to"),
    ("/api/finance/reports/profit-and-loss/", {"date_from": "0001-01-01"}, "date_from"),
    ("/api/finance/reports/balance-sheet/", {"as_of": "2026-1-1x"}, "as_of"),
    ("/api/finance/reports/balance-sheet/", {"as_of": "9999-12-31"}, "as_of"),
    ("/api/finance/journal-entries/", {"date_from": "31/12/2026"}, "date_from"),
])
def test_malformed_dates_are_a_400_naming_the_parameter(fin, url, params, field):
    response = api(fin.accountant).get(url, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_reports_need_the_journal_entry_view_permission(fin):
    assert api(fin.clerk).get("/api/finance/reports/trial-balance/").status_code == 403
    assert api(fin.clerk).get("/api/finance/journal-entries/").status_code == 403
    assert api(fin.clerk).get("/api/finance/").status_code == 403


# Accounts and roles ---------------------------------------------------------------------------------


def test_an_account_is_created_and_changed_through_the_service(fin):
    client = api(fin.accountant)
    group = fin.account(R.BANK).parent

    created = client.post("/api/finance/accounts/", {"code": "1119", "name": "零用金", "name_en": "Petty cash",
                                                      "parent": group.code, "account_type": "asset"}, format="json")
    changed = client.patch(f"/api/finance/accounts/{created.json()['id']}/", {"is_active": False}, format="json")

    account = Account.objects.get(company=fin.company, code="1119")
    assert created.status_code == 201
    assert created.json() == {"id": account.pk, "code": "1119", "name": "零用金", "name_zh_hans": "",
                              "name_en": "Petty cash", "display_name": "Petty cash", "parent": group.code,
                              "account_type": "asset", "is_group": False, "is_active": True}
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert (account.parent, account.is_active) == (group, False)


def test_an_accounts_rules_are_400s_naming_the_field_and_change_nothing(fin):
    fin.post([(R.BANK, "10"), (R.CAPITAL, "-10")])
    client = api(fin.accountant)
    bank = fin.account(R.BANK)

    duplicate = client.post("/api/finance/accounts/", {"code": bank.code, "name": "x", "account_type": "asset"},
                            format="json")
    under_a_postable = client.post("/api/finance/accounts/", {"code": "X1", "name": "x", "account_type": "asset",
                                                              "parent": bank.code}, format="json")
    retyped = client.patch(f"/api/finance/accounts/{bank.pk}/", {"account_type": "expense"}, format="json")
    grouped = client.patch(f"/api/finance/accounts/{bank.pk}/", {"is_group": True}, format="json")

    assert (duplicate.status_code, duplicate.json()["code"]) == (
        400, [f"The code {bank.code} is already used by another account."])
    assert (under_a_postable.status_code, under_a_postable.json()["parent"]) == (
        400, [f"{bank} is not a group account: only a group has accounts under it."])
    assert (retyped.status_code, retyped.json()["account_type"]) == (
        400, [f"Entries were posted to {bank}: its type cannot change."])
    assert (grouped.status_code, grouped.json()["is_group"]) == (
        400, [f"Entries were posted to {bank}: it cannot become a group."])
    bank.refresh_from_db()
    assert (bank.account_type, bank.is_group) == ("asset", False)
    assert not Account.objects.filter(company=fin.company, code="X1").exists()


def test_account_roles_list_each_role_with_its_account(fin):
    response = api(fin.accountant).get("/api/finance/account-roles/", {"role": "bank"})

    mapping = AccountRoleAccount.objects.get(company=fin.company, role=R.BANK)
    assert response.status_code == 200
    assert response.json()["results"] == [{
        "id": mapping.pk, "role": "bank", "role_label": "Bank", "account": mapping.account.code,
        "account_name": mapping.account.name_en, "item_category": None, "warehouse": None,
        "adjustment_reason": None}]
    assert response.json()["count"] == 1


def test_account_roles_list_the_adjustment_reason_of_an_override(fin):
    from finance.services.accounts import role_account_set
    from inventory.models import AdjustmentReason
    from inventory.services.masterdata import units_seed

    units_seed(company=fin.company)
    reason = AdjustmentReason.objects.get(company=fin.company, code="DAMAGE")
    scrap_loss = Account.objects.get(company=fin.company, code="5115")
    mapping = role_account_set(company=fin.company, actor=fin.accountant, role=R.STOCK_ADJUSTMENT,
                               account=scrap_loss, adjustment_reason=reason)

    response = api(fin.accountant).get("/api/finance/account-roles/", {"role": "stock_adjustment"})

    assert response.status_code == 200
    assert [(row["id"], row["account"], row["adjustment_reason"]) for row in response.json()["results"]] == [
        (AccountRoleAccount.objects.get(company=fin.company, role=R.STOCK_ADJUSTMENT, adjustment_reason=None).pk,
         "5114", None), (mapping.pk, "5115", "DAMAGE")]


# Periods ---------------------------------------------------------------------------------------------


def test_a_period_is_closed_and_reopened_and_posting_into_it_meanwhile_is_a_409(fin):
    period = current_period(fin)
    entry = draft(fin)
    client = api(fin.accountant)

    closed = client.post(f"/api/finance/periods/{period.pk}/close/")
    refused = client.post(f"/api/finance/journal-entries/{entry.pk}/post/")
    twice = client.post(f"/api/finance/periods/{period.pk}/close/")
    reopened = client.post(f"/api/finance/periods/{period.pk}/reopen/")

    assert (closed.status_code, closed.json()["status"], closed.json()["closed_by"]) == (200, "closed", "accountant")
    assert refused.status_code == 409
    assert refused.json()["document_date"] == [
        f"The period {period} is closed: nothing can be posted dated {fin.today}."]
    assert twice.status_code == 400
    assert (reopened.status_code, reopened.json()["status"]) == (200, "open")
    entry.refresh_from_db()
    assert (entry.status, entry.number) == (st.EntryStatus.DRAFT, "")
    assert not JournalLine.objects.filter(entry=entry, date__isnull=False).exists()


def test_closing_a_period_needs_the_change_permission(fin):
    period = current_period(fin)
    fin.clerk.user_permissions.add(Permission.objects.get(codename="view_period"))

    listed = api(fin.clerk).get("/api/finance/periods/", {"year": str(fin.today.year)})
    refused = api(fin.clerk).post(f"/api/finance/periods/{period.pk}/close/")

    assert listed.status_code == 200 and listed.json()["count"] == 12
    assert refused.status_code == 403
    assert Period.objects.get(pk=period.pk).status == st.PeriodStatus.OPEN


# Journal entries -------------------------------------------------------------------------------------


def test_a_draft_is_created_with_lines_posted_and_reversed(fin):
    client = api(fin.accountant)
    bank, capital = fin.account(R.BANK), fin.account(R.CAPITAL)

    created = client.post("/api/finance/journal-entries/", {
        "journal": "GEN", "document_date": str(fin.today), "memo": "opening",
        "lines": [{"account": bank.code, "debit": "1000"}, {"account": capital.code, "credit": "1000",
                                                            "description": "capital"}]}, format="json")
    pk = created.json()["id"]
    posted = client.post(f"/api/finance/journal-entries/{pk}/post/")
    reversed_ = client.post(f"/api/finance/journal-entries/{pk}/reverse/", {"date": str(fin.today)}, format="json")
    again = client.get(f"/api/finance/journal-entries/{pk}/")

    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["number"], body["journal"], body["total"]) == ("draft", "", "GEN", "0.00")
    assert [(line["account"], line["debit"], line["credit"], line["description"]) for line in body["lines"]] == [
        (bank.code, "1000.00", "0.00", ""), (capital.code, "0.00", "1000.00", "capital")]
    assert posted.status_code == 200
    assert (posted.json()["status"], posted.json()["number"], posted.json()["total"]) == (
        "posted", f"JGEN-{fin.today.year}-000001", "1000.00")
    assert reversed_.status_code == 201
    assert (reversed_.json()["reverses"], reversed_.json()["number"]) == (pk, f"JGEN-{fin.today.year}-000002")
    assert [(line["debit"], line["credit"]) for line in reversed_.json()["lines"]] == [
        ("0.00", "1000.00"), ("1000.00", "0.00")]
    assert again.json()["reversed_by"] == reversed_.json()["id"]


@pytest.mark.parametrize(("lines", "message"), [
    ([{"account": "BANK", "debit": "1000"}, {"account": "CAPITAL", "credit": "999.99"}],
     "The debits (1,000.00) and the credits (999.99) differ by 0.01: the entry does not balance."),
    ([{"account": "BANK", "debit": "1000"}], "An entry needs at least two lines."),
])
def test_an_unbalanced_or_single_line_entry_is_a_400_on_lines_and_nothing_is_written(fin, lines, message):
    codes = {"BANK": fin.account(R.BANK).code, "CAPITAL": fin.account(R.CAPITAL).code}
    body = {"journal": "GEN", "lines": [{**line, "account": codes[line["account"]]} for line in lines]}

    response = api(fin.accountant).post("/api/finance/journal-entries/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": [message]}
    assert not JournalEntry.objects.filter(company=fin.company).exists()


def test_a_negative_amount_too_many_decimals_and_an_unknown_account_are_400s_per_line(fin):
    bank = fin.account(R.BANK)
    lines = [{"account": bank.code, "debit": "-5"}, {"account": bank.code, "credit": "1.005"},
             {"account": bank.code, "debit": "1"}, {"account": "NOPE", "credit": "1"}]

    response = api(fin.accountant).post("/api/finance/journal-entries/", {"journal": "GEN", "lines": lines},
                                        format="json")

    errors = response.json()["lines"]
    assert response.status_code == 400
    assert errors == {"0": {"debit": ["Ensure this value is greater than or equal to 0."]},
                      "1": {"credit": ["Ensure that there are no more than 2 decimal places."]},
                      "3": {"account": ["Object with code=NOPE does not exist."]}}
    assert not JournalEntry.objects.filter(company=fin.company).exists()


def test_a_group_or_inactive_account_and_a_line_on_both_sides_are_400s_per_line(fin):
    bank = fin.account(R.BANK)
    inactive = Account.objects.create(company=fin.company, code="1119", name="停用", account_type="asset",
                                      parent=bank.parent, is_active=False)
    lines = [{"account": bank.parent.code, "debit": "1"}, {"account": inactive.code, "credit": "1"},
             {"account": bank.code, "debit": "1", "credit": "1"}, {"account": bank.code, "credit": "1"}]

    response = api(fin.accountant).post("/api/finance/journal-entries/", {"journal": "GEN", "lines": lines},
                                        format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": {
        "0": {"account": [f"{bank.parent} is a group account: post to an account under it."]},
        "1": {"account": [f"{inactive} is inactive."]},
        "2": {"debit": ["Give either a debit or a credit."]}}}
    assert not JournalEntry.objects.filter(company=fin.company).exists()


def test_posting_twice_is_a_409_and_reversing_a_draft_a_400(fin):
    entry = draft(fin)
    client = api(fin.accountant)

    client.post(f"/api/finance/journal-entries/{entry.pk}/post/")
    twice = client.post(f"/api/finance/journal-entries/{entry.pk}/post/")
    other = draft(fin)
    reversed_draft = client.post(f"/api/finance/journal-entries/{other.pk}/reverse/", {}, format="json")
    bad_date = client.post(f"/api/finance/journal-entries/{entry.pk}/reverse/", {"date": "soon"}, format="json")

    assert twice.status_code == 409
    assert reversed_draft.status_code == 400
    assert reversed_draft.json()["detail"] == "Only a posted entry can be reversed; a draft is changed or deleted."
    assert bad_date.status_code == 400 and list(bad_date.json()) == ["date"]
    assert JournalEntry.objects.filter(company=fin.company).count() == 2


def test_the_entries_list_filters(fin):
    first, second, third = fin.post_sample()
    open_draft = draft(fin)
    client = api(fin.accountant)

    drafts = client.get("/api/finance/journal-entries/", {"status": "draft"}).json()
    searched = client.get("/api/finance/journal-entries/", {"search": second.number}).json()
    general = client.get("/api/finance/journal-entries/", {"journal": "gen"}).json()
    unknown = client.get("/api/finance/journal-entries/", {"journal": "NOPE"})

    assert [row["id"] for row in drafts["results"]] == [open_draft.pk]
    assert [row["id"] for row in searched["results"]] == [second.pk]
    assert general["count"] == 4
    assert unknown.status_code == 400 and list(unknown.json()) == ["journal"]
    assert {first.pk, third.pk} <= {row["id"] for row in general["results"]}


# Scope -----------------------------------------------------------------------------------------------


def test_another_companys_user_sees_nothing_and_reaches_no_record(fin):
    entry = fin.post_sample()[0]
    period = current_period(fin)
    bank = fin.account(R.BANK)
    mapping = AccountRoleAccount.objects.get(company=fin.company, role=R.BANK)
    _other, outsider = fin.other_company()
    client = api(outsider)

    lists = {url: client.get(url).json() for url in (
        "/api/finance/journal-entries/", "/api/finance/periods/")}
    accounts = client.get("/api/finance/accounts/", {"search": bank.code}).json()
    reports = [client.get(url).json()["results"] for url in (
        "/api/finance/reports/trial-balance/", "/api/finance/reports/profit-and-loss/",
        "/api/finance/reports/balance-sheet/")]
    answers = [
        client.get(f"/api/finance/journal-entries/{entry.pk}/").status_code,
        client.get(f"/api/finance/accounts/{bank.pk}/").status_code,
        client.get(f"/api/finance/account-roles/{mapping.pk}/").status_code,
        client.get(f"/api/finance/periods/{period.pk}/").status_code,
        client.post(f"/api/finance/journal-entries/{entry.pk}/reverse/", {}, format="json").status_code,
        client.post(f"/api/finance/periods/{period.pk}/close/").status_code,
        client.patch(f"/api/finance/accounts/{bank.pk}/", {"name": "taken"}, format="json").status_code,
    ]

    assert [body["count"] for body in lists.values()] == [0, 0]
    assert all(row["code"] != bank.code or row["id"] != bank.pk for row in accounts["results"])
    assert reports == [[], [], []]
    assert answers == [404] * 7
    assert not JournalEntry.objects.filter(reverses=entry).exists()
    assert Period.objects.get(pk=period.pk).status == st.PeriodStatus.OPEN
    assert Account.objects.get(pk=bank.pk).name == bank.name


def test_an_entry_naming_another_companys_journal_or_account_is_refused(fin):
    other, outsider = fin.other_company()
    own_bank = fin.account(R.BANK)
    other_only = Account.objects.create(company=other, code="9999", name="別家", account_type="asset")

    response = api(fin.accountant).post("/api/finance/journal-entries/", {
        "journal": "GEN", "lines": [{"account": own_bank.code, "debit": "1"},
                                    {"account": other_only.code, "credit": "1"}]}, format="json")

    assert response.status_code == 400
    assert response.json()["lines"] == {"1": {"account": ["Object with code=9999 does not exist."]}}
    assert not JournalEntry.objects.exists()
