"""The ledger under real concurrency on PostgreSQL, and its reports against the lines whatever is posted:

- many postings to one journal and the same accounts at once: gapless unique numbers, balanced
  entries, balance slots that add up to the lines, a trial balance that sums to zero;
- a period closed while entries are posted into it: each posting committed before the close or was
  refused, and nothing was written by a refused one;
- two postings of the same source at once: one entry, returned to both;
- random sequences of postings, refusals, reversals and period closes (Hypothesis): every report
  agrees with a plain sum of the posted lines.

The race tests commit (``transaction=True``), so each builds its own world (``build_world``)."""

import datetime
import threading
import time
from collections import defaultdict

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from erp.errors import DomainError
from erp.models import NumberSequence
from finance import status as st
from finance.models import AccountBalance, JournalEntry, JournalLine, Period
from finance.selectors import balance_sheet, profit_and_loss, trial_balance
from finance.services import ledger
from finance.services.ledger import Line, PeriodClosed, UnbalancedEntry, entry_reverse, period_close
from finance.services.setup import fiscal_year_ensure
from tests.finance.conftest import D, build_world
from tests.parallel import run_parallel

R = st.AccountRole
ZERO = D("0")


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched in English (the interface's default language is zh-Hant)."""
    with translation.override("en"):
        yield



# What the ledger must always be: checked against the lines themselves --------------------------------


def deadlocks_so_far():
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def sequence_numbers(company, journal):
    numbers = JournalEntry.objects.filter(company=company, journal=journal).values_list("number", flat=True)
    return sorted(int(number.rsplit("-", 1)[1]) for number in numbers)


def assert_every_entry_balanced(company):
    """Every entry is posted, has two lines or more, its debits equal its credits and its total."""
    entries = JournalEntry.objects.filter(company=company)
    assert set(entries.values_list("status", flat=True)) <= {st.EntryStatus.POSTED}
    sums = {row["entry"]: row for row in JournalLine.objects.filter(company=company).values("entry")
            .annotate(d=Sum("debit"), c=Sum("credit"), n=Count("id"))}
    assert set(sums) == set(entries.values_list("pk", flat=True))
    for pk, total in entries.values_list("pk", "total"):
        row = sums[pk]
        assert row["n"] >= 2 and row["d"] == row["c"] == total, (pk, row, total)


def assert_balance_slots_add_up_to_the_lines(company):
    """The AccountBalance rows (all slots) summed per account and period equal the posted lines."""
    slots = defaultdict(lambda: [ZERO, ZERO])
    for account, period, closing, debit, credit in AccountBalance.objects.filter(company=company).values_list(
            "account_id", "period_id", "closing", "debit", "credit"):
        slots[(account, period, closing)][0] += debit
        slots[(account, period, closing)][1] += credit
    lines = {(row["account"], row["entry__period"], row["closing"]): [row["d"], row["c"]]
             for row in JournalLine.objects.filter(company=company).values("account", "entry__period", "closing")
             .annotate(d=Sum("debit"), c=Sum("credit"))}
    assert {key: value for key, value in slots.items() if value != [ZERO, ZERO]} == lines


def line_sums(company, **date_filter):
    """{account id: [debit, credit]} of the posted lines in the range, straight from the lines."""
    rows = (JournalLine.objects.filter(company=company, date__isnull=False, **date_filter).values("account")
            .annotate(d=Sum("debit"), c=Sum("credit")))
    return {row["account"]: [row["d"], row["c"]] for row in rows}


def assert_trial_balance_is_the_lines(company, date_from, date_to):
    """The trial balance sums to zero and each row is what the lines say (opening before the range)."""
    report = trial_balance(company, date_from=date_from, date_to=date_to)
    assert report.total_balance == 0 and report.total_opening == 0
    assert report.total_debit == report.total_credit
    before = line_sums(company, date__lt=date_from)
    during = line_sums(company, date__gte=date_from, date__lte=date_to)
    expected = {pk: (before.get(pk, [ZERO, ZERO])[0] - before.get(pk, [ZERO, ZERO])[1], *during.get(pk, [ZERO, ZERO]))
                for pk in {pk for pk, (d, c) in before.items() if d != c} | set(during)}
    assert {row.account.pk: (row.opening, row.debit, row.credit) for row in report.rows} == expected
    return report


def assert_statements_agree(company, first_posting, as_of):
    """Assets = liabilities + equity (the unclosed profit in equity), and the profit and loss from the
    first posting to ``as_of`` is that unclosed profit."""
    sheet = balance_sheet(company, as_of=as_of)
    assert sheet.totals[st.AccountType.ASSET] == sheet.totals["liabilities_and_equity"]
    unclosed = sum((line.amount for line in sheet.sections[st.AccountType.EQUITY] if line.account is None), ZERO)
    if first_posting is not None and first_posting <= as_of:
        pnl = profit_and_loss(company, date_from=first_posting, date_to=as_of)
        assert pnl.totals["profit"] == unclosed
        lines = line_sums(company, date__lte=as_of, account__account_type__in=st.PROFIT_AND_LOSS)
        assert unclosed == sum((c - d for d, c in lines.values()), ZERO)


# Races ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_eight_threads_posting_to_one_journal_and_the_same_accounts_get_numbers_1_to_40_and_balances_that_add_up():
    # No fiscal year yet: the first postings of the year also race to create it and its periods.
    w = build_world()
    journal = w.journal()
    deadlocks = deadlocks_so_far()

    def post_five(i):
        return [w.post([(R.BANK, f"{100 * (i + 1) + k}.{i}{k}"), (R.CAPITAL, f"-{100 * (i + 1) + k}.{i}{k}")]).pk
                for k in range(5)]

    outcomes, errors = run_parallel(8, post_five)

    assert errors == []
    assert sum(len(pks) for pks in outcomes) == 40
    assert sequence_numbers(w.company, journal) == list(range(1, 41))
    year = w.today.year
    assert NumberSequence.objects.get(company=w.company, doc_type=journal.number_type, year=year).last_value == 40
    assert_every_entry_balanced(w.company)
    assert_balance_slots_add_up_to_the_lines(w.company)
    expected = sum(D(f"{100 * (i + 1) + k}.{i}{k}") for i in range(8) for k in range(5))
    bank, capital = w.account(R.BANK), w.account(R.CAPITAL)
    slots = AccountBalance.objects.filter(company=w.company)
    assert slots.filter(account=bank).aggregate(d=Sum("debit"), c=Sum("credit")) == {"d": expected, "c": ZERO}
    assert slots.filter(account=capital).aggregate(d=Sum("debit"), c=Sum("credit")) == {"d": ZERO, "c": expected}
    report = assert_trial_balance_is_the_lines(w.company, w.year_start, w.today)
    assert report.total_debit == report.total_credit == expected
    assert deadlocks_so_far() == deadlocks


AFTER_REFUSAL = 2


def close_while_posting(posters, *, pause, stop_after=60):
    """``posters`` threads post into the current period (``pause`` seconds between postings) until it
    is refused to them three times (or ``stop_after`` seconds); one more closes it once they have posted
    a few entries. Returns the world, the period, [(posted, refused)] per poster and the close's seconds."""
    w = build_world()
    fiscal_year_ensure(company=w.company, year=w.today.year)
    period = Period.objects.get(company=w.company, start__lte=w.today, end__gte=w.today)
    posted_so_far, lock, enough = [0], threading.Lock(), threading.Event()
    took = []

    def post_or_close(i):
        if i == 0:
            enough.wait(timeout=30)
            started = time.monotonic()
            try:
                return period_close(period=period, actor=w.accountant).status
            finally:
                took.append(time.monotonic() - started)
        posted = refused = 0
        deadline = time.monotonic() + stop_after
        while refused <= AFTER_REFUSAL and time.monotonic() < deadline:
            try:
                w.post([(R.BANK, "10"), (R.CAPITAL, "-10")])
            except PeriodClosed:
                refused += 1  # and every later attempt must be refused too
            else:
                assert refused == 0, "posted into the period after it was refused"
                posted += 1
                with lock:
                    posted_so_far[0] += 1
                    if posted_so_far[0] >= 2 * posters:
                        enough.set()
                time.sleep(pause)
        return posted, refused

    outcomes, errors = run_parallel(1 + posters, post_or_close)
    assert errors == []
    assert outcomes[0] == st.PeriodStatus.CLOSED
    return w, period, outcomes[1:], took[0]


@pytest.mark.django_db(transaction=True)
def test_a_period_closed_while_entries_are_posted_into_it_takes_every_posting_before_it_or_refuses_it():
    # Users and automatic postings leave gaps between postings (here 50 ms): see the next test for
    # what a stream without gaps does to the close.
    w, period, outcomes, _took = close_while_posting(7, pause=0.05)

    period.refresh_from_db()
    assert period.status == st.PeriodStatus.CLOSED
    posted = sum(p for p, _r in outcomes)
    assert [r for _p, r in outcomes] == [AFTER_REFUSAL + 1] * 7  # every poster ended refused, nothing else
    assert posted >= 14
    entries = JournalEntry.objects.filter(company=w.company)
    assert entries.count() == posted
    assert set(entries.values_list("status", "period")) == {(st.EntryStatus.POSTED, period.pk)}
    # each posting committed before the close took the period: its time is before the close's
    assert max(entries.values_list("posted_at", flat=True)) < period.closed_at
    # the refused ones wrote nothing: no line, no balance, no number
    assert JournalLine.objects.filter(company=w.company).count() == 2 * posted
    assert sequence_numbers(w.company, w.journal()) == list(range(1, posted + 1))
    assert_every_entry_balanced(w.company)
    assert_balance_slots_add_up_to_the_lines(w.company)
    assert AccountBalance.objects.filter(company=w.company, account=w.account(R.BANK)).aggregate(
        d=Sum("debit"))["d"] == 10 * posted


@pytest.mark.django_db(transaction=True)
def test_a_period_close_is_not_starved_by_postings_without_gaps():
    _w, _period, _outcomes, took = close_while_posting(7, pause=0, stop_after=6)

    assert took < 3


@pytest.mark.django_db(transaction=True)
def test_two_postings_of_the_same_source_at_once_make_one_entry_and_both_get_it(monkeypatch):
    w = build_world()
    fiscal_year_ensure(company=w.company, year=w.today.year)
    # Both calls pass the "already posted?" look-up before either inserts: the race, every time.
    both_looked = threading.Barrier(2)
    check_lines = ledger.check_lines

    def check_lines_then_wait(company, lines):
        check_lines(company, lines)
        both_looked.wait(timeout=20)

    monkeypatch.setattr(ledger, "check_lines", check_lines_then_wait)

    for n in range(1, 6):
        both_looked.reset()
        outcomes, errors = run_parallel(2, lambda i, n=n: w.post(
            [(R.BANK, f"{n}"), (R.CAPITAL, f"-{n}")], source_key=f"race:{n}"))

        assert errors == []
        assert outcomes[0].pk == outcomes[1].pk
        assert outcomes[0].status == outcomes[1].status == st.EntryStatus.POSTED
        assert JournalEntry.objects.filter(company=w.company, source_key=f"race:{n}").count() == 1

    assert sequence_numbers(w.company, w.journal()) == [1, 2, 3, 4, 5]
    assert_every_entry_balanced(w.company)
    assert_balance_slots_add_up_to_the_lines(w.company)
    assert AccountBalance.objects.filter(company=w.company, account=w.account(R.BANK)).aggregate(
        d=Sum("debit"))["d"] == 15


# Whatever is posted, the reports are the lines (Hypothesis) -------------------------------------------

ROLES = [R.CASH, R.BANK, R.RECEIVABLE, R.PAYABLE, R.INVENTORY, R.INPUT_TAX, R.OUTPUT_TAX, R.REVENUE,
         R.SALES_RETURNS, R.COGS, R.STOCK_ADJUSTMENT, R.CAPITAL, R.RETAINED_EARNINGS, R.ROUNDING]
THIS_YEAR = timezone.localdate().year
DAYS = (datetime.date(THIS_YEAR, 12, 31) - datetime.date(THIS_YEAR - 1, 1, 1)).days + 1  # the previous and this year

CENTS = hst.integers(min_value=1, max_value=10**10)  # up to 100,000,000.00
POSTING = hst.tuples(hst.integers(0, DAYS - 1), hst.lists(hst.tuples(hst.sampled_from(ROLES), CENTS), min_size=1,
                                                          max_size=3),
                     hst.lists(hst.tuples(hst.sampled_from(ROLES), hst.integers(1, 100)), min_size=1, max_size=3))
OPERATION = hst.one_of(
    hst.tuples(hst.just("post"), POSTING),
    hst.tuples(hst.just("post"), POSTING),
    hst.tuples(hst.just("post"), POSTING),
    hst.tuples(hst.just("unbalanced"), hst.tuples(POSTING, hst.integers(-99, 99).filter(bool))),
    hst.tuples(hst.just("reverse"), hst.tuples(hst.integers(0, 50), hst.integers(0, DAYS - 1))),
    hst.tuples(hst.just("close"), hst.integers(0, 23)),
)


class Rollback(Exception):
    pass


def lines_of(accounts, debits, credit_weights, skew=0):
    """Debit lines of the given cents; the credits split their total by weight (an unbalanced one is
    off by ``skew`` cents on its first debit)."""
    total = sum(cents for _role, cents in debits)
    weights = sum(weight for _role, weight in credit_weights)
    credits, left = [], total
    for n, (role, weight) in enumerate(credit_weights):
        part = left if n == len(credit_weights) - 1 else total * weight // weights
        if part > 0:
            credits.append((role, part))
            left -= part
    out = [Line(accounts[role], debit=D(cents) / 100) for role, cents in debits]
    out += [Line(accounts[role], credit=D(cents) / 100) for role, cents in credits]
    first = out[0]
    first.debit = max(first.debit + D(skew) / 100, D("0.01"))
    return out


def written(company):
    return (JournalEntry.objects.filter(company=company).count(), JournalLine.objects.filter(company=company).count(),
            AccountBalance.objects.filter(company=company).aggregate(d=Sum("debit"))["d"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=hst.lists(OPERATION, min_size=1, max_size=10),
       span=hst.tuples(hst.integers(0, DAYS - 1), hst.integers(0, DAYS - 1)))
def test_whatever_is_posted_reversed_refused_or_closed_the_reports_are_the_lines(fin, operations, span):
    first_day = datetime.date(fin.today.year - 1, 1, 1)
    roles = ledger.RoleAccounts(fin.company)
    accounts, journal = {role: roles.get(role) for role in ROLES}, fin.journal()

    def day(offset):
        return first_day + datetime.timedelta(days=offset)

    try:
        with transaction.atomic():  # each example starts from the empty books of the shared world
            posted, reversible, closed = [], [], set()
            for kind, args in operations:
                before = written(fin.company)
                if kind in ("post", "unbalanced"):
                    (offset, debits, credits), skew = (args, 0) if kind == "post" else args
                    lines = lines_of(accounts, debits, credits, skew)
                    if ledger.balance_difference(lines) != 0:
                        with pytest.raises(UnbalancedEntry):
                            ledger.entry_record(company=fin.company, journal=journal, date=day(offset),
                                                lines=lines, actor=fin.accountant)
                        assert written(fin.company) == before
                        continue
                    if (day(offset).year, day(offset).month) in closed:
                        with pytest.raises(PeriodClosed):
                            ledger.entry_record(company=fin.company, journal=journal, date=day(offset),
                                                lines=lines, actor=fin.accountant)
                        assert written(fin.company) == before
                        continue
                    entry = ledger.entry_record(company=fin.company, journal=journal, date=day(offset),
                                                lines=lines, actor=fin.accountant)
                    assert entry.status == st.EntryStatus.POSTED
                    posted.append(entry)
                    reversible.append(entry)
                elif kind == "reverse":
                    index, offset = args
                    if not reversible:
                        continue
                    entry = reversible.pop(index % len(reversible))
                    if (day(offset).year, day(offset).month) in closed:
                        with pytest.raises(PeriodClosed):
                            entry_reverse(entry=entry, actor=fin.accountant, date=day(offset))
                        assert written(fin.company) == before
                        reversible.append(entry)
                        continue
                    reversal = entry_reverse(entry=entry, actor=fin.accountant, date=day(offset))
                    assert reversal.reverses_id == entry.pk and reversal.total == entry.total
                    posted.append(reversal)
                else:
                    year, month = first_day.year + args // 12, args % 12 + 1
                    fiscal_year_ensure(company=fin.company, year=year)
                    period = Period.objects.get(company=fin.company, start=datetime.date(year, month, 1))
                    if (year, month) in closed:
                        with pytest.raises(DomainError, match="already closed"):
                            period_close(period=period, actor=fin.accountant)
                    else:
                        period_close(period=period, actor=fin.accountant)
                        closed.add((year, month))
                    assert written(fin.company) == before

                assert_every_entry_balanced(fin.company)
                assert_balance_slots_add_up_to_the_lines(fin.company)
                first_posting = min((e.document_date for e in posted), default=None)
                for a, b in (span, (0, DAYS - 1)):
                    assert_trial_balance_is_the_lines(fin.company, day(min(a, b)), day(max(a, b)))
                for offset in (max(span), DAYS - 1):
                    assert_statements_agree(fin.company, first_posting, day(offset))
            raise Rollback
    except Rollback:
        pass
