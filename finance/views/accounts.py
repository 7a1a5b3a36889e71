"""The chart of accounts (a tree in code order with each account's balance to date, group accounts
summing theirs), an account's form, loading a chart template, and the account roles with their
per item category / warehouse overrides.

Reads go through finance.selectors (the user's company); every write is one call to
finance.services.accounts or finance.services.setup, whose refusals are shown beside the field."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from erp.document_screens.views import filter_values
from erp.errors import DomainError
from erp.exports import export_response
from erp.permissions import permission_required
from finance import selectors
from finance import status as st
from finance.forms.accounts import AccountFilterForm, AccountForm, ChartTemplateForm, RoleAccountForm, RoleOverrideForm
from finance.models import Account, AccountRoleAccount
from finance.services import accounts as services
from finance.services.setup import chart_install
from finance.views.common import company_of, export_format, paginate, render_list
from inventory.forms.masterdata import add_service_error

ZERO = Decimal("0")


# The chart -----------------------------------------------------------------------------------------


@dataclass
class ChartRow:
    account: Account
    depth: int
    balance: Decimal


def chart_order(accounts: list[Account]) -> list[tuple[Account, int]]:
    """The accounts as a tree, depth first, each level in code order: [(account, depth)]."""
    ids = {account.pk for account in accounts}
    children: dict[int | None, list[Account]] = {}
    for account in accounts:
        parent = account.parent_id if account.parent_id in ids else None
        children.setdefault(parent, []).append(account)
    ordered: list[tuple[Account, int]] = []
    stack: list[tuple[Account, int]] = [(a, 0) for a in reversed(sorted(children.get(None, []), key=lambda a: a.code))]
    seen: set[int] = set()
    while stack:
        account, depth = stack.pop()
        if account.pk in seen:
            continue
        seen.add(account.pk)
        ordered.append((account, depth))
        below = sorted(children.get(account.pk, []), key=lambda a: a.code)
        stack.extend((child, depth + 1) for child in reversed(below))
    return ordered


def chart_rows(request: HttpRequest, values: dict[str, Any]) -> list[ChartRow]:
    company = company_of(request)
    accounts = list(selectors.accounts_for_user(request.user))
    balances = selectors.chart_balances(company, as_of=timezone.localdate()) if company is not None else {}
    rows = [ChartRow(account, depth, balances.get(account.pk, ZERO)) for account, depth in chart_order(accounts)]
    if kind := values.get("account_type"):
        rows = [row for row in rows if row.account.account_type == kind]
    if (active := values.get("active")) in ("0", "1"):
        rows = [row for row in rows if row.account.is_active == (active == "1")]
    if text := (values.get("q") or "").strip().lower():
        rows = [row for row in rows if text in row.account.code.lower() or any(
            text in name.lower() for name in (row.account.name, row.account.name_zh_hans, row.account.name_en))]
    return rows


def yes(value: bool) -> str:
    return _("Yes") if value else _("No")


ACCOUNT_COLUMNS = [
    (gettext_lazy("Code"), lambda r: r.account.code),
    (gettext_lazy("Name"), lambda r: r.account.display_name),
    (gettext_lazy("Type"), lambda r: r.account.get_account_type_display()),
    (gettext_lazy("Parent account"), lambda r: r.account.parent.code if r.account.parent else ""),
    (pgettext_lazy("account", "Group"), lambda r: yes(r.account.is_group)),
    (gettext_lazy("Active"), lambda r: yes(r.account.is_active)),
    (gettext_lazy("Balance (debit − credit)"), lambda r: r.balance),
]


@permission_required("finance.view_account")
def account_list(request: HttpRequest) -> HttpResponse:
    filters = AccountFilterForm(request.GET or None)
    rows = chart_rows(request, filter_values(filters))
    if fmt := export_format(request):
        return export_response(request, rows=rows, columns=ACCOUNT_COLUMNS, filename="chart_of_accounts", fmt=fmt)
    page = paginate(request, rows)
    return render_list(request, "finance/accounts/list.html", "finance/accounts/_results.html",
                       {"filters": filters, "page": page, "section": "accounts", "today": timezone.localdate()})


def account_form(request: HttpRequest, account: Account | None) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = AccountForm(request.POST if request.method == "POST" else None, user=request.user, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.account_save(company=company, actor=request.user, account=account, **form.cleaned_data)
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Account %(account)s saved.") % {"account": saved})
            return redirect("finance:account_list")
    return render(request, "finance/accounts/form.html", {"form": form, "account": account, "section": "accounts"})


@permission_required("finance.add_account")
def account_create(request: HttpRequest) -> HttpResponse:
    return account_form(request, None)


@permission_required("finance.change_account")
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return account_form(request, get_object_or_404(selectors.accounts_for_user(request.user), pk=pk))


@permission_required("finance.add_account", "finance.delete_account")
def chart_template(request: HttpRequest) -> HttpResponse:
    """Load the Taiwan or PRC chart template: replaces an unused chart (refused once entries exist)."""
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = ChartTemplateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            count = chart_install(company=company, template=form.cleaned_data["template"], actor=request.user)
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(count)s accounts loaded with their account roles.") % {"count": count})
            return redirect("finance:account_list")
    in_use = selectors.entries_for_user(request.user).exists()
    return render(request, "finance/accounts/template.html", {"form": form, "in_use": in_use, "section": "accounts"})


# Account roles -------------------------------------------------------------------------------------


@dataclass
class RoleRow:
    role: str
    label: str
    default: AccountRoleAccount | None
    overrides: list[AccountRoleAccount]


@permission_required("finance.view_accountroleaccount")
def role_list(request: HttpRequest) -> HttpResponse:
    by_role: dict[str, RoleRow] = {role: RoleRow(role, str(label), None, []) for role, label in st.AccountRole.choices}
    for mapping in selectors.role_accounts_for_user(request.user):
        row = by_role.get(mapping.role)
        if row is None:
            continue
        if mapping.is_default:
            row.default = mapping
        else:
            row.overrides.append(mapping)
    return render(request, "finance/roles/list.html", {"rows": list(by_role.values()), "section": "roles"})


def get_mapping(request: HttpRequest, pk: int) -> AccountRoleAccount:
    mapping: AccountRoleAccount = get_object_or_404(selectors.role_accounts_for_user(request.user), pk=pk)
    return mapping


@permission_required("finance.change_accountroleaccount")
def role_account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = get_mapping(request, pk)
    company = company_of(request)
    if company is None:
        return redirect("home")
    form = RoleAccountForm(request.POST if request.method == "POST" else None, user=request.user,
                           initial={"account": mapping.account_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.role_account_set(company=company, actor=request.user, role=mapping.role,
                                      account=form.cleaned_data["account"], item_category=mapping.item_category,
                                      warehouse=mapping.warehouse, adjustment_reason=mapping.adjustment_reason)
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(role)s now posts to %(account)s.") % {
                "role": mapping.get_role_display(), "account": form.cleaned_data["account"]})
            return redirect("finance:role_list")
    return render(request, "finance/roles/form.html", {"form": form, "mapping": mapping, "section": "roles"})


@permission_required("finance.add_accountroleaccount", "finance.change_accountroleaccount")
def role_account_create(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    if company is None:
        return redirect("home")
    initial = {"role": request.GET["role"]} if request.GET.get("role") in st.AccountRole.values else {}
    form = RoleOverrideForm(request.POST if request.method == "POST" else None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_account_set(company=company, actor=request.user, role=data["role"], account=data["account"],
                                      item_category=data["item_category"], warehouse=data["warehouse"],
                                      adjustment_reason=data["adjustment_reason"])
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(role)s now posts to %(account)s.") % {
                "role": st.AccountRole(data["role"]).label, "account": data["account"]})
            return redirect("finance:role_list")
    return render(request, "finance/roles/form.html", {"form": form, "mapping": None, "section": "roles"})


@permission_required("finance.delete_accountroleaccount")
@require_POST
def role_account_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = get_mapping(request, pk)
    try:
        services.role_account_delete(mapping=mapping, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The override of %(role)s was removed.") % {"role": mapping.get_role_display()})
    return redirect("finance:role_list")
