"""The approval engine's tables in the admin: to look, not to change (imported by office/admin.py).

Rules, requests, decisions and delegations change only through office.services.approvals (the rule
editor, the decision form, the delegation page, the API), which check what the database cannot: a
condition the document type can evaluate, a step somebody can approve, "never your own", no
overlapping delegations. Decisions are append-only."""

from __future__ import annotations

from django.contrib import admin

from erp.admin import ReadOnlyAdmin
from office import models as m


@admin.register(m.ApprovalRule)
class ApprovalRuleAdmin(ReadOnlyAdmin):
    list_display = ["name", "type_key", "priority", "is_active", "company"]
    list_filter = ["company", "type_key", "is_active"]
    search_fields = ["name", "type_key"]


@admin.register(m.ApprovalCondition)
class ApprovalConditionAdmin(ReadOnlyAdmin):
    list_display = ["rule", "field", "operator", "value"]
    list_filter = ["operator"]
    search_fields = ["rule__name", "field", "value"]


@admin.register(m.ApprovalRuleStep)
class ApprovalRuleStepAdmin(ReadOnlyAdmin):
    list_display = ["rule", "sequence", "kind", "role", "user", "required", "deadline_hours"]
    list_filter = ["kind"]
    search_fields = ["rule__name"]


@admin.register(m.ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["reference", "type_key", "requester", "status", "created_at", "decided_at"]
    list_filter = ["company", "status", "type_key"]
    search_fields = ["reference", "requester__username"]
    date_hierarchy = "created_at"


@admin.register(m.ApprovalStep)
class ApprovalStepAdmin(ReadOnlyAdmin):
    list_display = ["request", "sequence", "kind", "status", "opened_at", "due_at", "decided_at"]
    list_filter = ["status", "kind"]
    search_fields = ["request__reference"]


@admin.register(m.ApprovalStepApprover)
class ApprovalStepApproverAdmin(ReadOnlyAdmin):
    list_display = ["step", "user", "escalated", "decided", "added_at"]
    list_filter = ["escalated", "decided"]
    search_fields = ["user__username", "step__request__reference"]


@admin.register(m.ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdmin):
    list_display = ["request", "decision", "decided_by", "on_behalf_of", "via", "decided_at"]
    list_filter = ["decision", "via"]
    search_fields = ["request__reference", "decided_by__username", "comment"]


@admin.register(m.ApprovalDelegation)
class ApprovalDelegationAdmin(ReadOnlyAdmin):
    list_display = ["user", "delegate", "starts_on", "ends_on", "company"]
    list_filter = ["company"]
    search_fields = ["user__username", "delegate__username", "reason"]
