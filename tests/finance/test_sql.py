"""finance.sql's statements give what the ORM formulation would."""

from django.db.models import Count, Sum

from finance import sql
from finance import status as st
from finance.models import AccountBalance, JournalLine, Period
from tests.finance.conftest import D

R = st.AccountRole


def test_balances_add_sums_what_the_lines_sum_per_account_and_period(fin):
    fin.post([(R.BANK, "100.10"), (R.CAPITAL, "-100.10")])
    fin.post([(R.BANK, "-40"), (R.INVENTORY, "40")])
    fin.post([(R.BANK, "5"), (R.CAPITAL, "-5")])
    from_rows = {(r["account_id"], r["period_id"]): (r["d"], r["c"], r["n"]) for r in AccountBalance.objects.filter(
        company=fin.company).values("account_id", "period_id").annotate(d=Sum("debit"), c=Sum("credit"),
                                                                      n=Sum("line_count"))}
    from_lines = {(r["account_id"], r["entry__period_id"]): (r["d"], r["c"], r["n"])
                  for r in JournalLine.objects.filter(company=fin.company).values("account_id", "entry__period_id")
                  .annotate(d=Sum("debit"), c=Sum("credit"), n=Count("pk"))}
    assert from_rows == from_lines
    assert from_rows[(fin.account(R.BANK).pk, Period.objects.get(company=fin.company, start__lte=fin.today,
                                                                 end__gte=fin.today).pk)] == (D("105.10"), D("40"), 3)


def test_the_period_lock_reads_the_status_as_the_orm_does(fin):
    fin.post([(R.BANK, "1"), (R.CAPITAL, "-1")])
    period = Period.objects.get(company=fin.company, start__lte=fin.today, end__gte=fin.today)
    assert sql.period_lock_for_posting(period.pk) == Period.objects.get(pk=period.pk).status == "open"
    assert sql.period_lock_for_posting(0) == ""
