"""The general ledger: the chart of accounts, account roles, fiscal years and periods, journals and
journal entries with their lines, and the per-period balance rows the reports read.

Posted entries and their lines never change: the database refuses UPDATE and DELETE of them and the
posting of an unbalanced entry (triggers in migration 0002); a correction is a reversing entry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from erp.models import CompanyOwned, Document, Restricted
from erp.money import MONEY
from finance import status as st

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
ACCOUNT_CODE = RegexValidator(r"^[0-9A-Za-z.\-]{1,20}$",
                              _("Use digits and letters (a dot or a dash may separate them)."))


class Account(CompanyOwned):
    """One account of the company's chart. Group accounts only sum their children; entries post to
    the others. The code is the company's to edit: nothing in the code of the system names it (postings
    name an account role, AccountRoleAccount)."""

    code = models.CharField(_("code"), max_length=20, validators=[ACCOUNT_CODE])
    name = models.CharField(_("name (Traditional Chinese)"), max_length=200)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent account"))
    account_type = models.CharField(_("type"), max_length=10, choices=st.AccountType.choices)
    is_group = models.BooleanField(_("group"), default=False,
                                   help_text=_("A heading that sums the accounts under it; nothing is posted to it."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("chart of accounts")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="finance_account_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language (Traditional Chinese when the other is missing)."""
        language = (get_language() or "").lower()
        if language.startswith("en") and self.name_en:
            return self.name_en
        if language in ("zh-hans", "zh-cn", "zh-sg") and self.name_zh_hans:
            return self.name_zh_hans
        return self.name

    @property
    def debit_normal(self) -> bool:
        return self.account_type in st.DEBIT_NORMAL

    def get_absolute_url(self) -> str:
        return reverse("finance:account_ledger", args=[self.pk])


class AccountRoleAccount(CompanyOwned):
    """Which account a role posts to in a company; optionally only for one item category or warehouse
    (the most specific row wins: category and warehouse, then category, then warehouse, then neither)."""

    role = models.CharField(_("account role"), max_length=30, choices=st.AccountRole.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="roles", verbose_name=_("account"))
    item_category = models.ForeignKey("inventory.ItemCategory", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", verbose_name=_("item category"))
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("warehouse"))

    class Meta:
        verbose_name = _("account role")
        verbose_name_plural = _("account roles")
        ordering = ["role", "item_category", "warehouse"]
        constraints = [
            models.UniqueConstraint(fields=["company", "role", "item_category", "warehouse"], nulls_distinct=False,
                                    name="finance_role_account_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} → {self.account}"


class FiscalYear(CompanyOwned):
    """A fiscal year (labelled by the calendar year it starts in, erp.fiscal) and its twelve periods."""

    year = models.PositiveIntegerField(_("fiscal year"))
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(_("status"), max_length=10, choices=st.PeriodStatus.choices,
                              default=st.PeriodStatus.OPEN)
    closing_entry = models.ForeignKey("JournalEntry", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("closing entry"))

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="finance_fiscal_year_once")]

    def __str__(self) -> str:
        return str(self.year)


class Period(CompanyOwned):
    """A month of a fiscal year; nothing is posted into a closed period."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="periods",
                                    verbose_name=_("fiscal year"))
    number = models.PositiveSmallIntegerField(_("period"))
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(_("status"), max_length=10, choices=st.PeriodStatus.choices,
                              default=st.PeriodStatus.OPEN)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["company", "start"], name="finance_period_once"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="finance_period_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def is_open(self) -> bool:
        return self.status == st.PeriodStatus.OPEN


class Journal(CompanyOwned):
    """A book of entries with its own gapless numbers per fiscal year (sales, purchases, bank, …)."""

    code = models.CharField(_("code"), max_length=6, validators=[RegexValidator(r"^[A-Z0-9]{1,6}$")])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=st.JournalKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="finance_journal_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def number_type(self) -> str:
        """The numbering series of this journal's entries (erp.numbering): one per journal."""
        return f"J{self.code}"


class JournalEntry(Document):
    """A journal voucher (傳票): balanced lines posted together on one date. Automatic entries carry the
    source document and a ``source_key`` that makes posting the same source twice impossible."""

    DOC_TYPE = "JV"
    TRANSITIONS = st.ENTRY_TRANSITIONS
    EDITABLE = frozenset({st.EntryStatus.DRAFT})
    UNNUMBERED = frozenset({st.EntryStatus.DRAFT, st.EntryStatus.AWAITING_APPROVAL})
    status = models.CharField(_("status"), max_length=20, choices=st.EntryStatus.choices,
                              default=st.EntryStatus.DRAFT)
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries", verbose_name=_("journal"))
    period = models.ForeignKey(Period, null=True, blank=True, on_delete=models.PROTECT, related_name="entries",
                               verbose_name=_("period"))
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("source type"))
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_reference = models.CharField(_("source"), max_length=60, blank=True)
    source_key = models.CharField(_("source key"), max_length=120, null=True, blank=True, editable=False)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    total = models.DecimalField(_("total"), default=0, **MONEY)
    closing = models.BooleanField(_("year-end closing"), default=False, editable=False,
                                  help_text=_("Moves a year's income and expenses into retained earnings; the "
                                              "profit and loss of that year leaves it out."))
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("posted by"))

    class Meta(Document.Meta):
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-document_date", "-id"]
        constraints = [
            *Document.Meta.constraints,
            models.UniqueConstraint(fields=["company", "source_key"], name="finance_entry_source_once"),
        ]
        indexes = [
            models.Index(fields=["company", "-document_date", "-id"], name="entry_by_date"),
            models.Index(fields=["source_type", "source_id"], name="entry_by_source"),
        ]

    @property
    def number_type(self) -> str:
        return self.journal.number_type

    def get_absolute_url(self) -> str:
        return reverse("finance:entry_detail", args=[self.pk])


class JournalLine(Restricted):
    """One debit or credit of an entry. ``company``, ``account_type`` and ``date`` repeat the entry's and
    the account's so the ledger's reports read the lines alone, by index."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines",
                              verbose_name=_("journal entry"))
    company = models.ForeignKey("erp.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    line_no = models.PositiveIntegerField(_("line"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines", verbose_name=_("account"))
    # The entry's date, set when the entry is posted: a draft's lines have none, so every reading of
    # the ledger by date (reports, balances) sees posted lines only.
    date = models.DateField(_("date"), null=True, blank=True)
    debit = models.DecimalField(_("debit"), default=0, validators=NOT_NEGATIVE, **MONEY)
    credit = models.DecimalField(_("credit"), default=0, validators=NOT_NEGATIVE, **MONEY)
    description = models.CharField(_("description"), max_length=300, blank=True)
    closing = models.BooleanField(_("year-end closing"), default=False, editable=False)
    customer = models.ForeignKey("sales.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("customer"))
    supplier = models.ForeignKey("purchasing.Supplier", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("supplier"))

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["entry", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_no"], name="finance_line_unique_no"),
            models.CheckConstraint(condition=Q(debit__gte=0) & Q(credit__gte=0), name="finance_line_not_negative"),
            # exactly one side carries an amount
            models.CheckConstraint(condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                                   name="finance_line_one_side"),
        ]
        indexes = [
            models.Index(fields=["company", "account", "date", "id"], name="line_by_account_date"),
            models.Index(fields=["company", "date"], name="line_by_date"),
            models.Index(fields=["customer"], condition=Q(customer__isnull=False), name="line_by_customer"),
            models.Index(fields=["supplier"], condition=Q(supplier__isnull=False), name="line_by_supplier"),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.debit or -self.credit}"

    @property
    def amount(self) -> Decimal:
        """Signed: debit positive, credit negative."""
        return self.debit - self.credit


class AccountBalance(models.Model):
    """What was posted to an account in a period: debits and credits summed, kept by every posting in
    its own transaction. A posting adds to one of several slot rows per account and period (chosen by
    its database connection), so concurrent postings to the same account do not queue on one row;
    readers sum the slots. Not audited: the posted entries are."""

    company = models.ForeignKey("erp.Company", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField(default=0)
    closing = models.BooleanField(default=False)
    debit = models.DecimalField(default=0, **MONEY)
    credit = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "period", "closing", "slot"],
                                               name="finance_balance_slot")]
        indexes = [models.Index(fields=["company", "period"], name="balance_by_period")]

    def __str__(self) -> str:
        return f"{self.account_id}@{self.period_id}[{self.slot}]"

    def save(self, *args: Any, **kwargs: Any) -> None:  # pragma: no cover - only the posting SQL writes them
        raise RuntimeError("account balances are kept by finance.sql.balances_add")
