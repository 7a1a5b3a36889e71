"""/api/office/: the approval engine over HTTP.

- ``approval-requests/``: the requests the user takes part in (GET, filtered by ``status``, ``type``,
  ``requester`` and ``mine=true`` — waiting for my decision), each with its steps (and approvers) and
  decisions; POST ``<id>/approve/``, ``<id>/reject/`` and ``<id>/return/`` with a ``comment`` (required
  to reject or return: a 400 on the field). Another company's or someone else's request is a 404; a
  user who may not decide it (not an approver, the requester) gets a 403 saying why; a request already
  decided a 409.
- ``approval-rules/``: the rules with their conditions and steps (CRUD for holders of the model
  permissions; a rule requests were made under cannot be deleted: deactivate it).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from erp.api.fields import UserField
from erp.api.params import by_username, parse_bool, parse_choice
from erp.api.permissions import ModelPermissions
from erp.api.serializers import actor_and_company
from erp.api.viewsets import CompanyViewMixin, DeleteOrDeactivateMixin, ReloadAfterSaveMixin
from office.models import ApprovalDecision, ApprovalRequest, ApprovalRule, ApprovalStep, ApprovalStepApprover
from office.selectors.approvals import request_list_for_user, rules_for_user, with_steps
from office.services.approvals import STEP_FIELDS, approval_decide, approval_rule_delete, approval_rule_save
from office.status import ApprovalStatus, ConditionOperator, Decision, DecisionVia, StepKind

SMALL = 32767  # PositiveSmallIntegerField
LARGE = 2147483647  # PositiveIntegerField


# Requests ---------------------------------------------------------------------------------------


class ApprovalSeatSerializer(serializers.ModelSerializer[ApprovalStepApprover]):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ApprovalStepApprover
        fields = ["user", "escalated", "decided", "added_at"]
        read_only_fields = fields


class ApprovalStepSerializer(serializers.ModelSerializer[ApprovalStep]):
    role = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    escalate_user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    escalate_role = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    approvers = ApprovalSeatSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalStep
        fields = ["id", "sequence", "kind", "role", "user", "required", "status", "approvers", "opened_at", "due_at",
                  "reminded_at", "escalated_at", "decided_at", "deadline_hours", "reminder_hours", "escalate_user",
                  "escalate_role"]
        read_only_fields = fields


class ApprovalDecisionSerializer(serializers.ModelSerializer[ApprovalDecision]):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)
    on_behalf_of = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ApprovalDecision
        fields = ["id", "step", "decision", "comment", "decided_by", "on_behalf_of", "via", "decided_at"]
        read_only_fields = fields


class ApprovalRequestSerializer(serializers.ModelSerializer[ApprovalRequest]):
    """An approval request: the document (type and id, reference), who asked, under which rule, where
    it stands; with its condition values as submitted, its steps (with their approvers) and decisions."""

    document_type = serializers.SerializerMethodField()
    requester = serializers.CharField(source="requester.username", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    steps = ApprovalStepSerializer(many=True, read_only=True)
    decisions = ApprovalDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = ["id", "type_key", "document_type", "document_id", "reference", "requester", "rule", "rule_name",
                  "status", "values", "created_at", "decided_at", "outcome_comment", "cancel_reason", "steps",
                  "decisions"]
        read_only_fields = fields

    def get_document_type(self, request: ApprovalRequest) -> str:
        model = request.document_type.model_class()
        return model._meta.label_lower if model is not None else ""


class DecisionBodySerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                    help_text=_("Required to reject or to return for changes."))


class DecidePermissions(ModelPermissions):
    """Reading a request, and deciding it, need only the view permission: whether the user may decide is
    the engine's rule (a seat on an open step), answered with a 403 that says why."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


REQUEST_FILTERS = [
    OpenApiParameter("status", str, enum=ApprovalStatus.values),
    OpenApiParameter("type", str, description="A document type key, e.g. sales.credit_exception"),
    OpenApiParameter("mine", bool, description="Only the requests waiting for my decision"),
    OpenApiParameter("requester", str, description="The username of who asked"),
]


@extend_schema_view(list=extend_schema(parameters=REQUEST_FILTERS))
class ApprovalRequestViewSet(CompanyViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet[ApprovalRequest]):
    """Approval requests the user takes part in (as requester, approver, delegate or decider; every
    request of the company for office staff and managers). ``?mine=true``: those waiting for my
    decision. POST …/approve/, …/reject/ and …/return/ decide (``comment`` required to reject or return);
    403 for someone who may not decide, 409 for a request already decided."""

    queryset = ApprovalRequest.objects.none()
    serializer_class = ApprovalRequestSerializer
    permission_classes = [DecidePermissions]

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        if self.fake():
            return ApprovalRequest.objects.none()
        return with_steps(request_list_for_user(self.request.user).select_related("document_type"))

    def filter_queryset(self, queryset: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        rows = request_list_for_user(
            self.request.user, waiting=bool(parse_bool(params, "mine")), requester=by_username(
                self.request.user, params, "requester"),
            status=parse_choice(params, "status", ApprovalStatus.values, _("Unknown status.")) or "",
            type_key=(params.get("type") or "").strip())
        return with_steps(rows.select_related("document_type"))

    def decide(self, decision: str) -> Response:
        approval = self.get_object()
        body = DecisionBodySerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        approval_decide(request=approval, actor=self.request.user, decision=decision,
                        comment=body.validated_data["comment"], via=DecisionVia.API)
        return self.answer(approval)

    @extend_schema(request=DecisionBodySerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve your step (or, as a delegate, the step of the person you stand in for)."""
        return self.decide(Decision.APPROVE)

    @extend_schema(request=DecisionBodySerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject the request (``comment`` required): it ends, the document's department is told."""
        return self.decide(Decision.REJECT)

    @extend_schema(request=DecisionBodySerializer, responses=ApprovalRequestSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_changes(self, request: Request, pk: str | None = None) -> Response:
        """Return the request for changes (``comment`` required): the requester corrects the document and
        submits it again."""
        return self.decide(Decision.RETURN)


# Rules ----------------------------------------------------------------------------------------


class RuleConditionSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(max_length=60)
    operator = serializers.ChoiceField(choices=ConditionOperator.choices)
    value = serializers.CharField(max_length=500)


class RuleStepSerializer(serializers.Serializer[Any]):
    sequence = serializers.IntegerField(min_value=1, max_value=SMALL, default=1)
    kind = serializers.ChoiceField(choices=StepKind.choices)
    role = serializers.SlugRelatedField(slug_field="name", queryset=Group.objects.all(), required=False,
                                        allow_null=True)
    user = UserField(required=False, allow_null=True)
    required = serializers.IntegerField(min_value=1, max_value=SMALL, default=1)
    deadline_hours = serializers.IntegerField(min_value=1, max_value=LARGE, required=False, allow_null=True)
    reminder_hours = serializers.IntegerField(min_value=1, max_value=LARGE, required=False, allow_null=True)
    escalate_user = UserField(required=False, allow_null=True)
    escalate_role = serializers.SlugRelatedField(slug_field="name", queryset=Group.objects.all(), required=False,
                                                 allow_null=True)


class ApprovalRuleSerializer(serializers.ModelSerializer[ApprovalRule]):
    """An approval rule: for a document type (``type_key``), tried in ``priority`` order; its conditions
    all hold (none: always); its steps (same ``sequence``: in parallel) say who approves. Conditions and
    steps are replaced as a whole when written."""

    conditions = RuleConditionSerializer(many=True, required=False)
    steps = RuleStepSerializer(many=True)
    priority = serializers.IntegerField(min_value=0, max_value=LARGE, default=100)

    class Meta:
        model = ApprovalRule
        fields = ["id", "type_key", "name", "priority", "is_active", "conditions", "steps", "created_at"]
        read_only_fields = ["id", "created_at"]

    def create(self, validated_data: dict[str, Any]) -> ApprovalRule:
        user, company = actor_and_company(self)
        return approval_rule_save(company=company, actor=user, **self.rule_fields(validated_data, None))

    def update(self, instance: ApprovalRule, validated_data: dict[str, Any]) -> ApprovalRule:
        user, company = actor_and_company(self)
        return approval_rule_save(company=company, actor=user, rule=instance,
                                  **self.rule_fields(validated_data, instance))

    def rule_fields(self, data: dict[str, Any], rule: ApprovalRule | None) -> dict[str, Any]:
        """What the service takes; a partial update keeps what it does not name."""
        def current(name: str, default: Any) -> Any:
            return data[name] if name in data else (getattr(rule, name) if rule is not None else default)

        conditions = data.get("conditions")
        if conditions is None:
            conditions = [] if rule is None else [{"field": c.field, "operator": c.operator, "value": c.value}
                                                  for c in rule.conditions.all()]
        steps = data.get("steps")
        if steps is None:
            steps = [] if rule is None else [{name: getattr(step, name) for name in STEP_FIELDS}
                                             for step in rule.steps.all()]
        return {"type_key": current("type_key", ""), "name": current("name", ""),
                "priority": current("priority", 100), "is_active": current("is_active", True),
                "conditions": conditions, "steps": [dict(step) for step in steps]}


RULE_FILTERS = [
    OpenApiParameter("type", str, description="A document type key, e.g. sales.credit_exception"),
    OpenApiParameter("active", bool),
    OpenApiParameter("search", str, description="Part of the rule's name"),
]


@extend_schema_view(list=extend_schema(parameters=RULE_FILTERS))
class ApprovalRuleViewSet(ReloadAfterSaveMixin, DeleteOrDeactivateMixin, viewsets.ModelViewSet[ApprovalRule]):
    """Approval rules of the company, with their conditions and steps. DELETE removes a rule no request
    was made under (409 otherwise: set ``is_active`` false)."""

    queryset = ApprovalRule.objects.none()
    serializer_class = ApprovalRuleSerializer
    delete_service: ClassVar[Any] = staticmethod(approval_rule_delete)

    def get_queryset(self) -> QuerySet[ApprovalRule]:
        if self.fake():
            return ApprovalRule.objects.none()
        return rules_for_user(self.request.user)

    def filter_queryset(self, queryset: QuerySet[ApprovalRule]) -> QuerySet[ApprovalRule]:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        return rules_for_user(self.request.user, type_key=(params.get("type") or "").strip(),
                              active=parse_bool(params, "active"), search=(params.get("search") or "").strip())

