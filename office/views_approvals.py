"""The approval screens: "Waiting for my approval" (and every request one takes part in), a request's
page with its trail and the decision form, the rule editor with its preview, the delegation page.

Every view: the permission (``permission_required``), the scoped read (office.selectors.approvals,
``restrict``: another company's or someone else's request is a 404), one service call, a refusal
beside its field or above the form (never a 500)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from erp.document_screens.kinds import visible_documents
from erp.errors import DomainError
from erp.forms import show_error
from erp.history import history_for
from erp.permissions import permission_required, user_company
from erp.scoping import CHANGE
from office.approval_types import APPROVAL_TYPES, ApprovalType, approval_type, type_label
from office.forms_approvals import (
    ApprovalFilterForm,
    DecisionForm,
    DelegationForm,
    PreviewForm,
    RuleFilterForm,
    rule_forms,
)
from office.models import ApprovalDelegation, ApprovalRequest, ApprovalRule
from office.scoping import DELEGATE_FOR_ANYONE
from office.selectors.approvals import (
    delegations_for_user,
    open_seats,
    request_get_for_user,
    request_list_for_user,
    rules_for_user,
    standing_in_for,
    trail,
    waiting_count,
)
from office.services.approvals import (
    approval_decide,
    approval_rule_deactivate,
    approval_rule_preview,
    approval_rule_save,
    delegation_delete,
    delegation_save,
)
from office.status import DecisionVia

PAGE_SIZE = 25


# Requests ---------------------------------------------------------------------------------------


@permission_required("office.view_approvalrequest")
def approval_list(request: HttpRequest) -> HttpResponse:
    """What waits for the user's decision (the default), what they asked for, or every request they take
    part in; filtered by status, type and document. The list refreshes itself (htmx)."""
    filters = ApprovalFilterForm(request.GET or None)
    rows = request_list_for_user(request.user, **filters.values()).prefetch_related("steps__role", "steps__user")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "waiting": filters.values()["waiting"], "now": timezone.now()}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/approvals/partials/request_rows.html", context)
    return render(request, "office/approvals/request_list.html", context)


@permission_required("office.view_approvalrequest")
def approval_badge(request: HttpRequest) -> HttpResponse:
    """The header's count of requests waiting for the user's decision, polled by htmx."""
    return render(request, "office/approvals/partials/badge.html", {"approvals_waiting": waiting_count(request.user)})


def get_request(request: HttpRequest, pk: int) -> ApprovalRequest:
    try:
        return request_get_for_user(request.user, pk)
    except ApprovalRequest.DoesNotExist:
        raise Http404 from None


def document_link(user: Any, approval: ApprovalRequest) -> str:
    """The document's page, if the user may open it ("" otherwise: shown as text)."""
    kind = APPROVAL_TYPES.get(approval.type_key)
    model = approval.document_type.model_class()
    if kind is None or model is None:
        return ""
    found = visible_documents(user, model, [approval.document_id])
    if found is not None and approval.document_id not in found[1]:
        return ""
    document = model._default_manager.filter(pk=approval.document_id).first()
    return kind.url(document) if document is not None else ""


def detail_context(request: HttpRequest, approval: ApprovalRequest, form: DecisionForm | None = None,
                   errors: list[str] | None = None) -> dict[str, Any]:
    kind = APPROVAL_TYPES.get(approval.type_key)
    seats = open_seats(request.user, approval) if approval.is_pending else []
    return {
        "approval": approval, "type_label": type_label(approval.type_key), "kind": kind,
        "values": condition_values(kind, approval.values), "trail": trail(approval),
        "steps": list(approval.steps.all()), "document_url": document_link(request.user, approval),
        "can_decide": bool(seats), "on_behalf_of": seats[0].on_behalf_of if seats else None,
        "form": form or DecisionForm(), "errors": errors or [], "history": history_for(approval, user=request.user),
    }


def condition_values(kind: ApprovalType | None, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The values the request was submitted with, labelled by the type's fields (kind: for formats)."""
    if kind is None:
        return [{"label": name, "kind": "text", "text": value.get("text", "")} for name, value in values.items()]
    return [{"label": each.label, "kind": each.kind, "value": values.get(each.name, {}).get("value"),
             "text": values.get(each.name, {}).get("text", "")} for each in kind.fields]


@permission_required("office.view_approvalrequest")
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    approval = get_request(request, pk)
    return render(request, "office/approvals/request_detail.html", detail_context(request, approval))


@permission_required("office.view_approvalrequest")
@require_POST
def approval_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, reject (comment required) or return for changes (comment required): one service call; a
    refusal goes beside the comment or above the form, with a 400 (403 for someone who may not decide)."""
    approval = get_request(request, pk)
    form = DecisionForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            approval_decide(request=approval, actor=request.user, decision=form.cleaned_data["decision"],
                            comment=form.cleaned_data["comment"], via=DecisionVia.WEB)
        except DomainError as refusal:
            show_error(refusal, form, errors)
            status = refusal.http_status
        else:
            messages.success(request, _("Your decision on %(document)s is recorded.") % {
                "document": approval.reference})
            return redirect("office:approval_detail", pk=approval.pk)
    else:
        status = 400
    approval = get_request(request, pk)
    return render(request, "office/approvals/request_detail.html", detail_context(request, approval, form, errors),
                  status=status)


# Rules ----------------------------------------------------------------------------------------


@permission_required("office.view_approvalrule")
def approval_rule_list(request: HttpRequest) -> HttpResponse:
    filters = RuleFilterForm(request.GET or None)
    page = Paginator(rules_for_user(request.user, **filters.values()), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "type_label": type_label}
    if request.htmx and request.htmx.target == "results":
        return render(request, "office/approvals/partials/rule_rows.html", context)
    return render(request, "office/approvals/rule_list.html", context)


def get_rule(request: HttpRequest, pk: int) -> ApprovalRule:
    rule = rules_for_user(request.user).filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def chosen_type(key: str | None) -> ApprovalType | None:
    return APPROVAL_TYPES.get(key or "")


def rule_editor(request: HttpRequest, rule: ApprovalRule | None) -> HttpResponse:
    company = rule.company if rule is not None else user_company(request.user)
    kind = approval_type(rule.type_key) if rule is not None else chosen_type(
        request.POST.get("type_key") or request.GET.get("type"))
    if kind is None:  # a new rule: its type first (its condition fields depend on it)
        return render(request, "office/approvals/rule_type.html", {"types": sorted(
            APPROVAL_TYPES.values(), key=lambda each: each.key)})
    data = request.POST if request.method == "POST" else None
    form, conditions, steps = rule_forms(data, company=company, approval_type=kind, rule=rule)
    errors: list[str] = []
    status = 200
    if data is not None:
        if form.is_valid() and conditions.is_valid() and steps.is_valid() and company is not None:
            try:
                saved = approval_rule_save(
                    company=company, actor=request.user, rule=rule, type_key=kind.key,
                    name=form.cleaned_data["name"], priority=form.cleaned_data["priority"],
                    is_active=form.cleaned_data["is_active"],
                    conditions=[c for c in (each.condition() for each in conditions.forms) if c is not None],
                    steps=[s for s in (each.step() for each in steps.forms) if s is not None])
            except (DomainError, ValidationError) as refusal:
                show_error(refusal, form, errors)
            else:
                messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
                return redirect("office:approval_rule_list")
        status = 400
    return render(request, "office/approvals/rule_form.html", {
        "rule": rule, "kind": kind, "form": form, "conditions": conditions, "steps": steps, "errors": errors,
        "fields": kind.fields}, status=status)


@permission_required("office.add_approvalrule")
def approval_rule_create(request: HttpRequest) -> HttpResponse:
    return rule_editor(request, None)


@permission_required("office.change_approvalrule")
def approval_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return rule_editor(request, get_rule(request, pk))


@permission_required("office.change_approvalrule")
@require_POST
def approval_rule_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = approval_rule_deactivate(rule=get_rule(request, pk), actor=request.user)
    messages.success(request, _("Rule “%(name)s” deactivated: new requests no longer fall under it.") % {
        "name": rule.name})
    return redirect("office:approval_rule_list")


@permission_required("office.view_approvalrule")
def approval_rule_preview_view(request: HttpRequest) -> HttpResponse:
    """"Which steps would this order take?": a type, then a document's reference or the values of its
    condition fields (and a requester) → the rule that matches and its steps with their approvers."""
    company = user_company(request.user)
    kind = chosen_type(request.GET.get("type_key"))
    form = PreviewForm(request.GET if kind is not None else None, company=company, approval_type=kind,
                       initial={"type_key": next(iter(APPROVAL_TYPES), "")})
    preview, errors, status = None, [], 200
    if kind is not None and company is not None and form.is_valid():
        data = form.cleaned_data
        try:
            document = None
            if data["reference"]:
                document = kind.lookup(company, data["reference"]) if kind.lookup is not None else None
                if document is None:
                    raise DomainError(_("There is no document “%(reference)s”.") % {"reference": data["reference"]},
                                      field="reference")
            preview = approval_rule_preview(company=company, type_key=kind.key, document=document,
                                            values=form.typed_values(), requester=data["requester"])
        except DomainError as refusal:
            if refusal.field and f"value_{refusal.field}" in form.fields:
                refusal.field = f"value_{refusal.field}"
            show_error(refusal, form, errors)
            status = 400
    elif kind is not None:
        status = 400
    return render(request, "office/approvals/rule_preview.html", {
        "form": form, "kind": kind, "preview": preview, "errors": errors,
        "values": condition_values(kind, preview.values) if preview is not None else []}, status=status)


# Delegation ------------------------------------------------------------------------------------


@permission_required("office.view_approvaldelegation")
def approval_delegations(request: HttpRequest) -> HttpResponse:
    """The user's delegations (who decides for them while they are away, and for whom they decide), a
    form to set one; office staff and admins set anyone's."""
    company = user_company(request.user)
    for_anyone = request.user.has_perm(DELEGATE_FOR_ANYONE)
    may_add = request.user.has_perm("office.add_approvaldelegation")
    form = DelegationForm(request.POST if request.method == "POST" else None, company=company, user=request.user,
                          for_anyone=for_anyone)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied
        if form.is_valid() and company is not None:
            data = form.cleaned_data
            try:
                delegation_save(company=company, actor=request.user, user=data.get("user") or request.user,
                                delegate=data["delegate"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                                reason=data["reason"])
            except DomainError as refusal:
                show_error(refusal, form, errors)
            else:
                messages.success(request, _("Delegation saved."))
                return redirect("office:approval_delegations")
        status = 400
    rows = delegations_for_user(request.user, who=None if for_anyone else request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "office/approvals/delegations.html", {
        "page": page, "form": form, "errors": errors, "may_add": may_add,
        "standing_in_for": standing_in_for(request.user)}, status=status)


@permission_required("office.delete_approvaldelegation")
@require_POST
def approval_delegation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = ApprovalDelegation.objects.restrict(request.user).filter(pk=pk).first()
    if delegation is None:
        raise Http404
    if not ApprovalDelegation.objects.restrict(request.user, CHANGE).filter(pk=pk).exists():
        raise PermissionDenied
    delegation_delete(delegation=delegation, actor=request.user)
    messages.success(request, _("Delegation ended."))
    return redirect("office:approval_delegations")

