"""Setting a company's books up: its chart of accounts from a template, the role of each account, the
journals, and fiscal years with their monthly periods."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.fiscal import fiscal_year_dates, fiscal_year_of
from erp.models import Company
from finance import chart
from finance import status as st
from finance.approvals import seed_entry_rule
from finance.models import Account, AccountRoleAccount, FiscalYear, Journal, JournalEntry, Period

if TYPE_CHECKING:
    from erp.models import User


def books_ready(company: Company) -> bool:
    return Account.objects.filter(company=company).exists()


@atomic_with_retry
def chart_install(*, company: Company, template: str, actor: User | None = None) -> int:
    """Give ``company`` the chart ``template`` ("tw", "cn") with its account roles and the default
    journals; returns the accounts created. Refused once anything was posted: a chart in use changes
    account by account. An unused chart (no entries) is replaced."""
    if template not in chart.TEMPLATES:
        raise DomainError(_("Choose one of the chart templates."), field="template")
    Company.objects.select_for_update().filter(pk=company.pk).first()  # one installer at a time
    if JournalEntry.objects.filter(company=company).exists():
        raise DomainError(_("Entries were already made with this chart: change its accounts one by one instead."),
                          field="template")
    AccountRoleAccount.objects.filter(company=company).delete()
    Account.objects.filter(company=company).update(parent=None)  # the tree's PROTECT would stop the delete
    Account.objects.filter(company=company).delete()
    data = chart.template_data(template)
    by_code: dict[str, Account] = {}
    created = []
    for row in data["accounts"]:  # parents come before their children in the file
        names = row["name"]
        account = Account(company=company, code=row["code"], name=names["zh_Hant"], name_zh_hans=names["zh_Hans"],
                          name_en=names["en"], account_type=row["type"], is_group=row["group"],
                          parent=by_code[row["parent"]] if row["parent"] else None)
        by_code[account.code] = account
        created.append(account)
    # One INSERT per depth, so each level's parents have their ids.
    for depth in sorted({_depth(a, by_code) for a in created}):
        level = [a for a in created if _depth(a, by_code) == depth]
        for account in level:
            account.parent_id = account.parent.pk if account.parent else None
        Account.objects.bulk_create(level)
    roles = [AccountRoleAccount(company=company, role=role, account=by_code[code])
             for role, code in data["roles"].items() if role in st.AccountRole.values]
    AccountRoleAccount.objects.bulk_create(roles)
    audit.record_created([*created, *roles], actor=actor)
    _journals_seed(company, actor)
    seed_entry_rule(company)  # large manual entries need approval from the start
    return len(created)


def _depth(account: Account, by_code: dict[str, Account]) -> int:
    depth = 0
    while account.parent is not None:
        depth += 1
        account = account.parent
    return depth


def _journals_seed(company: Company, actor: User | None) -> list[Journal]:
    have = set(Journal.objects.filter(company=company).values_list("code", flat=True))
    journals = Journal.objects.bulk_create([Journal(company=company, code=code, name=name, kind=kind)
                                            for code, name, kind in chart.DEFAULT_JOURNALS if code not in have])
    audit.record_created(journals, actor=actor)
    return journals


def books_seed(company: Company) -> int:
    """The company seed (erp.registry): the default chart for a company that has none; idempotent."""
    if books_ready(company):
        return 0
    return chart_install(company=company, template=chart.default_template(company))


def books_ensure(company: Company) -> None:
    """Make sure ``company`` has a chart before something is posted (a company made without the seed:
    an automatic posting sets its books up with the default template rather than lose the posting)."""
    if not books_ready(company):
        with transaction.atomic():
            Company.objects.select_for_update().filter(pk=company.pk).first()
            if not books_ready(company):
                chart_install(company=company, template=chart.default_template(company))


def fiscal_year_ensure(*, company: Company, year: int) -> FiscalYear:
    """The fiscal year ``year`` of ``company`` with its twelve monthly periods, made (open) if missing."""
    existing = FiscalYear.objects.filter(company=company, year=year).first()
    if existing is not None:
        return existing
    first, last = fiscal_year_dates(company, year)
    with transaction.atomic():
        fiscal_year, created = FiscalYear.objects.get_or_create(company=company, year=year,
                                                                defaults={"start": first, "end": last})
        if created:
            periods = []
            for number in range(1, 13):
                start = first + relativedelta(months=number - 1)
                periods.append(Period(company=company, fiscal_year=fiscal_year, number=number, start=start,
                                      end=start + relativedelta(months=1) - datetime.timedelta(days=1)))
            Period.objects.bulk_create(periods)
            audit.record_created(periods)
    return fiscal_year


def period_of(*, company: Company, day: datetime.date) -> Period:
    """The period ``day`` falls in (its fiscal year is made if needed)."""
    period = Period.objects.filter(company=company, start__lte=day, end__gte=day).first()
    if period is None:
        fiscal_year_ensure(company=company, year=fiscal_year_of(company, day))
        period = Period.objects.get(company=company, start__lte=day, end__gte=day)
    return period
