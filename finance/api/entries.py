"""/api/finance/journal-entries/: journal entries with their lines. POST creates a draft (balanced
lines, each an account code with a debit or a credit); …/post/ posts it (numbered; 409 in a closed
period); …/reverse/ ``{date, memo}`` posts its reversal and answers with it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import money_field
from erp.api.params import param_error, parse_choice, parse_date_range
from erp.api.serializers import LineErrorCollector, actor_and_company
from erp.api.viewsets import ReloadAfterSaveMixin
from erp.money import format_money
from finance import selectors
from finance import status as st
from finance.api.common import ByCodeField, ChangePermission, enum_field
from finance.models import Account, Journal, JournalEntry, JournalLine
from finance.services import ledger as services

ZERO = Decimal("0")


class LineSerializer(serializers.ModelSerializer[JournalLine]):
    account = ByCodeField(queryset=Account.objects.all(), help_text=gettext_lazy("Account code"))
    account_name = serializers.CharField(source="account.display_name", read_only=True)
    debit = money_field(min_value=ZERO, required=False, default=ZERO)
    credit = money_field(min_value=ZERO, required=False, default=ZERO)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    customer = serializers.CharField(source="customer.code", read_only=True, allow_null=True)
    supplier = serializers.CharField(source="supplier.code", read_only=True, allow_null=True)

    class Meta:
        model = JournalLine
        fields = ["id", "line_no", "account", "account_name", "debit", "credit", "description", "customer",
                  "supplier"]
        read_only_fields = ["line_no"]


class JournalEntrySerializer(serializers.ModelSerializer[JournalEntry]):
    """A journal entry (傳票) with its lines; the reference is the number once posted."""

    reference = serializers.CharField(read_only=True)
    status = enum_field(st.EntryStatus.choices, "JournalEntryStatusEnum", read_only=True)
    journal = ByCodeField(queryset=Journal.objects.all(), help_text=gettext_lazy("Journal code"))
    document_date = serializers.DateField(default=timezone.localdate)
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    period = serializers.CharField(read_only=True, allow_null=True)
    total = money_field(read_only=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    reversed_by = serializers.SerializerMethodField()
    posted_by = serializers.CharField(source="posted_by.username", read_only=True, allow_null=True)
    lines = LineSerializer(many=True)

    class Meta:
        model = JournalEntry
        fields = ["id", "number", "reference", "status", "journal", "document_date", "memo", "period",
                  "source_reference", "total", "closing", "reverses", "reversed_by", "posted_at", "posted_by",
                  "lines"]
        read_only_fields = ["number", "source_reference", "closing", "posted_at"]

    def get_reversed_by(self, entry: JournalEntry) -> int | None:
        try:
            return entry.reversed_by.pk
        except JournalEntry.DoesNotExist:
            return None

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[services.Line]:
        if len(lines) < 2:
            raise serializers.ValidationError(_("An entry needs at least two lines."))
        collector = LineErrorCollector()
        for line in lines:
            error = collector.start_line()
            if (line["debit"] > 0) == (line["credit"] > 0):
                error["debit"] = [_("Give either a debit or a credit.")]
            if line["account"].is_group:
                error["account"] = [_("%(account)s is a group account: post to an account under it.")
                                    % {"account": line["account"]}]
            elif not line["account"].is_active:
                error["account"] = [_("%(account)s is inactive.") % {"account": line["account"]}]
        try:
            collector.raise_if_any()
        except serializers.ValidationError as invalid:  # validate_lines: the field's own errors, not {"lines": …}
            raise serializers.ValidationError(invalid.detail["lines"]) from None  # type: ignore[index,call-overload]
        debit = sum((line["debit"] for line in lines), ZERO)
        credit = sum((line["credit"] for line in lines), ZERO)
        if debit != credit:
            raise serializers.ValidationError(
                _("The debits (%(debit)s) and the credits (%(credit)s) differ by %(diff)s: the entry does not "
                  "balance.") % {"debit": format_money(debit), "credit": format_money(credit),
                                 "diff": format_money(abs(debit - credit))})
        return [services.Line(line["account"], debit=line["debit"], credit=line["credit"],
                              description=line.get("description", "")) for line in lines]

    def create(self, validated_data: dict[str, Any]) -> JournalEntry:
        user, company = actor_and_company(self)
        return services.entry_save(company=company, actor=user, journal=validated_data["journal"],
                                   document_date=validated_data["document_date"], memo=validated_data["memo"],
                                   lines=validated_data["lines"])


class ReverseSerializer(serializers.Serializer[Any]):
    """The reversal's date (today if not given) and memo ("Reversal of …" if empty)."""

    date = serializers.DateField(required=False)
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("journal", str, description=gettext_lazy("Journal code")),
    OpenApiParameter("status", str, enum=st.EntryStatus.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("search", str, description=gettext_lazy("Part of the number, the memo or the source")),
]))
class JournalEntryViewSet(ReloadAfterSaveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, viewsets.GenericViewSet[Any]):
    """Journal entries, newest first. POST: a draft; its lines ``{"account": code, "debit" | "credit",
    "description"?}`` must balance (400 on ``lines``: unbalanced, negative, more than two decimals, a
    group or inactive account). POST …/post/ posts a draft (a closed period: 409; finance.change_journalentry);
    …/reverse/ ``{"date"?, "memo"?}`` posts the reversal of a posted entry and answers with it."""

    queryset = JournalEntry.objects.none()
    serializer_class = JournalEntrySerializer

    def get_queryset(self) -> QuerySet[JournalEntry]:
        if self.fake():
            return JournalEntry.objects.none()
        return self.with_lines(selectors.entries_for_user(self.request.user))

    @staticmethod
    def with_lines(rows: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
        from django.db.models import Prefetch

        lines = JournalLine.objects.select_related("account", "customer", "supplier").order_by("line_no")
        return (rows.select_related("posted_by", "reversed_by")
                .prefetch_related(Prefetch("lines", queryset=lines)).order_by("-document_date", "-id"))

    def filter_queryset(self, queryset: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
        if self.action != "list":
            return queryset
        params, user = self.request.query_params, self.request.user
        date_from, date_to = parse_date_range(params)
        journal = None
        if code := params.get("journal", "").strip():
            journal = selectors.journals_for_user(user).filter(code=code.upper()).first()
            if journal is None:
                raise param_error("journal", _("No journal with the code %(code)s.") % {"code": code})
        return self.with_lines(selectors.entry_list_for_user(
            user, journal=journal, status=parse_choice(params, "status", st.EntryStatus.values, _("Unknown status.")),
            date_from=date_from, date_to=date_to, search=params.get("search", "")))

    @extend_schema(request=None, responses=JournalEntrySerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post", permission_classes=[ChangePermission])
    def post_entry(self, request: Request, pk: str | None = None) -> Response:
        """Post a draft: balanced, into an open period, numbered."""
        entry = self.get_object()
        services.entry_post_manual(entry=entry, actor=self.actor)
        return self.answer(entry)

    @extend_schema(request=ReverseSerializer, responses={201: JournalEntrySerializer})
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Post the reversal of a posted entry (once; not of a reversal or a year-end closing entry)."""
        entry = self.get_object()
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = services.entry_reverse(entry=entry, actor=self.actor, date=body.validated_data.get("date"),
                                          memo=body.validated_data["memo"])
        return Response(self.get_serializer(self.reload(reversal)).data, status=status.HTTP_201_CREATED)
