"""/api/finance/accounts/ (the chart of accounts, written through finance.services.accounts),
/api/finance/account-roles/ (which account each role posts to) and /api/finance/periods/ (close and
reopen)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.params import param_error, parse_bool, parse_choice
from erp.api.serializers import actor_and_company
from erp.api.viewsets import CompanyViewMixin, ReloadAfterSaveMixin
from finance import selectors
from finance import status as st
from finance.api.common import ByCodeField, ChangePermission, enum_field
from finance.models import Account, AccountRoleAccount, Period
from finance.services import accounts as services
from finance.services.ledger import period_close, period_reopen

# Accounts ------------------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer[Account]):
    """An account of the chart; the name in the reader's language is ``display_name``."""

    code = serializers.CharField(max_length=20, help_text=gettext_lazy("Unique in the company"))
    display_name = serializers.CharField(read_only=True)
    parent = ByCodeField(queryset=Account.objects.all(), required=False, allow_null=True,
                         help_text=gettext_lazy("Code of the group account above it; null: a top-level account"))
    account_type = enum_field(st.AccountType.choices, "AccountTypeEnum")
    is_group = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy(
        "A heading that sums the accounts under it; nothing is posted to it"))
    is_active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = Account
        fields = ["id", "code", "name", "name_zh_hans", "name_en", "display_name", "parent", "account_type",
                  "is_group", "is_active"]
        extra_kwargs = {"name_zh_hans": {"required": False}, "name_en": {"required": False}}

    def create(self, validated_data: dict[str, Any]) -> Account:
        user, company = actor_and_company(self)
        return services.account_save(company=company, actor=user, **validated_data)

    def update(self, instance: Account, validated_data: dict[str, Any]) -> Account:
        user, company = actor_and_company(self)
        fields = {name: getattr(instance, name) for name in ("code", "name", "name_zh_hans", "name_en", "parent",
                                                             "account_type", "is_group", "is_active")}
        if self.partial:  # the defaults of fields not sent are not changes
            validated_data = {k: v for k, v in validated_data.items() if k in self.initial_data}
        return services.account_save(company=company, actor=user, account=instance, **{**fields, **validated_data})


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("search", str, description=gettext_lazy("Part of the code or a name")),
    OpenApiParameter("type", str, enum=st.AccountType.values),
    OpenApiParameter("active", bool),
    OpenApiParameter("group", bool),
]))
class AccountViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[Any]):
    """The chart of accounts, in code order. A code is unique in the company; the parent is a group
    account; an account with entries keeps its type and does not become a group; a group with accounts
    under it stays one (400 naming the field)."""

    queryset = Account.objects.none()
    serializer_class = AccountSerializer

    def get_queryset(self) -> QuerySet[Account]:
        if self.fake():
            return Account.objects.none()
        return selectors.accounts_for_user(self.request.user)

    def filter_queryset(self, queryset: QuerySet[Account]) -> QuerySet[Account]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if search := params.get("search", "").strip():
            queryset = queryset.filter(Q(code__icontains=search) | Q(name__icontains=search)
                                       | Q(name_zh_hans__icontains=search) | Q(name_en__icontains=search))
        if kind := parse_choice(params, "type", st.AccountType.values, _("Unknown account type.")):
            queryset = queryset.filter(account_type=kind)
        if (active := parse_bool(params, "active")) is not None:
            queryset = queryset.filter(is_active=active)
        if (group := parse_bool(params, "group")) is not None:
            queryset = queryset.filter(is_group=group)
        return queryset


# Account roles ---------------------------------------------------------------------------------------


class AccountRoleSerializer(serializers.ModelSerializer[AccountRoleAccount]):
    """A role's account: the default (no item category, warehouse or adjustment reason) or an override."""

    role = enum_field(st.AccountRole.choices, "AccountRoleEnum", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    account = serializers.CharField(source="account.code", read_only=True)
    account_name = serializers.CharField(source="account.display_name", read_only=True)
    item_category = serializers.CharField(source="item_category.code", read_only=True, allow_null=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True, allow_null=True)
    adjustment_reason = serializers.CharField(source="adjustment_reason.code", read_only=True, allow_null=True)

    class Meta:
        model = AccountRoleAccount
        fields = ["id", "role", "role_label", "account", "account_name", "item_category", "warehouse",
                  "adjustment_reason"]


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("role", str, enum=st.AccountRole.values)]))
class AccountRoleViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet[Any]):
    """Which account each role posts to (automatic postings name roles, never accounts), with the
    overrides per item category, warehouse and (inventory adjustments) adjustment reason. Changed on the
    Account roles screen."""

    queryset = AccountRoleAccount.objects.none()
    serializer_class = AccountRoleSerializer

    def get_queryset(self) -> QuerySet[AccountRoleAccount]:
        if self.fake():
            return AccountRoleAccount.objects.none()
        return selectors.role_accounts_for_user(self.request.user)

    def filter_queryset(self, queryset: QuerySet[AccountRoleAccount]) -> QuerySet[AccountRoleAccount]:
        if self.action == "list" and (role := parse_choice(self.request.query_params, "role",
                                                           st.AccountRole.values, _("Unknown account role."))):
            queryset = queryset.filter(role=role)
        return queryset


# Periods ---------------------------------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer[Period]):
    """A month of a fiscal year; nothing is posted into a closed one."""

    fiscal_year = serializers.IntegerField(source="fiscal_year.year", read_only=True)
    status = enum_field(st.PeriodStatus.choices, "PeriodStatusEnum", read_only=True)
    closed_by = serializers.CharField(source="closed_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Period
        fields = ["id", "fiscal_year", "number", "start", "end", "status", "closed_by", "closed_at"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("year", int, description=gettext_lazy("Fiscal year")),
    OpenApiParameter("status", str, enum=st.PeriodStatus.values),
]))
class PeriodViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    """Accounting periods, newest first. POST …/close/: nothing more is posted into it; …/reopen/: open
    again (not in a closed fiscal year); a refusal is a 400 with the reason. Both need
    finance.change_period."""

    queryset = Period.objects.none()
    serializer_class = PeriodSerializer

    def get_queryset(self) -> QuerySet[Period]:
        if self.fake():
            return Period.objects.none()
        return selectors.periods_for_user(self.request.user)

    def filter_queryset(self, queryset: QuerySet[Period]) -> QuerySet[Period]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if year := params.get("year", "").strip():
            if not year.isdigit() or len(year) > 4:
                raise param_error("year", _("Enter a year, e.g. 2026."))
            queryset = queryset.filter(fiscal_year__year=int(year))
        if status := parse_choice(params, "status", st.PeriodStatus.values, _("Unknown status.")):
            queryset = queryset.filter(status=status)
        return queryset

    @extend_schema(request=None, responses=PeriodSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the period."""
        period = self.get_object()
        period_close(period=period, actor=self.actor)
        return self.answer(period)

    @extend_schema(request=None, responses=PeriodSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Reopen the period (its fiscal year must be open)."""
        period = self.get_object()
        period_reopen(period=period, actor=self.actor)
        return self.answer(period)
