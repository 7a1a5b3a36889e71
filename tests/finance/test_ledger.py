"""The ledger's rules: balanced entries only, open periods only, gapless numbers per journal and year,
posted entries and lines immutable (in the database too), reversals, year-end closing."""

import datetime

import pytest
from django.db import transaction
from django.db.utils import DatabaseError
from django.utils import translation

from erp.errors import DomainError
from finance import status as st
from finance.models import AccountBalance, JournalEntry, JournalLine, Period
from finance.selectors import balance_sheet, profit_and_loss, trial_balance
from finance.services.ledger import (
    Line,
    PeriodClosed,
    UnbalancedEntry,
    entry_post_manual,
    entry_record,
    entry_reverse,
    entry_save,
    fiscal_year_close,
    period_close,
    period_reopen,
)
from finance.services.setup import fiscal_year_ensure
from tests.finance.conftest import D

R = st.AccountRole


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched in English (the interface's default language is zh-Hant)."""
    with translation.override("en"):
        yield


def test_a_balanced_entry_is_posted_with_the_journals_next_number(fin):
    first = fin.post([(R.BANK, "1000"), (R.CAPITAL, "-1000")])
    second = fin.post([(R.BANK, "500"), (R.CAPITAL, "-500")])
    year = fin.today.year
    assert first.status == st.EntryStatus.POSTED
    assert (first.number, second.number) == (f"JGEN-{year}-000001", f"JGEN-{year}-000002")
    other = fin.post([(R.INVENTORY, "10"), (R.GRNI, "-10")], journal=fin.journal(st.JournalKind.INVENTORY))
    assert other.number == f"JSTK-{year}-000001"
    assert first.total == D("1000.00") and first.period.start <= fin.today <= first.period.end
    lines = list(first.lines.order_by("line_no").values_list("debit", "credit", "date"))
    assert lines == [(D("1000.00"), D("0.00"), fin.today), (D("0.00"), D("1000.00"), fin.today)]


def test_an_unbalanced_entry_is_refused_and_nothing_is_written(fin):
    with pytest.raises(UnbalancedEntry) as refused:
        fin.post([(R.BANK, "1000"), (R.CAPITAL, "-999.99")])
    assert "0.01" in str(refused.value.message)
    assert not JournalEntry.objects.filter(company=fin.company).exists()
    assert not JournalLine.objects.filter(company=fin.company).exists()
    assert not AccountBalance.objects.filter(company=fin.company).exists()


def test_a_single_line_is_refused(fin):
    with pytest.raises(DomainError, match="at least two lines"):
        entry_record(company=fin.company, journal=fin.journal(), date=fin.today,
                     lines=[Line(fin.account(R.BANK), debit=D("1"))], actor=fin.accountant)


def test_negative_amounts_more_than_two_decimals_and_group_accounts_are_refused(fin):
    bank, capital = fin.account(R.BANK), fin.account(R.CAPITAL)
    with pytest.raises(DomainError, match="negative"):
        entry_record(company=fin.company, journal=fin.journal(), date=fin.today, actor=fin.accountant,
                     lines=[Line(bank, debit=D("-5")), Line(capital, credit=D("-5"))])
    with pytest.raises(DomainError, match="two decimals"):
        entry_record(company=fin.company, journal=fin.journal(), date=fin.today, actor=fin.accountant,
                     lines=[Line(bank, debit=D("1.005")), Line(capital, credit=D("1.005"))])
    group = bank.parent
    assert group.is_group
    with pytest.raises(DomainError, match="group account"):
        entry_record(company=fin.company, journal=fin.journal(), date=fin.today, actor=fin.accountant,
                     lines=[Line(group, debit=D("1")), Line(capital, credit=D("1"))])
    assert not JournalEntry.objects.filter(company=fin.company).exists()


def test_nothing_is_posted_into_a_closed_period_and_reopening_allows_it_again(fin):
    fiscal_year_ensure(company=fin.company, year=fin.today.year)
    period = Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)
    period_close(period=period, actor=fin.accountant)
    with pytest.raises(PeriodClosed, match="closed"):
        fin.post([(R.BANK, "1"), (R.CAPITAL, "-1")])
    assert not JournalEntry.objects.filter(company=fin.company).exists()
    period_reopen(period=period, actor=fin.accountant)
    assert fin.post([(R.BANK, "1"), (R.CAPITAL, "-1")]).status == st.EntryStatus.POSTED


def test_the_same_source_key_posts_once(fin):
    first = fin.post([(R.BANK, "7"), (R.CAPITAL, "-7")], source_key="test:1")
    again = fin.post([(R.BANK, "7"), (R.CAPITAL, "-7")], source_key="test:1")
    assert again.pk == first.pk
    assert JournalEntry.objects.filter(company=fin.company).count() == 1


def test_a_reversal_swaps_the_lines_on_the_correction_date_and_happens_once(fin):
    entry = fin.post([(R.BANK, "300"), (R.CAPITAL, "-300")])
    reversal = entry_reverse(entry=entry, actor=fin.accountant, date=fin.today)
    assert reversal.reverses_id == entry.pk and reversal.status == st.EntryStatus.POSTED
    assert list(reversal.lines.order_by("line_no").values_list("account_id", "debit", "credit")) == [
        (fin.account(R.BANK).pk, D("0"), D("300")), (fin.account(R.CAPITAL).pk, D("300"), D("0"))]
    with pytest.raises(DomainError, match="already reversed"):
        entry_reverse(entry=entry, actor=fin.accountant)
    report = trial_balance(fin.company, date_from=fin.year_start, date_to=fin.today)
    assert all(row.balance == 0 for row in report.rows)


def test_the_database_refuses_to_change_or_delete_a_posted_entry_or_its_lines(fin):
    entry = fin.post([(R.BANK, "100"), (R.CAPITAL, "-100")])
    line = entry.lines.first()
    for statement in (
        lambda: JournalEntry.objects.filter(pk=entry.pk).update(memo="changed"),
        lambda: JournalEntry.objects.filter(pk=entry.pk)._raw_delete("default"),  # past the ORM's PROTECT
        lambda: JournalLine.objects.filter(pk=line.pk).update(debit=D("1")),
        lambda: JournalLine.objects.filter(pk=line.pk).delete(),
        lambda: JournalLine.objects.create(entry=entry, company=fin.company, line_no=9, account=line.account,
                                           date=fin.today, debit=D("1")),
    ):
        with pytest.raises(DatabaseError, match="posted"), transaction.atomic():
            statement()
    assert JournalLine.objects.get(pk=line.pk).debit == line.debit


def test_the_database_refuses_to_post_an_unbalanced_entry_whatever_writes_it(fin):
    draft = entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                       memo="", lines=[Line(fin.account(R.BANK), debit=D("10")),
                                       Line(fin.account(R.CAPITAL), credit=D("9"))])
    fiscal_year_ensure(company=fin.company, year=fin.today.year)
    period = Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        JournalLine.objects.filter(entry=draft).update(date=fin.today)
        JournalEntry.objects.filter(pk=draft.pk).update(status="posted", period=period, number="X-1")
    with pytest.raises(UnbalancedEntry):
        entry_post_manual(entry=draft, actor=fin.accountant)
    assert JournalEntry.objects.get(pk=draft.pk).status == st.EntryStatus.DRAFT


def test_a_manual_draft_is_changed_then_posted_and_its_lines_count_only_then(fin):
    bank, capital = fin.account(R.BANK), fin.account(R.CAPITAL)
    draft = entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                       memo="opening", lines=[Line(bank, debit=D("10")), Line(capital, credit=D("10"))])
    assert trial_balance(fin.company, date_from=fin.year_start, date_to=fin.today).rows == []
    draft = entry_save(company=fin.company, actor=fin.accountant, journal=fin.journal(), document_date=fin.today,
                       memo="opening", entry=draft,
                       lines=[Line(bank, debit=D("20")), Line(capital, credit=D("20"))])
    posted = entry_post_manual(entry=draft, actor=fin.accountant)
    assert posted.number.startswith("JGEN-") and posted.total == D("20")
    report = trial_balance(fin.company, date_from=fin.year_start, date_to=fin.today)
    assert [(r.account.pk, r.debit, r.credit) for r in report.rows] == [(bank.pk, D("20"), 0), (capital.pk, 0, D("20"))]


def test_trial_balance_sums_to_zero_and_splits_whole_periods_from_partial_ones(fin):
    last_year = datetime.date(fin.today.year - 1, 6, 15)
    fin.post([(R.BANK, "1000"), (R.CAPITAL, "-1000")], date=last_year)
    fin.post([(R.INVENTORY, "400"), (R.BANK, "-400")], date=fin.year_start)
    fin.post([(R.COGS, "150"), (R.INVENTORY, "-150")], date=fin.today)
    report = trial_balance(fin.company, date_from=fin.year_start, date_to=fin.today)
    rows = {r.account.pk: r for r in report.rows}
    bank = rows[fin.account(R.BANK).pk]
    assert (bank.opening, bank.debit, bank.credit, bank.balance) == (D("1000"), 0, D("400"), D("600"))
    assert report.total_balance == 0 and report.total_opening == 0
    assert report.total_debit == report.total_credit == D("550")
    # a range that starts mid-month reads the first days from the lines
    mid = trial_balance(fin.company, date_from=fin.year_start + datetime.timedelta(days=1), date_to=fin.today)
    assert mid.total_balance == 0


def test_profit_and_loss_and_balance_sheet_agree(fin):
    fin.post([(R.BANK, "1000"), (R.CAPITAL, "-1000")])
    fin.post([(R.RECEIVABLE, "525"), (R.REVENUE, "-500"), (R.OUTPUT_TAX, "-25")])
    fin.post([(R.COGS, "300"), (R.BANK, "-300")])
    pnl = profit_and_loss(fin.company, date_from=fin.year_start, date_to=fin.today)
    assert pnl.totals["profit"] == D("200")
    sheet = balance_sheet(fin.company, as_of=fin.today)
    assert sheet.totals[st.AccountType.ASSET] == D("1225")
    assert sheet.totals["liabilities_and_equity"] == D("1225")


def test_year_end_close_moves_profit_into_retained_earnings(fin):
    year = fin.today.year - 1
    day = datetime.date(year, 12, 31)
    fin.post([(R.BANK, "1000"), (R.REVENUE, "-1000")], date=day)
    fin.post([(R.COGS, "600"), (R.BANK, "-600")], date=day)
    fiscal_year = fiscal_year_ensure(company=fin.company, year=year)
    closed = fiscal_year_close(fiscal_year=fiscal_year, actor=fin.accountant)
    assert closed.status == st.PeriodStatus.CLOSED and closed.closing_entry.closing
    assert set(closed.periods.values_list("status", flat=True)) == {st.PeriodStatus.CLOSED}
    # the year's P&L still shows the profit; the next year's balance sheet has it in retained earnings
    pnl = profit_and_loss(fin.company, date_from=datetime.date(year, 1, 1), date_to=day)
    assert pnl.totals["profit"] == D("400")
    sheet = balance_sheet(fin.company, as_of=day)
    equity = sheet.sections[st.AccountType.EQUITY]
    retained = [line for line in equity if line.account == fin.account(R.RETAINED_EARNINGS)]
    assert retained[0].amount == D("400")
    assert sheet.totals[st.AccountType.ASSET] == sheet.totals["liabilities_and_equity"] == D("400")
    with pytest.raises(PeriodClosed):
        fin.post([(R.BANK, "1"), (R.REVENUE, "-1")], date=day)
