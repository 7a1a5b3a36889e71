"""The approval screens: "Waiting for my approval" with its header count, the request page and its
decision form, the rule editor and its preview, delegation; every screen's permission matrix
(anonymous, no permission, another company, out of scope) and a fixed number of queries."""

import datetime
import html as html_lib

import pytest
from django.utils import timezone

from office.models import ApprovalDecision, ApprovalDelegation, ApprovalRequest, ApprovalRule
from office.services.approvals import approval_decide, approval_submit, delegation_save
from tests.conftest import warm_permissions
from tests.factories import UserFactory
from tests.office.approval_helpers import build_people, role, role_step, rule, sample_order
from tests.sampleapp.approvals import SAMPLE_APPROVAL


@pytest.fixture
def people(db, roles):
    return build_people()


@pytest.fixture
def world(people):
    """A rule and a pending request of the rep's, waiting for the sales managers."""
    people.rule = rule(people, [role_step(deadline_hours=4)], name="Managers approve")
    people.request = approval_submit(document=sample_order(people), type_key=SAMPLE_APPROVAL, actor=people.rep)
    return people


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return html_lib.unescape(response.content.decode())


# The permission matrix -------------------------------------------------------------------------


def screen_urls(world):
    request, rule_ = world.request.pk, world.rule.pk
    today = timezone.localdate()
    delegation = delegation_save(company=world.company, actor=world.mgr1, user=world.mgr1, delegate=world.mgr2,
                                 starts_on=today, ends_on=today)
    return {
        "list": ("get", "/office/approvals/"),
        "badge": ("get", "/office/approvals/badge/"),
        "detail": ("get", f"/office/approvals/{request}/"),
        "decide": ("post", f"/office/approvals/{request}/decide/"),
        "rules": ("get", "/office/approvals/rules/"),
        "rule_new": ("get", "/office/approvals/rules/new/"),
        "rule_edit": ("get", f"/office/approvals/rules/{rule_}/edit/"),
        "rule_deactivate": ("post", f"/office/approvals/rules/{rule_}/deactivate/"),
        "preview": ("get", "/office/approvals/rules/preview/"),
        "delegations": ("get", "/office/approvals/delegations/"),
        "delegation_end": ("post", f"/office/approvals/delegations/{delegation.pk}/end/"),
    }


def call(client, method, url):
    return client.post(url, {"decision": "approve"}) if method == "post" else client.get(url)


def test_anonymous_users_are_sent_to_sign_in(world, client):
    for name, (method, url) in screen_urls(world).items():
        response = call(client, method, url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name


def test_users_without_the_permission_get_403(world, client):
    client.force_login(UserFactory(username="plain", company=world.company))  # no role
    for name, (method, url) in screen_urls(world).items():
        assert call(client, method, url).status_code == 403, name


def test_a_rep_reads_rules_but_may_not_edit_them(world, client):
    urls = screen_urls(world)
    client.force_login(world.rep2)

    assert client.get(urls["rules"][1]).status_code == 200
    assert client.get(urls["preview"][1]).status_code == 200
    for name in ("rule_new", "rule_edit", "rule_deactivate"):
        assert call(client, *urls[name]).status_code == 403, name
    assert ApprovalRule.objects.get(pk=world.rule.pk).is_active


def test_another_companys_users_get_404_on_every_object(world, client):
    urls = screen_urls(world)
    client.force_login(UserFactory(username="root-b", company=world.other["company"], roles=["System admin"]))

    for name in ("detail", "decide", "rule_edit", "rule_deactivate", "delegation_end"):
        assert call(client, *urls[name]).status_code == 404, name
    assert ApprovalRequest.objects.get().status == "pending" and ApprovalRule.objects.get(pk=world.rule.pk).is_active


def test_a_colleague_not_part_of_a_request_gets_404(world, client):
    urls = screen_urls(world)
    client.force_login(world.rep2)

    assert call(client, *urls["detail"]).status_code == 404
    assert call(client, *urls["decide"]).status_code == 404
    assert call(client, *urls["delegation_end"]).status_code == 404  # another user's delegation
    assert ApprovalDecision.objects.count() == 0 and ApprovalDelegation.objects.count() == 1


# Waiting for my approval -----------------------------------------------------------------------


def test_waiting_for_my_approval_lists_it_with_the_count_in_the_header(world, client):
    client.force_login(world.mgr1)

    html = page(client, "/office/approvals/")
    badge = page(client, "/office/approvals/badge/")
    home = page(client, "/")

    assert f"/office/approvals/{world.request.pk}/" in html and "Sample order approval" in html
    assert 'id="approvals-count" data-count="1"' in badge
    assert 'id="approvals-count" data-count="1"' in home and 'hx-get="/office/approvals/badge/"' in home
    client.force_login(world.rep)
    assert 'data-count="0"' in page(client, "/office/approvals/badge/")
    assert f"/office/approvals/{world.request.pk}/" in page(client, "/office/approvals/", show="mine")
    assert f"/office/approvals/{world.request.pk}/" not in page(client, "/office/approvals/")


def test_the_list_filters_and_pages(world, client):
    for _ in range(26):
        approval_submit(document=sample_order(world), type_key=SAMPLE_APPROVAL, actor=world.rep)
    client.force_login(world.mgr1)

    first = page(client, "/office/approvals/")
    second = page(client, "/office/approvals/", page=2)
    approved = page(client, "/office/approvals/", show="all", status="approved")
    partial = client.get("/office/approvals/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    assert first.count('class="approval-link"') == 25 and second.count('class="approval-link"') == 2
    assert approved.count('class="approval-link"') == 0
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_the_list_runs_the_same_queries_for_2_or_20_requests(world, client, django_assert_max_num_queries):
    client.force_login(world.mgr1)
    warm_permissions(world.mgr1)
    client.get("/office/approvals/")
    approval_submit(document=sample_order(world), type_key=SAMPLE_APPROVAL, actor=world.rep)
    with django_assert_max_num_queries(20) as few:
        client.get("/office/approvals/")
    for _ in range(18):
        approval_submit(document=sample_order(world), type_key=SAMPLE_APPROVAL, actor=world.rep2)
    with django_assert_max_num_queries(20) as many:
        assert page(client, "/office/approvals/").count('class="approval-link"') == 20

    assert len(many) == len(few)


# The request page and the decision ---------------------------------------------------------------


def test_the_request_page_shows_values_steps_trail_and_the_decision_form_to_an_approver(world, client):
    client.force_login(world.mgr1)
    html = page(client, f"/office/approvals/{world.request.pk}/")

    assert 'id="decision-form"' in html and 'id="approval-steps"' in html and 'id="approval-values"' in html
    assert "Submitted by rep." in html and "mgr1, mgr2, mgr3" in html
    client.force_login(world.rep)
    assert 'id="decision-form"' not in page(client, f"/office/approvals/{world.request.pk}/")


def test_approving_on_the_page_records_the_decision(world, client):
    client.force_login(world.mgr2)

    response = client.post(f"/office/approvals/{world.request.pk}/decide/", {"decision": "approve", "comment": "好"})

    assert response.status_code == 302
    decision = ApprovalDecision.objects.get()
    assert (decision.decided_by, decision.via, decision.comment) == (world.mgr2, "web", "好")
    html = page(client, response["Location"])
    assert 'data-status="approved"' in html and 'id="decision-form"' not in html


@pytest.mark.parametrize("decision", ["reject", "return"])
def test_reject_and_return_without_a_comment_come_back_beside_the_field(world, client, decision):
    client.force_login(world.mgr2)

    response = client.post(f"/office/approvals/{world.request.pk}/decide/", {"decision": decision, "comment": ""})

    html = html_lib.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Say why in a comment: the requester reads it." in html and "invalid-feedback" in html
    assert ApprovalDecision.objects.count() == 0


def test_someone_who_may_see_but_not_decide_gets_403_with_the_reason(world, client):
    client.force_login(world.rep)  # the requester

    response = client.post(f"/office/approvals/{world.request.pk}/decide/", {"decision": "approve"})

    assert response.status_code == 403
    assert "someone else must decide it" in html_lib.unescape(response.content.decode())
    assert ApprovalDecision.objects.count() == 0


def test_deciding_twice_from_the_page_is_refused_clearly(world, client):
    client.force_login(world.mgr2)
    client.post(f"/office/approvals/{world.request.pk}/decide/", {"decision": "approve"})
    client.force_login(world.chair)  # sees every request (Manager); not an approver either way

    response = client.post(f"/office/approvals/{world.request.pk}/decide/", {"decision": "approve"})

    assert response.status_code == 409
    assert "This request was already decided" in html_lib.unescape(response.content.decode())


def test_a_delegate_sees_and_decides_on_behalf(world, client):
    today = timezone.localdate()
    delegation_save(company=world.company, actor=world.mgr1, user=world.mgr1, delegate=world.clerk,
                    starts_on=today, ends_on=today + datetime.timedelta(days=2))
    for manager in (world.mgr2, world.mgr3):
        manager.groups.clear()  # only mgr1's seat is left to decide… mgr1 is away
    client.force_login(world.clerk)

    html = page(client, f"/office/approvals/{world.request.pk}/")
    assert 'id="on-behalf-of"' in html and "on behalf of mgr1" in html
    client.post(f"/office/approvals/{world.request.pk}/decide/", {"decision": "approve"})

    assert ApprovalDecision.objects.get().on_behalf_of == world.mgr1


# Rules: the editor and the preview ---------------------------------------------------------------


def rule_post(**changes):
    data = {
        "type_key": SAMPLE_APPROVAL, "name": "大額", "priority": "5", "is_active": "on",
        "conditions-TOTAL_FORMS": "2", "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "total", "conditions-0-operator": "gte", "conditions-0-value": "1000",
        "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0",
        "steps-0-sequence": "1", "steps-0-kind": "role", "steps-0-role": str(role("Sales manager").pk),
        "steps-0-deadline_hours": "24",
        "steps-1-sequence": "2", "steps-1-kind": "manager",
    }
    data.update(changes)
    return data


def test_office_staff_create_a_rule_with_conditions_and_steps(world, client):
    client.force_login(world.clerk)
    assert "rule-types" in page(client, "/office/approvals/rules/new/")  # the type first
    assert 'id="rule-steps"' in page(client, "/office/approvals/rules/new/", type=SAMPLE_APPROVAL)

    response = client.post("/office/approvals/rules/new/", rule_post())

    assert response.status_code == 302
    made = ApprovalRule.objects.get(name="大額")
    assert [(c.field, c.operator, c.value) for c in made.conditions.all()] == [("total", "gte", "1000")]
    assert [(s.sequence, s.kind, s.deadline_hours) for s in made.steps.all()] == [(1, "role", 24), (2, "manager", None)]
    assert "大額" in page(client, "/office/approvals/rules/")


def test_a_rule_the_engine_could_not_follow_comes_back_with_the_reason(world, client):
    client.force_login(world.clerk)

    no_role = client.post("/office/approvals/rules/new/", rule_post(**{"steps-0-role": ""}))
    bad_value = client.post("/office/approvals/rules/new/", rule_post(**{"conditions-0-value": "lots"}))
    no_name = client.post("/office/approvals/rules/new/", rule_post(name=""))

    assert no_role.status_code == bad_value.status_code == no_name.status_code == 400
    assert "Step 1: choose the role." in html_lib.unescape(no_role.content.decode())
    assert "Total is compared with a number, not “lots”." in html_lib.unescape(bad_value.content.decode())
    assert not ApprovalRule.objects.filter(name="大額").exists()


def test_editing_and_deactivating_a_rule(world, client):
    client.force_login(world.clerk)
    form = page(client, f"/office/approvals/rules/{world.rule.pk}/edit/")
    assert 'value="Managers approve"' in form

    client.post(f"/office/approvals/rules/{world.rule.pk}/edit/", rule_post(name="Changed"))
    client.post(f"/office/approvals/rules/{world.rule.pk}/deactivate/")

    world.rule.refresh_from_db()
    assert (world.rule.name, world.rule.is_active, world.rule.steps.count()) == ("Changed", False, 2)


def test_the_preview_says_which_steps_values_or_a_document_would_take(world, client):
    rule(world, [role_step("Manager")], name="Big ones", priority=1,
         conditions=[{"field": "total", "operator": "gt", "value": "500"}])
    client.force_login(world.rep2)

    by_values = page(client, "/office/approvals/rules/preview/", type_key=SAMPLE_APPROVAL, value_total="600")
    small = page(client, "/office/approvals/rules/preview/", type_key=SAMPLE_APPROVAL, value_total="5")
    document = page(client, "/office/approvals/rules/preview/", type_key=SAMPLE_APPROVAL,
                    reference=str(world.request.document_id))
    unknown = client.get("/office/approvals/rules/preview/", {"type_key": SAMPLE_APPROVAL, "reference": "NOPE"})
    not_a_number = client.get("/office/approvals/rules/preview/", {"type_key": SAMPLE_APPROVAL, "value_total": "x"})

    assert "Rule “Big ones”" in by_values and "chair" in by_values
    assert "Rule “Managers approve”" in small and "mgr1, mgr2, mgr3" in small
    assert "Rule “Managers approve”" in document
    assert unknown.status_code == 400 and "There is no document “NOPE”." in html_lib.unescape(unknown.content.decode())
    assert not_a_number.status_code == 400 and "Enter a number." in not_a_number.content.decode()
    assert ApprovalRequest.objects.count() == 1


# Delegation ------------------------------------------------------------------------------------


def test_a_user_sets_their_own_delegation_and_ends_it(world, client):
    today = timezone.localdate()
    client.force_login(world.mgr1)

    response = client.post("/office/approvals/delegations/", {
        "delegate": world.mgr2.pk, "starts_on": today.isoformat(), "ends_on": today.isoformat(),
        "user": world.chair.pk})  # the user field is not theirs to choose: ignored

    delegation = ApprovalDelegation.objects.get()
    assert response.status_code == 302 and (delegation.user, delegation.delegate) == (world.mgr1, world.mgr2)
    client.force_login(world.mgr2)
    assert "Today you decide approvals on behalf of mgr1." in page(client, "/office/approvals/delegations/")
    assert client.post(f"/office/approvals/delegations/{delegation.pk}/end/").status_code == 403  # the delegate
    client.force_login(world.mgr1)
    client.post(f"/office/approvals/delegations/{delegation.pk}/end/")
    assert not ApprovalDelegation.objects.exists()


def test_office_staff_set_anyones_delegation_and_bad_dates_come_back(world, client):
    today = timezone.localdate()
    client.force_login(world.clerk)

    made = client.post("/office/approvals/delegations/", {
        "user": world.mgr1.pk, "delegate": world.mgr3.pk, "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=3)).isoformat()})
    backwards = client.post("/office/approvals/delegations/", {
        "user": world.mgr2.pk, "delegate": world.mgr3.pk, "starts_on": today.isoformat(),
        "ends_on": (today - datetime.timedelta(days=3)).isoformat()})

    assert made.status_code == 302 and ApprovalDelegation.objects.get().user == world.mgr1
    assert backwards.status_code == 400
    assert "The last day comes on or after the first." in html_lib.unescape(backwards.content.decode())


def test_the_documents_page_shows_its_approval_trail(world, client):
    approval_decide(request=world.request, actor=world.mgr1, decision="return", comment="改數量")
    from erp.registry import document_panels
    from tests.sampleapp.models import SampleOrder

    order = SampleOrder.objects.get(pk=world.request.document_id)
    panels = {panel.template: panel.context for panel in document_panels(world.rep, order)}

    context = panels["office/panels/approvals.html"]
    assert [(r.status, r.openable) for r in context["approval_requests"]] == [("returned", True)]
    assert [entry.what for entry in context["approval_requests"][0].trail] == ["submitted", "opened", "return"]
