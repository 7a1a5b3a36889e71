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
    chart_install(company=company, template="tw", actor=w.admin)
    return w


@pytest.fixture(scope="module")
def _fin_shared(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_world) as shared:
        yield shared


@pytest.fixture
def fin(_fin_shared, request, db):
    return _fin_shared.for_test(request)
