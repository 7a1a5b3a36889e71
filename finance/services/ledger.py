"""Writing the ledger: journal entries drafted, posted and reversed; periods and years closed.

Every entry, automatic or by hand, is posted by ``entry_post``: the lines must balance to the cent
(an automatic posting may ask for its rounding difference to go to the rounding account, never to be
tolerated), the period must be open, and the number is the journal's next for the fiscal year. The
database backs each rule up (migration 0002): a posted entry or line cannot be changed or deleted,
an unbalanced entry or one dated in a closed period cannot become posted."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp import audit
from erp.db import atomic_with_retry
from erp.documents import transition
from erp.errors import ConcurrentChange, DomainError
from erp.models import Company
from erp.money import round_money
from finance import sql
from finance import status as st
from finance.models import Account, AccountRoleAccount, FiscalYear, Journal, JournalEntry, JournalLine, Period
from finance.services.setup import books_ensure, books_ready, period_of, roles_ensure

if TYPE_CHECKING:
    from erp.models import User

ZERO = Decimal("0")
CENT = Decimal("0.01")
# An automatic posting's rounding difference above this is a bug in its rule, not rounding: refused.
ROUNDING_LIMIT = Decimal("1.00")


class UnbalancedEntry(DomainError):
    default_message = gettext_lazy("The debits and the credits differ.")


class PeriodClosed(DomainError):
    http_status = 409


@dataclass
class Line:
    """One line to post: an account, one amount on one side, and what it is about."""

    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    description: str = ""
    customer_id: int | None = None
    supplier_id: int | None = None

    @classmethod
    def signed(cls, account: Account, amount: Decimal, **kwargs: Any) -> Line:
        """A debit for a positive ``amount``, a credit for a negative one."""
        return cls(account, debit=amount if amount > 0 else ZERO, credit=-amount if amount < 0 else ZERO, **kwargs)


@dataclass(frozen=True)
class SourceRef:
    """The document an entry is posted from, by content type and id: a posting that knows them (a stock
    move's document, the entry a reversal reverses) need not load the document."""

    type_id: int
    id: int
    reference: str


# Accounts and roles ---------------------------------------------------------------------------


class RoleAccounts:
    """The company's role → account map, read once: ``get(role, category_id, warehouse_id, reason_id)``
    gives the most specific mapping (category and warehouse, category, warehouse, the company's
    default), those of the adjustment reason ``reason_id`` first. A role added since the company's
    books were set up gets its template account on the first read (``roles_ensure``)."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.rows = self._read()
        if not self.rows:  # no books yet (roles come with the chart): set up, then read (every posting: one query)
            books_ensure(company)
            self.rows = self._read()
        defaults = {role for role, category, warehouse, reason in self.rows
                    if category is None and warehouse is None and reason is None}
        if not defaults.issuperset(st.AccountRole.values) and roles_ensure(company):
            self.rows = self._read()

    def _read(self) -> dict[tuple[str, int | None, int | None, int | None], Account]:
        return {(r.role, r.item_category_id, r.warehouse_id, r.adjustment_reason_id): r.account
                for r in AccountRoleAccount.objects.filter(company=self.company).select_related("account")}

    def get(self, role: str, category_id: int | None = None, warehouse_id: int | None = None,
            reason_id: int | None = None) -> Account:
        reasons = (reason_id, None) if reason_id is not None else (None,)
        for reason in reasons:
            for key in ((role, category_id, warehouse_id, reason), (role, category_id, None, reason),
                        (role, None, warehouse_id, reason), (role, None, None, reason)):
                account = self.rows.get(key)
                if account is not None:
                    return account
        raise DomainError(_("No account is set for the role “%(role)s”: set it under Finance → Account roles.")
                          % {"role": st.AccountRole(role).label})


def journal_of_kind(company: Company, kind: str) -> Journal:
    journals = Journal.objects.filter(company=company, kind=kind, is_active=True).order_by("code")
    journal = journals.first()
    if journal is None and not books_ready(company):  # no books yet: set up, then read again
        books_ensure(company)
        journal = journals.first()
    if journal is None:
        raise DomainError(_("The company has no active journal of the kind “%(kind)s”.")
                          % {"kind": st.JournalKind(kind).label})
    return journal


# Checking lines ---------------------------------------------------------------------------------


def check_lines(company: Company, lines: Sequence[Line]) -> None:
    """Refuse lines that cannot be posted (the field is ``lines``): amounts negative, with more than
    two decimals, on both sides or none; accounts of another company, groups or inactive."""
    if len(lines) < 2:
        raise DomainError(_("An entry needs at least two lines."), field="lines")
    for n, line in enumerate(lines, start=1):
        prefix = _("Line %(n)s: ") % {"n": n}
        for amount in (line.debit, line.credit):
            if amount < 0:
                raise DomainError(prefix + _("Amounts must not be negative: put a credit in the credit column."),
                                  field="lines")
            if amount != round_money(amount):
                raise DomainError(prefix + _("Amounts have at most two decimals."), field="lines")
        if (line.debit > 0) == (line.credit > 0):
            raise DomainError(prefix + _("Give either a debit or a credit."), field="lines")
        account = line.account
        if account.company_id != company.pk:
            raise DomainError(prefix + _("The account belongs to another company."), field="lines")
        if account.is_group:
            raise DomainError(prefix + _("%(account)s is a group account: post to an account under it.")
                              % {"account": account}, field="lines")
        if not account.is_active:
            raise DomainError(prefix + _("%(account)s is inactive.") % {"account": account}, field="lines")


def balance_difference(lines: Sequence[Line]) -> Decimal:
    return sum((line.debit for line in lines), ZERO) - sum((line.credit for line in lines), ZERO)


def with_rounding(company: Company, lines: list[Line], roles: RoleAccounts | None = None) -> list[Line]:
    """``lines`` with their rounding difference (at most ROUNDING_LIMIT) posted to the rounding
    account: for automatic postings whose sides are rounded separately (tax per document, lines per
    line). A larger difference is refused: it is a wrong rule, not rounding."""
    difference = balance_difference(lines)
    if difference == 0:
        return lines
    if abs(difference) > ROUNDING_LIMIT:
        raise UnbalancedEntry(_("The entry is out of balance by %(diff)s: more than rounding.") % {"diff": difference})
    account = (roles or RoleAccounts(company)).get(st.AccountRole.ROUNDING)
    return [*lines, Line.signed(account, -difference, description=_("Rounding difference"))]


# Posting ------------------------------------------------------------------------------------------


def open_period(company: Company, day: datetime.date) -> int:
    """The id of the period of ``day``, locked against closing while the caller posts (refused if
    closed)."""
    found = sql.period_of_day_lock_for_posting(company.pk, day)
    if found is None:  # no period holds the day yet: its fiscal year is made, then locked as above
        period_of(company=company, day=day)
        found = sql.period_of_day_lock_for_posting(company.pk, day)
    if found is None or found[1] != st.PeriodStatus.OPEN:  # closed, or being closed
        raise PeriodClosed(_("The period %(period)s is closed: nothing can be posted dated %(date)s.")
                           % {"period": period_of(company=company, day=day), "date": day}, field="document_date")
    return found[0]


def write_lines(entry: JournalEntry, lines: Sequence[Line], *, dated: bool) -> list[JournalLine]:
    """Insert ``lines`` under ``entry``; ``dated`` (the entry is posted at once) gives them its date."""
    rows = JournalLine.objects.bulk_create([
        JournalLine(entry=entry, company_id=entry.company_id, line_no=n, account=line.account,
                    date=entry.document_date if dated else None, debit=line.debit, credit=line.credit,
                    description=line.description[:300], customer_id=line.customer_id,
                    supplier_id=line.supplier_id, closing=entry.closing)
        for n, line in enumerate(lines, start=1)])
    return rows


def entry_post(*, entry: JournalEntry, actor: User | None, lines: Sequence[Line] | None = None,
               lines_dated: bool = False) -> JournalEntry:
    """Post a drafted entry (its lines written; ``lines`` when the caller has them already checked;
    ``lines_dated`` when they were written with the entry's date): balanced, into an open period,
    numbered. Runs in the caller's transaction."""
    if lines is None:
        lines = [Line(row.account, row.debit, row.credit) for row in entry.lines.select_related("account")]
        check_lines(entry.company, lines)
    difference = balance_difference(lines)
    if difference != 0:
        raise UnbalancedEntry(_("The debits and the credits differ by %(diff)s: the entry does not balance.")
                              % {"diff": abs(difference)}, field="lines")
    period_id = open_period(entry.company, entry.document_date)
    # A draft's lines take the entry's date before it stops being a draft (after that the database
    # refuses any change to them); an automatic entry's lines were written with it.
    if not lines_dated:
        entry.lines.filter(date__isnull=True).update(date=entry.document_date)
    total = sum((line.debit for line in lines), ZERO)
    sql.balances_add(company_id=entry.company_id, period_id=period_id, closing=entry.closing,
                     amounts=[(line.account.pk, line.debit, line.credit) for line in lines])
    return transition(entry, st.EntryStatus.POSTED, actor=actor, extra_fields={
        "period_id": period_id, "total": total, "posted_at": timezone.now(), "posted_by": actor})


def source_ref(entry: JournalEntry) -> SourceRef | None:
    if entry.source_type_id is None or entry.source_id is None:
        return None
    return SourceRef(entry.source_type_id, entry.source_id, entry.source_reference)


def entry_record(*, company: Company, journal: Journal, date: datetime.date, lines: Sequence[Line], memo: str = "",
                 source: models.Model | SourceRef | None = None, source_key: str | None = None,
                 actor: User | None = None,
                 reverses: JournalEntry | None = None, closing: bool = False, rounding: bool = False,
                 roles: RoleAccounts | None = None) -> JournalEntry:
    """Write and post an entry at once (automatic postings, reversals, year-end closing); returns it.

    ``source_key`` makes the posting idempotent: an entry with the same key in the company is returned
    instead of a second one. ``rounding``: post the rounding difference to the rounding account."""
    lines = [line for line in lines if line.debit or line.credit]
    if rounding:
        lines = with_rounding(company, lines, roles)
    with transaction.atomic():
        if source_key is not None:
            existing = JournalEntry.objects.filter(company=company, source_key=source_key).first()
            if existing is not None:
                return existing
        check_lines(company, lines)
        entry = JournalEntry(company=company, journal=journal, document_date=date, memo=memo[:300],
                             source_key=source_key, reverses=reverses, closing=closing, created_by=actor,
                             updated_by=actor)
        if isinstance(source, SourceRef):
            entry.source_type_id, entry.source_id = source.type_id, source.id
            entry.source_reference = source.reference[:60]
        elif source is not None:
            entry.source_type = ContentType.objects.get_for_model(source)
            entry.source_id = source.pk
            entry.source_reference = str(getattr(source, "reference", source))[:60]
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            if source_key is not None:  # posted by a racing taker between the check and the insert
                return JournalEntry.objects.get(company=company, source_key=source_key)
            raise
        write_lines(entry, lines, dated=True)
        return entry_post(entry=entry, actor=actor, lines=lines, lines_dated=True)


@atomic_with_retry
def entry_save(*, company: Company, actor: User, journal: Journal, document_date: datetime.date, memo: str,
               lines: Sequence[Line], entry: JournalEntry | None = None) -> JournalEntry:
    """Save a manual entry as a draft (new, or ``entry`` while it is a draft): lines are checked, the
    balance only when it is posted or sent for approval."""
    check_lines(company, lines)
    if journal.company_id != company.pk:
        raise DomainError(_("The journal belongs to another company."), field="journal")
    if entry is None:
        entry = JournalEntry(company=company, created_by=actor)
    else:
        entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        if not entry.is_editable:
            raise DomainError(_("Only a draft entry can be changed."))
    entry.journal, entry.document_date, entry.memo, entry.updated_by = journal, document_date, memo[:300], actor
    entry.save()
    entry.lines.all().delete()
    write_lines(entry, lines, dated=False)
    return entry


@atomic_with_retry
def entry_post_manual(*, entry: JournalEntry, actor: User) -> JournalEntry:
    """Post a manual draft entry — through the approval engine when one of the company's rules for
    manual entries matches it (it then waits for approval, and the decision posts it or sends it back
    to draft); at once otherwise. Refused, writing nothing, when it does not balance."""
    from finance.approvals import ENTRY_APPROVAL
    from office.errors import NoApprovalRule
    from office.services.approvals import approval_submit

    entry = JournalEntry.objects.select_for_update().select_related("company", "journal").get(pk=entry.pk)
    if entry.status != st.EntryStatus.DRAFT:
        raise ConcurrentChange()
    lines = [Line(row.account, row.debit, row.credit) for row in entry.lines.select_related("account")]
    check_lines(entry.company, lines)
    difference = balance_difference(lines)
    if difference != 0:
        raise UnbalancedEntry(_("The debits and the credits differ by %(diff)s: the entry does not balance.")
                              % {"diff": abs(difference)}, field="lines")
    open_period(entry.company, entry.document_date)  # refused now rather than after the approval
    transition(entry, st.EntryStatus.AWAITING_APPROVAL, actor=actor)
    try:
        approval_submit(document=entry, type_key=ENTRY_APPROVAL, actor=actor)
    except NoApprovalRule:
        return entry_post(entry=entry, actor=actor, lines=lines)
    return entry


def entry_record_decision(*, entry_id: int, request: Any, outcome: str, actor: User | None) -> JournalEntry | None:
    """The approval engine's final outcome for a manual entry (in the deciding transaction): approved →
    posted (refused if its period closed meanwhile: the decision rolls back); rejected or returned →
    back to draft."""
    from finance.approvals import ENTRY_APPROVAL
    from office.status import ApprovalStatus

    if request.type_key != ENTRY_APPROVAL:
        return None
    entry = JournalEntry.objects.select_for_update().select_related("company", "journal").get(pk=entry_id)
    if entry.status != st.EntryStatus.AWAITING_APPROVAL:
        return None
    if outcome == ApprovalStatus.APPROVED:
        return entry_post(entry=entry, actor=actor)
    if outcome in (ApprovalStatus.REJECTED, ApprovalStatus.RETURNED):
        return transition(entry, st.EntryStatus.DRAFT, actor=actor)
    return None


@atomic_with_retry
def entry_reverse(*, entry: JournalEntry, actor: User | None, date: datetime.date | None = None,
                  memo: str = "") -> JournalEntry:
    """Post the reversal of a posted entry, dated ``date`` (the correction's date, today by default):
    the same lines with debit and credit swapped. An entry is reversed once."""
    entry = JournalEntry.objects.select_for_update().select_related("company", "journal").get(pk=entry.pk)
    if entry.status != st.EntryStatus.POSTED:
        raise DomainError(_("Only a posted entry can be reversed; a draft is changed or deleted."))
    if entry.closing:
        raise DomainError(_("A year-end closing entry is undone by reopening the year."))
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise DomainError(_("%(entry)s was already reversed.") % {"entry": entry.number})
    if entry.reverses_id is not None:
        raise DomainError(_("A reversal is not reversed again: post the entry anew instead."))
    lines = [Line(row.account, debit=row.credit, credit=row.debit, description=row.description,
                  customer_id=row.customer_id, supplier_id=row.supplier_id)
             for row in entry.lines.select_related("account").order_by("line_no")]
    return entry_record(company=entry.company, journal=entry.journal, date=date or timezone.localdate(),
                        lines=lines, memo=memo or _("Reversal of %(entry)s") % {"entry": entry.number},
                        source=source_ref(entry), source_key=f"reversal:{entry.pk}", actor=actor, reverses=entry)


@atomic_with_retry
def entry_delete_draft(*, entry: JournalEntry, actor: User) -> None:
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != st.EntryStatus.DRAFT or entry.number:
        raise DomainError(_("Only a draft entry can be deleted."))
    entry.lines.all().delete()
    entry.delete()


# Periods and years ---------------------------------------------------------------------------------


def period_close(*, period: Period, actor: User) -> Period:
    """Close a period: nothing more is posted into it.

    Two steps, so that a steady stream of postings cannot hold the close off: the period is first
    marked "closing" by an UPDATE that does not wait for them (their FOR KEY SHARE locks allow it) and
    commits at once — postings that start after it are refused; then the period is locked FOR UPDATE,
    which waits only for the postings already under way, and closed. A refusal in the second step
    opens the period again. (Inside a caller's transaction both steps simply run in it.)"""
    with transaction.atomic():
        marked = Period.objects.filter(pk=period.pk, status=st.PeriodStatus.OPEN).update(
            status=st.PeriodStatus.CLOSING)
    try:
        return _period_close(period=period, actor=actor)
    except Exception:
        if marked:
            Period.objects.filter(pk=period.pk, status=st.PeriodStatus.CLOSING).update(status=st.PeriodStatus.OPEN)
        raise


@atomic_with_retry
def _period_close(*, period: Period, actor: User) -> Period:
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status == st.PeriodStatus.CLOSED:
        raise DomainError(_("The period %(period)s is already closed.") % {"period": period})
    waiting = JournalEntry.objects.filter(company=period.company_id, document_date__range=(period.start, period.end),
                                          status=st.EntryStatus.AWAITING_APPROVAL).count()
    if waiting:
        raise DomainError(_("%(count)s entries dated in this period await approval: decide them first.")
                          % {"count": waiting})
    before = audit.snapshot([period])
    before[period.pk].status = st.PeriodStatus.OPEN  # what the user saw: "closing" lasted only for the close
    return _set_period_status(period, st.PeriodStatus.CLOSED, actor, before=before)


@atomic_with_retry
def period_reopen(*, period: Period, actor: User) -> Period:
    period = Period.objects.select_for_update().select_related("fiscal_year").get(pk=period.pk)
    if period.status == st.PeriodStatus.OPEN:
        raise DomainError(_("The period %(period)s is open.") % {"period": period})
    if period.fiscal_year.status == st.PeriodStatus.CLOSED:
        raise DomainError(_("The fiscal year %(year)s is closed: reopen the year first.")
                          % {"year": period.fiscal_year})
    return _set_period_status(period, st.PeriodStatus.OPEN, actor)


def _set_period_status(period: Period, status: str, actor: User | None,
                       before: dict[Any, Any] | None = None) -> Period:
    before = before if before is not None else audit.snapshot([period])
    period.status = status
    period.closed_by = actor if status == st.PeriodStatus.CLOSED else None
    period.closed_at = timezone.now() if status == st.PeriodStatus.CLOSED else None
    Period.objects.filter(pk=period.pk).update(status=period.status, closed_by=period.closed_by,
                                               closed_at=period.closed_at)
    audit.record_updated([period], before, ["status", "closed_by", "closed_at"], actor=actor)
    return period


@atomic_with_retry
def fiscal_year_close(*, fiscal_year: FiscalYear, actor: User) -> FiscalYear:
    """Close a fiscal year: a closing entry on its last day moves every income and expense account's
    balance into retained earnings, then the year and all its periods are closed. The closing entry is
    marked, so the year's profit and loss still shows what was earned."""
    from finance.selectors import account_balances  # the reports' reading of the year

    fiscal_year = FiscalYear.objects.select_for_update().select_related("company").get(pk=fiscal_year.pk)
    company = fiscal_year.company
    if fiscal_year.status == st.PeriodStatus.CLOSED:
        raise DomainError(_("The fiscal year %(year)s is already closed.") % {"year": fiscal_year})
    earlier_open = FiscalYear.objects.filter(company=company, year__lt=fiscal_year.year,
                                             status=st.PeriodStatus.OPEN).order_by("year").first()
    if earlier_open is not None:
        raise DomainError(_("Close the fiscal year %(year)s first.") % {"year": earlier_open})
    roles = RoleAccounts(company)
    balances = account_balances(company, date_from=fiscal_year.start, date_to=fiscal_year.end,
                                types=st.PROFIT_AND_LOSS)
    lines = [Line.signed(account, -amount, description=_("Year-end closing"))
             for account, amount in balances if amount]
    entry = None
    if lines:
        profit = -sum((line.debit - line.credit for line in lines), ZERO)
        lines.append(Line.signed(roles.get(st.AccountRole.RETAINED_EARNINGS), profit,
                                 description=_("Profit or loss of %(year)s") % {"year": fiscal_year}))
        last_period = fiscal_year.periods.order_by("-start").first()
        if last_period is not None and last_period.status == st.PeriodStatus.CLOSED:
            _set_period_status(last_period, st.PeriodStatus.OPEN, actor)
        entry = entry_record(company=company, journal=journal_of_kind(company, st.JournalKind.GENERAL),
                             date=fiscal_year.end, lines=lines,
                             memo=_("Year-end closing %(year)s") % {"year": fiscal_year},
                             source_key=f"year-close:{fiscal_year.year}", actor=actor, closing=True)
    for period in fiscal_year.periods.select_for_update().filter(status=st.PeriodStatus.OPEN).order_by("start"):
        _set_period_status(period, st.PeriodStatus.CLOSED, actor)
    before = audit.snapshot([fiscal_year])
    fiscal_year.status = st.PeriodStatus.CLOSED
    fiscal_year.closing_entry = entry
    FiscalYear.objects.filter(pk=fiscal_year.pk).update(status=fiscal_year.status, closing_entry=entry)
    audit.record_updated([fiscal_year], before, ["status", "closing_entry"], actor=actor)
    return fiscal_year
