"""Finance's screens at /finance/: the journal entries, customer invoices and payments (erp.document_screens),
the chart of accounts and the account roles, the periods, an account's ledger, the reports, the uniform
invoice ranges, the aging report, a customer's statement and the finance settings."""

from django.urls import path

from finance.views import accounts, invoices, periods, reports, tax
from finance.views.entries import ENTRIES
from finance.views.invoices import INVOICES, InvoiceEditView
from finance.views.payments import PAYMENTS

app_name = "finance"
urlpatterns = [
    *ENTRIES.urls(),  # entries/, entries/new/, entries/<pk>/ (edit, print, post, reverse, delete)
    *INVOICES.urls(),  # invoices/, invoices/<pk>/ (print, post, void, delete)
    path("invoices/<int:pk>/edit/", INVOICES.view(InvoiceEditView, "finance.change_customerinvoice"),
         name="invoice_edit"),
    *PAYMENTS.urls(),  # payments/, payments/new/, payments/<pk>/ (edit, print, post)
    path("ranges/", invoices.range_list, name="range_list"),
    path("ranges/new/", invoices.range_create, name="range_create"),
    path("settings/", invoices.finance_settings, name="finance_settings"),
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/new/", accounts.account_create, name="account_create"),
    path("accounts/template/", accounts.chart_template, name="chart_template"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account_edit"),
    path("accounts/<int:pk>/ledger/", reports.account_ledger, name="account_ledger"),
    path("roles/", accounts.role_list, name="role_list"),
    path("roles/new/", accounts.role_account_create, name="role_account_create"),
    path("roles/<int:pk>/edit/", accounts.role_account_edit, name="role_account_edit"),
    path("roles/<int:pk>/delete/", accounts.role_account_delete, name="role_account_delete"),
    path("periods/", periods.period_list, name="period_list"),
    path("periods/years/new/", periods.fiscal_year_create, name="fiscal_year_create"),
    path("periods/years/<int:pk>/close/", periods.fiscal_year_close_view, name="fiscal_year_close"),
    path("periods/<int:pk>/close/", periods.period_close_view, name="period_close"),
    path("periods/<int:pk>/reopen/", periods.period_reopen_view, name="period_reopen"),
    path("reports/trial-balance/", reports.trial_balance, name="trial_balance"),
    path("reports/profit-and-loss/", reports.profit_and_loss, name="profit_and_loss"),
    path("reports/balance-sheet/", reports.balance_sheet, name="balance_sheet"),
    path("reports/aging/", invoices.aging, name="aging"),
    path("reports/customer-statement/", invoices.customer_statement, name="customer_statement"),
    path("reports/business-tax/", tax.business_tax, name="business_tax"),
    path("reports/reconciliation/", tax.reconciliation, name="reconciliation"),
]
