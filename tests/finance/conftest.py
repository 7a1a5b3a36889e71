"""A small finance world: a company with the Taiwan chart installed, its accountant and a system admin,
and helpers to post entries by role."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from finance import status as st
from finance.models import Account, Journal
from finance.services.ledger import Line, RoleAccounts, entry_record
from finance.services.setup import chart_install
from tests.conftest import acme, ensure_roles, shared_data, user_maker
from tests.sales.conftest import deliver_events

D = Decimal
__all__ = ["D", "World", "build_world", "deliver_events"]


class World:
    def account(self, role):
        return RoleAccounts(self.company).get(role)

    def journal(self, kind=st.JournalKind.GENERAL):
        return Journal.objects.get(company=self.company, kind=kind)

    def post(self, pairs, date=None, journal=None, **kwargs):
        """Post an entry: pairs = [(role or Account, signed amount)], debit positive."""
        lines = [Line.signed(a if isinstance(a, Account) else self.account(a), D(amount)) for a, amount in pairs]
        return entry_record(company=self.company, journal=journal or self.journal(), date=date or self.today,
                            lines=lines, actor=self.accountant, **kwargs)

    def post_sample(self, date=None):
        """Capital 1,000 into the bank, a sale of 500 with 25 output tax on account, a cost of 300 paid."""
        return [self.post([(st.AccountRole.BANK, "1000"), (st.AccountRole.CAPITAL, "-1000")], date=date),
                self.post([(st.AccountRole.RECEIVABLE, "525"), (st.AccountRole.REVENUE, "-500"),
                           (st.AccountRole.OUTPUT_TAX, "-25")], date=date),
                self.post([(st.AccountRole.COGS, "300"), (st.AccountRole.BANK, "-300")], date=date)]

    def other_company(self):
        """Another company with its own chart (the Taiwan template) and its accountant."""
        from tests.factories import CompanyFactory

        other = CompanyFactory(code="OTHER", name="別家公司")
        chart_install(company=other, template="tw")
        return other, user_maker(other)("other-accountant", "Finance")


def build_world():
    ensure_roles()
    w = World()
    w.company = company = acme()
    make_user = user_maker(company)
    w.today = timezone.localdate()
    w.year_start = datetime.date(w.today.year, 1, 1)
    w.admin = make_user("boss", "System admin", is_superuser=True, is_staff=True)
    w.accountant = make_user("accountant", "Finance")
    w.clerk = make_user("clerk", "Sales")
    w.manager = make_user("gm", "Manager")
    chart_install(company=company, template="tw", actor=w.admin)
    return w


@pytest.fixture(scope="module")
def _fin_shared(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_world) as shared:
        yield shared


@pytest.fixture
def fin(_fin_shared, request, db):
    return _fin_shared.for_test(request)
