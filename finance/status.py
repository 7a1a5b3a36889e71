"""Finance's choices: account types, account roles, the statuses of periods and journal entries."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


# Debit-normal types: their balance is debit − credit; the others' credit − debit.
DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})
BALANCE_SHEET = (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY)
PROFIT_AND_LOSS = (AccountType.INCOME, AccountType.EXPENSE)


class AccountRole(models.TextChoices):
    """What business logic names instead of an account code: each company maps every role to an
    account of its chart (optionally per item category or warehouse), and postings look the role up."""

    CASH = "cash", _("Cash on hand")
    BANK = "bank", _("Bank")
    RECEIVABLE = "receivable", _("Accounts receivable")
    PAYABLE = "payable", _("Accounts payable")
    CUSTOMER_ADVANCE = "customer_advance", _("Advances from customers")
    SUPPLIER_ADVANCE = "supplier_advance", _("Prepayments to suppliers")
    INVENTORY = "inventory", _("Inventory")
    GRNI = "grni", _("Goods received not invoiced")
    INPUT_TAX = "input_tax", _("Input tax")
    OUTPUT_TAX = "output_tax", _("Output tax")
    REVENUE = "revenue", _("Sales revenue")
    SALES_RETURNS = "sales_returns", _("Sales returns and allowances")
    COGS = "cogs", _("Cost of goods sold")
    PRICE_VARIANCE = "price_variance", _("Purchase price variance")
    STOCK_ADJUSTMENT = "stock_adjustment", _("Inventory adjustments")
    COUNT_VARIANCE = "count_variance", _("Stocktake gains and losses")
    STOCK_ISSUE = "stock_issue", _("Goods issued for internal use")
    WIP = "wip", _("Work in process")
    LABOUR_APPLIED = "labour_applied", _("Applied direct labour")
    OVERHEAD_APPLIED = "overhead_applied", _("Applied manufacturing overhead")
    PRODUCTION_VARIANCE = "production_variance", _("Production cost variance")
    ROUNDING = "rounding", _("Rounding differences")
    CAPITAL = "capital", _("Share capital")
    RETAINED_EARNINGS = "retained_earnings", _("Retained earnings")
    CURRENT_EARNINGS = "current_earnings", _("Current year profit or loss")
    OPENING_BALANCE = "opening_balance", pgettext_lazy("account role", "Opening balances")


class PeriodStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("period", "Open")
    CLOSING = "closing", pgettext_lazy("period", "Closing")
    CLOSED = "closed", pgettext_lazy("period", "Closed")


class JournalKind(models.TextChoices):
    SALES = "sales", _("Sales")
    PURCHASES = "purchases", _("Purchases")
    BANK = "bank", _("Cash and bank")
    INVENTORY = "inventory", _("Inventory")
    GENERAL = "general", _("General")


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    POSTED = "posted", pgettext_lazy("journal entry", "Posted")


ENTRY_TRANSITIONS = {
    EntryStatus.DRAFT: {EntryStatus.AWAITING_APPROVAL, EntryStatus.POSTED},
    EntryStatus.AWAITING_APPROVAL: {EntryStatus.DRAFT, EntryStatus.POSTED},
    EntryStatus.POSTED: set(),
}


class InvoiceGrouping(models.TextChoices):
    PER_DELIVERY = "per_delivery", _("One invoice per delivery note")
    PER_CUSTOMER_MONTH = "per_customer_month", _("One invoice per customer and month")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class CustomerInvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", pgettext_lazy("invoice", "Posted")
    VOID = "void", _("Void")


CUSTOMER_INVOICE_TRANSITIONS = {
    CustomerInvoiceStatus.DRAFT: {CustomerInvoiceStatus.POSTED},
    CustomerInvoiceStatus.POSTED: {CustomerInvoiceStatus.VOID},
    CustomerInvoiceStatus.VOID: set(),
}


class PaymentDirection(models.TextChoices):
    IN = "in", _("Received from a customer")
    OUT = "out", _("Paid to a supplier")


class PaymentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", pgettext_lazy("payment", "Posted")


PAYMENT_TRANSITIONS = {PaymentStatus.DRAFT: {PaymentStatus.POSTED}, PaymentStatus.POSTED: set()}
