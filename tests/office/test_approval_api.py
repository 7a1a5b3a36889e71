"""/api/office/approval-requests/ and approval-rules/: filters, decisions (400 without a comment, 403 for
who may not decide, 404 out of scope, 409 when decided), rules with nested steps, a fixed number of
queries."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from office.models import ApprovalRequest, ApprovalRule
from office.services.approvals import approval_decide, approval_submit
from tests.conftest import warm_permissions
from tests.factories import UserFactory
from tests.office.approval_helpers import build_people, role_step, rule, sample_order
from tests.sampleapp.approvals import SAMPLE_APPROVAL

URL = "/api/office/"


@pytest.fixture
def people(db, roles):
    return build_people()


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")  # force_authenticate: the browser's language, not the user's, applies


def as_user(api, user):
    api.force_authenticate(user)
    return api


def submit(people, **kwargs):
    return approval_submit(document=sample_order(people, **kwargs), type_key=SAMPLE_APPROVAL,
                           actor=kwargs.get("by") or people.rep)


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_the_list_filters_by_status_type_waiting_for_me_and_requester(people, api):
    rule(people, [role_step()])
    first, second = submit(people), submit(people, by=people.rep2)
    approval_decide(request=second, actor=people.mgr1, decision="approve")

    as_user(api, people.mgr2)
    everything = api.get(URL + "approval-requests/")
    waiting = api.get(URL + "approval-requests/?mine=true")
    approved = api.get(URL + "approval-requests/?status=approved")
    of_rep2 = api.get(URL + f"approval-requests/?requester=rep2&type={SAMPLE_APPROVAL}")
    other_type = api.get(URL + "approval-requests/?type=sales.credit_exception")
    bad = api.get(URL + "approval-requests/?status=maybe")

    assert ids(everything) == [second.pk, first.pk]
    assert (ids(waiting), ids(approved), ids(of_rep2), ids(other_type)) == ([first.pk], [second.pk], [second.pk], [])
    assert (bad.status_code, list(bad.json())) == (400, ["status"])
    assert ids(as_user(api, people.rep).get(URL + "approval-requests/")) == [first.pk]  # their own only


def test_the_detail_has_the_values_steps_approvers_and_decisions(people, api):
    rule(people, [role_step(), {"sequence": 2, "kind": "manager"}])
    request = submit(people)
    approval_decide(request=request, actor=people.mgr1, decision="approve", comment="ok")

    body = as_user(api, people.rep).get(URL + f"approval-requests/{request.pk}/").json()

    assert (body["status"], body["document_type"], body["requester"], body["values"]["customer"]["value"]) == (
        "pending", "sampleapp.sampleorder", "rep", "C1")
    assert [(s["sequence"], s["status"], [a["user"] for a in s["approvers"]]) for s in body["steps"]] == [
        (1, "approved", ["mgr1", "mgr2", "mgr3"]), (2, "open", ["boss"])]
    assert [(d["decision"], d["decided_by"], d["on_behalf_of"], d["via"], d["comment"]) for d in body["decisions"]] == [
        ("approve", "mgr1", None, "web", "ok")]


def test_approve_reject_and_return_decide_through_the_engine(people, api):
    rule(people, [role_step()])
    approved, rejected, returned = submit(people), submit(people), submit(people)
    as_user(api, people.mgr1)

    ok = api.post(URL + f"approval-requests/{approved.pk}/approve/", {}, format="json")
    bare = api.post(URL + f"approval-requests/{rejected.pk}/reject/", {"comment": " "}, format="json")
    no = api.post(URL + f"approval-requests/{rejected.pk}/reject/", {"comment": "太貴"}, format="json")
    back = api.post(URL + f"approval-requests/{returned.pk}/return/", {"comment": "改數量"}, format="json")
    again = api.post(URL + f"approval-requests/{approved.pk}/approve/", {}, format="json")

    assert (ok.status_code, ok.json()["status"], ok.json()["decisions"][0]["via"]) == (200, "approved", "api")
    assert (bare.status_code, list(bare.json())) == (400, ["detail", "comment"])
    assert (no.status_code, no.json()["status"], no.json()["outcome_comment"]) == (200, "rejected", "太貴")
    assert (back.status_code, back.json()["status"]) == (200, "returned")
    assert (again.status_code, again.json()["detail"]) == (409, "This request was already decided: Approved.")


def test_who_may_not_decide_gets_403_and_who_may_not_see_gets_404(people, api):
    rule(people, [role_step()])
    request = submit(people)
    url = URL + f"approval-requests/{request.pk}/approve/"

    requester = as_user(api, people.rep).post(url, {}, format="json")
    outsider = as_user(api, people.rep2).post(url, {}, format="json")
    outsider_reads = api.get(URL + f"approval-requests/{request.pk}/")
    other_company = as_user(api, people.other["mgr"]).post(url, {}, format="json")
    sees_all = as_user(api, people.clerk).post(url, {}, format="json")  # office staff see every request

    assert (requester.status_code, requester.json()["detail"]) == (
        403, "You asked for this approval: someone else must decide it.")
    assert (outsider.status_code, outsider_reads.status_code, other_company.status_code) == (404, 404, 404)
    assert (sees_all.status_code, sees_all.json()["detail"]) == (403, "You are not an approver of this request.")
    assert ApprovalRequest.objects.get().status == "pending"


def test_an_anonymous_or_unpermitted_caller_is_refused(people, api):
    rule(people, [role_step()])
    request = submit(people)
    plain = UserFactory(username="plain", company=people.company)  # no role: no permission

    anonymous = api.get(URL + "approval-requests/")
    unpermitted = as_user(api, plain).get(URL + "approval-requests/")
    unpermitted_decides = api.post(URL + f"approval-requests/{request.pk}/approve/", {}, format="json")

    assert (anonymous.status_code, unpermitted.status_code, unpermitted_decides.status_code) == (401, 403, 403)


def test_the_list_takes_a_fixed_number_of_queries(people, api, django_assert_max_num_queries):
    rule(people, [role_step(), {"sequence": 2, "kind": "manager"}])
    submit(people)
    as_user(api, people.mgr1)
    warm_permissions(people.mgr1)
    api.get(URL + "approval-requests/")  # as a first request would have: the permission version read
    with django_assert_max_num_queries(9) as few:
        assert api.get(URL + "approval-requests/").status_code == 200
    for _ in range(6):
        request = submit(people)
        approval_decide(request=request, actor=people.mgr2, decision="approve")
    with django_assert_max_num_queries(9) as many:
        assert len(api.get(URL + "approval-requests/").json()["results"]) == 7

    assert len(many) == len(few)


# Rules ----------------------------------------------------------------------------------------


def rule_body(**changes):
    return {"type_key": SAMPLE_APPROVAL, "name": "大額", "priority": 5, "is_active": True,
            "conditions": [{"field": "total", "operator": "gte", "value": "1000"}],
            "steps": [{"sequence": 1, "kind": "role", "role": "Sales manager", "deadline_hours": 24,
                       "reminder_hours": 8, "escalate_user": "chair"},
                      {"sequence": 2, "kind": "any_n", "role": "Sales manager", "required": 2}], **changes}


def test_office_staff_create_change_and_delete_rules_with_their_steps(people, api):
    as_user(api, people.clerk)

    created = api.post(URL + "approval-rules/", rule_body(), format="json")
    pk = created.json()["id"]
    patched = api.patch(URL + f"approval-rules/{pk}/", {"name": "大額訂單"}, format="json")
    listed = api.get(URL + f"approval-rules/?type={SAMPLE_APPROVAL}&active=true&search=訂單")

    assert created.status_code == 201, created.json()
    assert [(s["kind"], s["role"], s["escalate_user"], s["required"]) for s in created.json()["steps"]] == [
        ("role", "Sales manager", "chair", 1), ("any_n", "Sales manager", None, 2)]
    assert (patched.status_code, patched.json()["name"], len(patched.json()["steps"])) == (200, "大額訂單", 2)
    assert [row["id"] for row in listed.json()["results"]] == [pk]
    approval_submit(document=sample_order(people, total="5000"), type_key=SAMPLE_APPROVAL, actor=people.rep)
    in_use = api.delete(URL + f"approval-rules/{pk}/")
    assert in_use.status_code == 409 and "deactivate it" in in_use.json()["detail"]
    unused = api.post(URL + "approval-rules/", rule_body(name="unused"), format="json").json()["id"]
    assert api.delete(URL + f"approval-rules/{unused}/").status_code == 204
    assert not ApprovalRule.objects.filter(pk=unused).exists()


@pytest.mark.parametrize("changes,field", [
    ({"steps": []}, "steps"),
    ({"steps": [{"kind": "role"}]}, "steps"),
    ({"steps": [{"kind": "role", "role": "No such role"}]}, "steps"),
    ({"conditions": [{"field": "colour", "operator": "eq", "value": "red"}]}, "conditions"),
    ({"type_key": "nothing.here"}, "type_key"),
    ({"name": ""}, "name"),
    ({"steps": [{"kind": "user", "user": "mgr-b"}]}, "steps"),  # another company's user: does not exist
])
def test_a_bad_rule_is_a_400_on_its_field(people, api, changes, field):
    response = as_user(api, people.clerk).post(URL + "approval-rules/", rule_body(**changes), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ApprovalRule.objects.filter(type_key=SAMPLE_APPROVAL).exists()


def test_rules_are_read_by_everyone_written_by_permission_and_scoped_to_the_company(people, api):
    theirs = rule(people, [role_step()], company=people.other["company"], name="別家")
    mine = rule(people, [role_step()], name="ours")

    rep_reads = as_user(api, people.rep).get(URL + "approval-rules/")
    rep_writes = api.post(URL + "approval-rules/", rule_body(), format="json")
    rep_changes = api.patch(URL + f"approval-rules/{mine.pk}/", {"name": "x"}, format="json")
    other = as_user(api, people.clerk).get(URL + f"approval-rules/{theirs.pk}/")
    other_write = api.patch(URL + f"approval-rules/{theirs.pk}/", {"name": "x"}, format="json")

    assert mine.pk in [row["id"] for row in rep_reads.json()["results"]]
    assert theirs.pk not in [row["id"] for row in rep_reads.json()["results"]]
    assert (rep_writes.status_code, rep_changes.status_code) == (403, 403)
    assert (other.status_code, other_write.status_code) == (404, 404)
    assert Group.objects.filter(name="Sales manager").exists()
