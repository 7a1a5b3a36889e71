"""Setting a company's books up: its chart of accounts from a template, the role of each account, the
journals, and fiscal years with their monthly periods."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

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


def roles_ensure(company: Company) -> int:
    """Map each role the company's books have no default account for to its chart template's account:
    a role added after the books were set up (applied labour and overhead) gets it on the next posting
    instead of a refusal. The template is the one the company's default mappings agree with most; an
    account the template has and the company lacks (a customary sub-account added to the template
    later) is created under its group. A role whose account can be neither found nor made stays unset
    (its posting then asks for it). Returns the mappings made."""
    if not _roles_missing(company):  # read without a lock: nothing to do is the common case
        return 0
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()  # one ensurer at a time
        missing = _roles_missing(company)
        if not missing:
            return 0
        data = _template_of(company)
        rows = {row["code"]: row for row in data["accounts"]}
        accounts = {account.code: account for account in Account.objects.filter(company=company)}
        created: list[Account] = []
        mappings: list[AccountRoleAccount] = []
        for role in missing:
            code = data["roles"][role]
            account = accounts.get(code) or _account_from_template(company, rows.get(code), accounts)
            if account is None or account.is_group or not account.is_active:
                continue
            if account.code not in accounts:
                accounts[account.code] = account
                created.append(account)
            mappings.append(AccountRoleAccount(company=company, role=role, account=account))
        AccountRoleAccount.objects.bulk_create(mappings)
        audit.record_created([*created, *mappings], actor=None)
        return len(mappings)


def _defaults(company: Company) -> dict[str, str]:
    """{role: account code} of the company's default mappings."""
    return dict(AccountRoleAccount.objects.filter(company=company, item_category=None, warehouse=None,
                                                  adjustment_reason=None).values_list("role", "account__code"))


def _roles_missing(company: Company) -> list[str]:
    """The roles without a default mapping that the company's template maps."""
    defaults = _defaults(company)
    if set(defaults).issuperset(st.AccountRole.values):
        return []
    template_roles = _template_of(company, defaults)["roles"]
    return [role for role in st.AccountRole.values if role not in defaults and role in template_roles]


def _template_of(company: Company, defaults: dict[str, str] | None = None) -> dict[str, Any]:
    """The chart template the company's books came from: the one whose role map its default
    mappings match most (a tie: the company's default template)."""
    defaults = _defaults(company) if defaults is None else defaults
    fallback = chart.default_template(company)

    def score(key: str) -> tuple[int, bool]:
        roles = chart.template_data(key)["roles"]
        return sum(1 for role, code in defaults.items() if roles.get(role) == code), key == fallback

    return chart.template_data(max(chart.TEMPLATES, key=score))


def _account_from_template(company: Company, row: dict[str, Any] | None,
                           accounts: dict[str, Account]) -> Account | None:
    """The template's postable account ``row`` made in the company's chart under its group, if that
    group is there; None otherwise."""
    if row is None or row["group"]:
        return None
    parent = accounts.get(row["parent"]) if row["parent"] else None
    if parent is None or not parent.is_group:
        return None
    names = row["name"]
    account = Account(company=company, code=row["code"], name=names["zh_Hant"], name_zh_hans=names["zh_Hans"],
                      name_en=names["en"], account_type=row["type"], is_group=False, parent=parent)
    account.save()
    return account


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
