"""Writing the chart of accounts and the account roles: an account created or changed (``account_save``),
a role mapped to an account for the company, an item category, a warehouse or (inventory adjustments
only) an adjustment reason (``role_account_set``), an override removed (``role_account_delete``).

Rules (each a DomainError on the field to blame): a code is unique in the company; the parent is a
group account of the same company, never the account itself or one under it; an account with
journal lines keeps its type and does not become a group; a group with accounts under it stays a
group; an account a role posts to stays postable and active. The account's row is locked while it
changes, so a posting in flight (its line holds a key-share lock on the account) finishes first and
is seen by the checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company
from finance import status as st
from finance.models import ACCOUNT_CODE, Account, AccountRoleAccount, JournalLine, reason_only_for_adjustments

if TYPE_CHECKING:
    from erp.models import User
    from inventory.models import AdjustmentReason, ItemCategory, Warehouse

UNIQUE_CODE = "finance_account_unique_code"
ROLE_ONCE = "finance_role_account_once"


def _check_code(company: Company, code: str, account: Account | None) -> str:
    code = code.strip()
    if not code:
        raise DomainError(_("Give the account a code."), field="code")
    try:
        ACCOUNT_CODE(code)
    except ValidationError:
        raise DomainError(_("Use digits and letters (a dot or a dash may separate them)."), field="code") from None
    taken = Account.objects.filter(company=company, code=code)
    if account is not None:
        taken = taken.exclude(pk=account.pk)
    if taken.exists():
        raise DomainError(_("The code %(code)s is already used by another account.") % {"code": code}, field="code")
    return code


def _check_parent(company: Company, parent: Account | None, account: Account | None) -> None:
    if parent is None:
        return
    if parent.company_id != company.pk:
        raise DomainError(_("The parent account belongs to another company."), field="parent")
    if not parent.is_group:
        raise DomainError(_("%(account)s is not a group account: only a group has accounts under it.")
                          % {"account": parent}, field="parent")
    if account is not None and account.pk is not None:
        ancestor: Account | None = parent
        seen: set[int] = set()
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == account.pk:
                raise DomainError(_("An account cannot be put under itself or under an account below it."),
                                  field="parent")
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
    return


def _roles_of(account: Account) -> list[str]:
    roles = AccountRoleAccount.objects.filter(account=account).values_list("role", flat=True).distinct()
    return sorted(str(st.AccountRole(role).label) for role in roles)


@atomic_with_retry
def account_save(*, company: Company, actor: User | None, code: str, name: str, account_type: str,
                 name_zh_hans: str = "", name_en: str = "", parent: Account | None = None, is_group: bool = False,
                 is_active: bool = True, account: Account | None = None) -> Account:
    """Create an account of ``company``'s chart, or change ``account`` (see the module's rules)."""
    if account is not None:
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.company_id != company.pk:
            raise DomainError(_("The account belongs to another company."))
    code = _check_code(company, code, account)
    name = name.strip()
    if not name:
        raise DomainError(_("Give the account a name."), field="name")
    if account_type not in st.AccountType.values:
        raise DomainError(_("Choose one of the account types."), field="account_type")
    _check_parent(company, parent, account)
    if account is not None:
        used = JournalLine.objects.filter(account=account).exists()
        if used and account_type != account.account_type:
            raise DomainError(_("Entries were posted to %(account)s: its type cannot change.")
                              % {"account": account}, field="account_type")
        if is_group and not account.is_group:
            if used:
                raise DomainError(_("Entries were posted to %(account)s: it cannot become a group.")
                                  % {"account": account}, field="is_group")
            if roles := _roles_of(account):
                raise DomainError(_("%(account)s is the account of %(roles)s: map the role to another account "
                                    "before making it a group.") % {"account": account, "roles": ", ".join(roles)},
                                  field="is_group")
        if not is_group and account.is_group and Account.objects.filter(parent=account).exists():
            raise DomainError(_("%(account)s has accounts under it: it stays a group.") % {"account": account},
                              field="is_group")
        if not is_active and account.is_active and (roles := _roles_of(account)):
            raise DomainError(_("%(account)s is the account of %(roles)s: map the role to another account "
                                "before deactivating it.") % {"account": account, "roles": ", ".join(roles)},
                              field="is_active")
    else:
        account = Account(company=company)
    account.code, account.name = code, name[:200]
    account.name_zh_hans, account.name_en = name_zh_hans.strip()[:200], name_en.strip()[:200]
    account.parent, account.account_type = parent, account_type
    account.is_group, account.is_active = is_group, is_active
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:
        if UNIQUE_CODE in str(error):  # saved by someone else a moment ago
            raise DomainError(_("The code %(code)s is already used by another account.") % {"code": code},
                              field="code") from None
        raise
    return account


def _check_role_account(company: Company, account: Account) -> None:
    if account.company_id != company.pk:
        raise DomainError(_("The account belongs to another company."), field="account")
    if account.is_group:
        raise DomainError(_("%(account)s is a group account: post to an account under it.") % {"account": account},
                          field="account")
    if not account.is_active:
        raise DomainError(_("%(account)s is inactive.") % {"account": account}, field="account")


@atomic_with_retry
def role_account_set(*, company: Company, actor: User | None, role: str, account: Account,
                     item_category: ItemCategory | None = None, warehouse: Warehouse | None = None,
                     adjustment_reason: AdjustmentReason | None = None) -> AccountRoleAccount:
    """Map ``role`` to ``account`` for the company (no category, warehouse or reason: the role's
    default), for one item category, one warehouse or both, and for the inventory adjustments role
    also per adjustment reason; an existing mapping of the same keys changes."""
    if role not in st.AccountRole.values:
        raise DomainError(_("Choose one of the account roles."), field="role")
    if adjustment_reason is not None and role != st.AccountRole.STOCK_ADJUSTMENT:
        raise DomainError(reason_only_for_adjustments(), field="adjustment_reason")
    _check_role_account(company, account)
    for field, related in (("item_category", item_category), ("warehouse", warehouse),
                           ("adjustment_reason", adjustment_reason)):
        if related is not None and related.company_id != company.pk:
            raise DomainError(_("This record belongs to another company."), field=field)
    keys = {"company": company, "role": role, "item_category": item_category, "warehouse": warehouse,
            "adjustment_reason": adjustment_reason}
    mapping = AccountRoleAccount.objects.select_for_update().filter(**keys).order_by("pk").first()
    if mapping is None:
        try:
            with transaction.atomic():
                return AccountRoleAccount.objects.create(account=account, **keys)
        except IntegrityError as error:
            if ROLE_ONCE not in str(error):
                raise
            mapping = AccountRoleAccount.objects.select_for_update().get(**keys)  # made a moment ago
    if mapping.account_id != account.pk:
        mapping.account = account
        mapping.save(update_fields=["account"])
    return mapping


@atomic_with_retry
def role_account_delete(*, mapping: AccountRoleAccount, actor: User | None) -> None:
    """Remove an override (a role's mapping for an item category, a warehouse or an adjustment
    reason); the role's default mapping is changed, never removed: postings need it."""
    mapping = AccountRoleAccount.objects.select_for_update().get(pk=mapping.pk)
    if mapping.is_default:
        raise DomainError(_("The default account of a role cannot be removed: change it instead."))
    mapping.delete()
