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
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, gettext
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
    (the most specific row wins: category and warehouse, then category, then warehouse, then neither).
    The inventory adjustments role may also be mapped per adjustment reason (scrap to a scrap-loss
    account): a mapping of the adjustment's reason comes before the role's others."""

    role = models.CharField(_("account role"), max_length=30, choices=st.AccountRole.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="roles", verbose_name=_("account"))
    item_category = models.ForeignKey("inventory.ItemCategory", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", verbose_name=_("item category"))
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("warehouse"))
    adjustment_reason = models.ForeignKey("inventory.AdjustmentReason", null=True, blank=True,
                                          on_delete=models.CASCADE, related_name="+",
                                          verbose_name=_("adjustment reason"))

    class Meta:
        verbose_name = _("account role")
        verbose_name_plural = _("account roles")
        ordering = ["role", "item_category", "warehouse", "adjustment_reason"]
        constraints = [
            models.UniqueConstraint(fields=["company", "role", "item_category", "warehouse", "adjustment_reason"],
                                    nulls_distinct=False, name="finance_role_account_once"),
            models.CheckConstraint(condition=Q(adjustment_reason__isnull=True)
                                   | Q(role=st.AccountRole.STOCK_ADJUSTMENT),
                                   name="finance_role_reason_only_for_adjustments"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} → {self.account}"

    def clean(self) -> None:
        if self.adjustment_reason_id is not None and self.role != st.AccountRole.STOCK_ADJUSTMENT:
            raise ValidationError({"adjustment_reason": reason_only_for_adjustments()})

    @property
    def is_default(self) -> bool:
        """The role's default mapping (no category, warehouse or reason): changed, never removed."""
        return self.item_category_id is None and self.warehouse_id is None and self.adjustment_reason_id is None


def reason_only_for_adjustments() -> str:
    """The refusal of an adjustment reason on a role other than inventory adjustments (model and service)."""
    return gettext("Only the role “%(role)s” is mapped per adjustment reason: leave the reason empty.") % {
        "role": st.AccountRole.STOCK_ADJUSTMENT.label}


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
    """What was posted to an account in a period: debits and credits summed and lines counted, kept by
    every posting in its own transaction. A posting adds to one of several slot rows per account and
    period (chosen by its database connection), so concurrent postings to the same account do not queue
    on one row; readers sum the slots. Not audited: the posted entries are."""

    company = models.ForeignKey("erp.Company", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField(default=0)
    closing = models.BooleanField(default=False)
    debit = models.DecimalField(default=0, **MONEY)
    credit = models.DecimalField(default=0, **MONEY)
    line_count = models.BigIntegerField(default=0)  # the account ledger's page count without counting lines

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "period", "closing", "slot"],
                                               name="finance_balance_slot")]
        indexes = [models.Index(fields=["company", "period"], name="balance_by_period")]

    def __str__(self) -> str:
        return f"{self.account_id}@{self.period_id}[{self.slot}]"

    def save(self, *args: Any, **kwargs: Any) -> None:  # pragma: no cover - only the posting SQL writes them
        raise RuntimeError("account balances are kept by finance.sql.balances_add")


# Customer invoices, uniform invoice numbers, payments ----------------------------------------------


class FinanceSettings(models.Model):
    """A company's invoicing choices (one row per company, made with defaults when first read)."""

    company = models.OneToOneField("erp.Company", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("company"))
    invoice_grouping = models.CharField(_("customer invoices"), max_length=20, choices=st.InvoiceGrouping.choices,
                                        default=st.InvoiceGrouping.PER_DELIVERY)
    uniform_invoices = models.BooleanField(
        _("uniform invoice numbers"), default=True,
        help_text=_("Take a Taiwan uniform invoice number (統一發票) from the open range when a customer invoice "
                    "is posted."))

    class Meta:
        verbose_name = _("finance settings")
        verbose_name_plural = _("finance settings")

    def __str__(self) -> str:
        return str(self.company_id)


UNIFORM_TRACK = RegexValidator(r"^[A-Z]{2}$", _("Two upper-case letters, e.g. AB."))


class UniformInvoiceRange(CompanyOwned):
    """A block of Taiwan uniform invoice numbers (two letters + eight digits) for one two-month period,
    entered as the tax office allotted it. Numbers are taken in order at posting, never reused."""

    year = models.PositiveIntegerField(_("year"))
    start_month = models.PositiveSmallIntegerField(_("first month"), choices=[(m, f"{m}–{m + 1}") for m in
                                                                              (1, 3, 5, 7, 9, 11)])
    track = models.CharField(_("track letters"), max_length=2, validators=[UNIFORM_TRACK])
    first_number = models.PositiveIntegerField(_("first number"))
    last_number = models.PositiveIntegerField(_("last number"))
    next_number = models.PositiveIntegerField(_("next number"))

    class Meta:
        verbose_name = _("uniform invoice range")
        verbose_name_plural = _("uniform invoice ranges")
        ordering = ["-year", "-start_month", "track", "first_number"]
        constraints = [
            models.CheckConstraint(condition=Q(first_number__lte=models.F("last_number"))
                                   & Q(last_number__lte=99_999_999), name="uniform_range_bounds"),
            models.CheckConstraint(condition=Q(next_number__gte=models.F("first_number"))
                                   & Q(next_number__lte=models.F("last_number") + 1), name="uniform_range_next"),
        ]

    def __str__(self) -> str:
        first, last = f"{self.track}{self.first_number:08d}", f"{self.track}{self.last_number:08d}"
        return f"{self.year}/{self.start_month:02d} {first}–{last}"

    @property
    def remaining(self) -> int:
        return self.last_number + 1 - self.next_number


class CustomerInvoice(Document):
    """An invoice to a customer (or a credit note, ``kind``), made from posted delivery notes (returns);
    posting books the receivable and takes its uniform invoice number."""

    DOC_TYPE = "CI"
    TRANSITIONS = st.CUSTOMER_INVOICE_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.CustomerInvoiceStatus.choices,
                              default=st.CustomerInvoiceStatus.DRAFT)
    kind = models.CharField(_("kind"), max_length=12, choices=st.InvoiceKind.choices, default=st.InvoiceKind.INVOICE)
    customer = models.ForeignKey("sales.Customer", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("customer"))
    buyer_tax_id = models.CharField(_("buyer's tax id"), max_length=8, blank=True,
                                    help_text=_("統一編號 of a business buyer (B2B); empty for a consumer."))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="TWD")
    net_amount = models.DecimalField(_("net amount"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=0, **MONEY)
    total_amount = models.DecimalField(_("total"), default=0, **MONEY)
    paid_amount = models.DecimalField(_("paid"), default=0, **MONEY)
    uniform_number = models.CharField(_("uniform invoice number"), max_length=10, blank=True)
    uniform_range = models.ForeignKey(UniformInvoiceRange, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="invoices", verbose_name=_("uniform invoice range"))
    credited_invoice = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="credit_notes", verbose_name=_("credited invoice"))
    period_key = models.CharField(max_length=40, blank=True, editable=False,
                                  help_text="customer and month a grouped draft collects deliveries for")
    # PRC fapiao fields, kept for a licensed issuing service (nothing is issued here).
    fapiao_code = models.CharField(_("fapiao code"), max_length=20, blank=True)
    fapiao_number = models.CharField(_("fapiao number"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    journal_entry = models.ForeignKey(JournalEntry, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("journal entry"))
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("customer invoice")
        verbose_name_plural = _("customer invoices")
        constraints = [
            *Document.Meta.constraints,
            models.UniqueConstraint(fields=["company", "uniform_number"], condition=~Q(uniform_number=""),
                                    name="customer_invoice_uniform_once"),
            models.CheckConstraint(condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=models.F("total_amount")),
                                   name="customer_invoice_paid_within_total"),
        ]
        indexes = [
            models.Index(fields=["customer", "status", "company"], name="customer_invoice_by_customer"),
            models.Index(fields=["company", "period_key"], condition=~Q(period_key=""), name="customer_invoice_group"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("finance:invoice_detail", args=[self.pk])

    @property
    def open_amount(self) -> Decimal:
        return self.total_amount - self.paid_amount

    @property
    def is_credit_note(self) -> bool:
        return self.kind == st.InvoiceKind.CREDIT_NOTE


class CustomerInvoiceLine(Restricted):
    """One invoiced line: what a delivery note line (or a return line) shipped of a sales order line,
    at the order's price after discount."""

    invoice = models.ForeignKey(CustomerInvoice, on_delete=models.CASCADE, related_name="lines",
                                verbose_name=_("invoice"))
    line_no = models.PositiveIntegerField(_("line"))
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)
    unit_price = models.DecimalField(_("unit price"), max_digits=20, decimal_places=6, default=0)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=7, decimal_places=4, default=0)
    net_amount = models.DecimalField(_("amount"), default=0, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=0, **MONEY)
    order_line = models.ForeignKey("sales.SalesOrderLine", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("sales order line"))
    delivery = models.ForeignKey("inventory.DeliveryNote", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("delivery note"))
    customer_return = models.ForeignKey("sales.CustomerReturn", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("customer return"))

    class Meta:
        verbose_name = _("customer invoice line")
        verbose_name_plural = _("customer invoice lines")
        ordering = ["invoice", "line_no"]
        indexes = [models.Index(fields=["order_line"], name="invoice_line_by_order_line")]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no}"


class Payment(Document):
    """Money received from a customer or paid to a supplier, through a bank (or cash) account, allocated
    to open invoices (沖帳); what is left over stays as the partner's credit."""

    DOC_TYPE = "PAY"
    TRANSITIONS = st.PAYMENT_TRANSITIONS
    status = models.CharField(_("status"), max_length=20, choices=st.PaymentStatus.choices,
                              default=st.PaymentStatus.DRAFT)
    direction = models.CharField(_("direction"), max_length=10, choices=st.PaymentDirection.choices)
    customer = models.ForeignKey("sales.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("customer"))
    supplier = models.ForeignKey("purchasing.Supplier", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("supplier"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("bank or cash account"))
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    allocated_amount = models.DecimalField(_("allocated"), default=0, **MONEY)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True,
                                      help_text=_("The bank's transaction reference or the cheque number."))
    journal_entry = models.ForeignKey(JournalEntry, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("journal entry"))

    class Meta(Document.Meta):
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=(Q(direction="in") & Q(customer__isnull=False) & Q(supplier__isnull=True))
                                   | (Q(direction="out") & Q(supplier__isnull=False) & Q(customer__isnull=True)),
                                   name="payment_partner_matches_direction"),
            models.CheckConstraint(condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=models.F("amount")),
                                   name="payment_allocated_within_amount"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("finance:payment_detail", args=[self.pk])

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_amount

    @property
    def partner(self) -> Any:
        return self.customer if self.direction == st.PaymentDirection.IN else self.supplier


class PaymentAllocation(Restricted):
    """How much of a payment settles one invoice (a customer's or a supplier's)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations",
                                verbose_name=_("payment"))
    customer_invoice = models.ForeignKey(CustomerInvoice, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="allocations", verbose_name=_("customer invoice"))
    supplier_invoice = models.ForeignKey("purchasing.SupplierInvoice", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("supplier invoice"))
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
            models.CheckConstraint(condition=Q(customer_invoice__isnull=True) ^ Q(supplier_invoice__isnull=True),
                                   name="allocation_one_invoice"),
        ]
        indexes = [models.Index(fields=["supplier_invoice"], condition=Q(supplier_invoice__isnull=False),
                                name="allocation_by_supplier_invoice")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.amount}"
