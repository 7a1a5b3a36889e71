"""Forms of the chart of accounts and the account roles: the list filter, an account, the chart
template to load, a role's mapping and a new override. Every rule is the service's
(finance.services.accounts, finance.services.setup): the views put its refusals beside the field."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from finance import chart
from finance import status as st
from finance.forms import styled
from finance.models import Account
from finance.selectors import accounts_for_user
from inventory.models import AdjustmentReason, ItemCategory, Warehouse
from inventory.selectors import company_warehouses

ACTIVE_CHOICES = [("", _("Active and inactive")), ("1", _("Active")), ("0", _("Inactive"))]


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.display_name}"


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.SearchInput(attrs={"placeholder": _("Code or name")}))
    account_type = forms.ChoiceField(label=_("Type"), required=False,
                                     choices=[("", _("All types")), *st.AccountType.choices])
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


class AccountForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name (Traditional Chinese)"), max_length=200)
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    parent = AccountChoiceField(label=_("Parent account"), queryset=Account.objects.none(), required=False,
                                help_text=_("A group account; empty: a top-level account."))
    account_type = forms.ChoiceField(label=_("Type"), choices=st.AccountType.choices)
    is_group = forms.BooleanField(label=pgettext_lazy("account", "Group"), required=False,
                                  help_text=_("A heading that sums the accounts under it; nothing is posted to it."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, account: Account | None = None, **kwargs: Any) -> None:
        if account is not None and not kwargs.get("initial"):
            kwargs["initial"] = {"code": account.code, "name": account.name, "name_zh_hans": account.name_zh_hans,
                                 "name_en": account.name_en, "parent": account.parent_id,
                                 "account_type": account.account_type, "is_group": account.is_group,
                                 "is_active": account.is_active}
        super().__init__(*args, **kwargs)
        groups = accounts_for_user(user).filter(is_group=True)
        if account is not None:
            groups = groups.exclude(pk=account.pk)
        self.fields["parent"].queryset = groups
        styled(self)


class ChartTemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Chart template"), choices=chart.template_choices,
                                 widget=forms.RadioSelect)


class RoleAccountForm(forms.Form):
    """The account of one mapping (its role, category and warehouse stay)."""

    account = AccountChoiceField(label=pgettext_lazy("ledger", "Account"), queryset=Account.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts_for_user(user).filter(is_group=False, is_active=True)
        styled(self)


class RoleOverrideForm(RoleAccountForm):
    """A new mapping: a role for an item category, a warehouse or both, and for inventory adjustments
    also for an adjustment reason (none of them: the role's default)."""

    role = forms.ChoiceField(label=_("Account role"), choices=st.AccountRole.choices)
    item_category = forms.ModelChoiceField(label=_("Item category"), queryset=ItemCategory.objects.none(),
                                           required=False)
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False)
    adjustment_reason = forms.ModelChoiceField(
        label=_("Adjustment reason"), queryset=AdjustmentReason.objects.none(), required=False,
        help_text=_("Inventory adjustments only: the account of the adjustments with this reason."))
    field_order = ["role", "item_category", "warehouse", "adjustment_reason", "account"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["item_category"].queryset = ItemCategory.objects.restrict(user).order_by("code")
        self.fields["warehouse"].queryset = company_warehouses(user).order_by("code")  # any of the company's
        self.fields["adjustment_reason"].queryset = AdjustmentReason.objects.restrict(user).order_by("code")
        styled(self)
