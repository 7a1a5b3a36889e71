"""The task inbox: assigned by any service to a user, a role or a department, linked to a
document, closing itself when the document reaches the awaited status, or closed by hand."""

import pytest
from django.contrib.auth.models import Group

from erp.errors import DomainError
from erp.models import Department
from office.models import Task
from office.selectors import inbox_count, inbox_for_user, tasks_about
from office.services import task_assign, task_close
from tests.factories import CompanyFactory
from tests.sampleapp.models import SampleOrder
from tests.sampleapp.services import sample_order_confirm, sample_order_create


@pytest.fixture
def warehouse_dept(company):
    return Department.objects.create(company=company, code="WH", name="倉儲部")


@pytest.fixture
def people(make_user, warehouse_dept):
    return {
        "keeper": make_user("keeper", "Warehouse", department=warehouse_dept),
        "keeper2": make_user("keeper2", "Warehouse"),
        "sales": make_user("seller", "Sales"),
        "boss": make_user("boss", "Manager"),
    }


def test_the_inbox_holds_the_users_own_their_roles_and_their_departments_tasks_newest_first(
    company, people, warehouse_dept
):
    own = task_assign(company=company, title="own", user=people["keeper"])
    by_role = task_assign(company=company, title="role", role="Warehouse")
    by_dept = task_assign(company=company, title="department", department=warehouse_dept)
    task_assign(company=company, title="someone else's", user=people["sales"])
    task_assign(company=company, title="another role", role="Finance")

    assert list(inbox_for_user(people["keeper"])) == [by_dept, by_role, own]
    assert list(inbox_for_user(people["keeper2"])) == [by_role]
    assert inbox_count(people["keeper"]) == 3


def test_tasks_of_another_company_never_show(company, people):
    other = CompanyFactory(code="OTHER")
    task_assign(company=other, title="elsewhere", role="Warehouse")

    assert inbox_count(people["keeper"]) == 0


def test_a_task_needs_exactly_one_assignee(company, people):
    with pytest.raises(DomainError):
        task_assign(company=company, title="nobody")
    with pytest.raises(DomainError):
        task_assign(company=company, title="two", user=people["keeper"], role="Warehouse")
    assert Task.objects.count() == 0


def test_a_task_about_a_document_closes_when_the_document_reaches_the_awaited_status(company, people):
    order = sample_order_create(company=company, actor=people["sales"])
    task = task_assign(
        company=company, title="Confirm the order", role="Sales", document=order, close_on_status="confirmed"
    )
    unrelated = task_assign(company=company, title="Ship it", role="Warehouse", document=order,
                            close_on_status="delivered")

    sample_order_confirm(order=order, actor=people["sales"])

    task.refresh_from_db()
    unrelated.refresh_from_db()
    assert (task.status, task.closed_by) == ("done", people["sales"])
    assert order.number in task.close_note
    assert task.document_reference == order.number  # the draft reference became the number
    assert unrelated.status == "open"
    assert task.document == SampleOrder.objects.get(pk=order.pk)


def test_the_task_keeps_the_documents_reference_from_when_it_was_assigned(company, people):
    order = sample_order_confirm(order=sample_order_create(company=company, actor=people["sales"]),
                                 actor=people["sales"])

    task = task_assign(company=company, title=f"Deliver {order.number}", role="Warehouse", document=order)

    assert task.document_reference == order.number


def test_a_task_is_closed_by_hand_once_and_only_by_someone_it_concerns(company, people):
    task = task_assign(company=company, title="Count bin A-01", role="Warehouse", actor=people["boss"])

    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        task_close(task=task, actor=people["sales"])
    task_close(task=task, actor=people["keeper2"], note="counted")
    with pytest.raises(DomainError):
        task_close(task=task, actor=people["keeper2"])

    task.refresh_from_db()
    assert (task.status, task.closed_by, task.close_note) == ("done", people["keeper2"], "counted")


# Screens -----------------------------------------------------------------------------------


def test_a_user_creates_a_task_by_hand_for_a_role_and_the_role_sees_it(client, company, people):
    client.force_login(people["sales"])

    response = client.post(
        "/office/tasks/new/",
        {"title": "請確認 A 客戶交期", "assignee_role": Group.objects.get(name="Warehouse").pk, "priority": "high"},
    )

    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/office/tasks/{task.pk}/"
    assert (task.created_by, task.assignee_role.name, task.priority) == (people["sales"], "Warehouse", "high")
    client.force_login(people["keeper2"])
    assert "請確認 A 客戶交期" in client.get("/office/").content.decode()


def test_the_form_refuses_two_assignees_with_a_message_beside_the_fields(client, people):
    client.force_login(people["sales"])

    response = client.post(
        "/office/tasks/new/",
        {"title": "x", "assignee_user": people["keeper"].pk, "assignee_role": Group.objects.get(name="Sales").pk,
         "priority": "normal"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["assignee_user"]
    assert Task.objects.count() == 0


def test_the_form_offers_only_colleagues_of_the_same_company(client, people):
    from tests.factories import UserFactory

    outsider = UserFactory(username="outsider", company=CompanyFactory(code="ELSE"))
    client.force_login(people["sales"])

    response = client.post("/office/tasks/new/", {"title": "x", "assignee_user": outsider.pk, "priority": "normal"})

    assert response.status_code == 200
    assert "assignee_user" in response.context["form"].errors
    assert Task.objects.count() == 0


def test_the_header_badge_and_the_list_partial_show_a_new_task_without_a_reload(client, company, people):
    client.force_login(people["keeper"])
    assert 'data-count="0"' in client.get("/office/inbox/badge/").content.decode()

    task_assign(company=company, title="Pick SO-2026-000123", role="Warehouse")

    badge = client.get("/office/inbox/badge/").content.decode()
    partial = client.get("/office/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-list")
    assert 'data-count="1"' in badge
    assert "Pick SO-2026-000123" in partial.content.decode()
    assert "<html" not in partial.content.decode()  # just the fragment htmx swaps in


def test_the_pages_poll_every_four_seconds(client, people):
    client.force_login(people["keeper"])

    page = client.get("/office/").content.decode()

    assert 'hx-trigger="every 4s"' in page.split('id="inbox-badge"')[1][:200]  # the header badge
    assert 'hx-trigger="every 4s"' in page  # the task list


def test_closing_a_task_by_hand_from_its_page(client, company, people):
    task = task_assign(company=company, title="Label pallets", user=people["keeper"])
    client.force_login(people["keeper"])

    response = client.post(f"/office/tasks/{task.pk}/close/", {"status": "done", "note": "ok"})
    page_url = f"/office/tasks/{task.pk}/"
    second = client.post(f"/office/tasks/{task.pk}/close/", {"status": "done"}, HTTP_REFERER=page_url)

    task.refresh_from_db()
    assert response.status_code == 302
    assert task.status == "done"
    assert second.status_code == 302  # the domain error comes back as a message, not a 500
    page = client.get(f"/office/tasks/{task.pk}/").content.decode()
    assert "ok" in page


def test_a_task_of_someone_else_is_not_found(client, company, people):
    task = task_assign(company=company, title="private", user=people["sales"])
    client.force_login(people["keeper"])

    assert client.get(f"/office/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/office/tasks/{task.pk}/close/", {"status": "done"}).status_code == 404


def test_the_inbox_filters_and_paginates(client, company, people):
    for n in range(30):
        task_assign(company=company, title=f"task {n:02d}", user=people["keeper"])
    task_close(task=Task.objects.get(title="task 00"), actor=people["keeper"])
    client.force_login(people["keeper"])

    first_page = client.get("/office/")
    done = client.get("/office/?status=done")
    search = client.get("/office/?status=all&q=task 1")

    assert len(first_page.context["page"]) == 25
    assert first_page.context["page"].paginator.count == 29
    assert [t.title for t in done.context["page"]] == ["task 00"]
    assert search.context["page"].paginator.count == 10


def test_the_inbox_runs_a_fixed_number_of_queries_whatever_the_number_of_tasks(
    client, company, people, django_assert_max_num_queries
):
    client.force_login(people["keeper"])
    for n in range(3):
        task_assign(company=company, title=f"a{n}", role="Warehouse")
    with django_assert_max_num_queries(12) as few:
        client.get("/office/")
    for n in range(40):
        task_assign(company=company, title=f"b{n}", user=people["keeper"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/office/")


def test_the_home_page_shows_roles_modules_and_inbox(client, company, people, django_assert_max_num_queries):
    task_assign(company=company, title="Check the dock", role="Warehouse")
    client.force_login(people["keeper"])

    page = client.get("/").content.decode()

    assert "Check the dock" in page
    assert "/office/" in page


def test_the_tasks_about_a_document_include_those_of_its_related_documents_through_an_index(company, people):
    order = sample_order_create(company=company, actor=people["sales"])
    other = sample_order_create(company=company, actor=people["sales"])
    third = sample_order_create(company=company, actor=people["sales"])
    own = task_assign(company=company, title="Confirm", role="Sales", document=order)
    related = task_assign(company=company, title="Ship", role="Warehouse", document=other)
    task_assign(company=company, title="Unrelated", role="Warehouse", document=third)

    tasks = tasks_about(order, [SampleOrder.objects.filter(pk=other.pk)])

    assert list(tasks) == [own, related]
    # = ANY(ARRAY(subquery)), not IN (subquery): inside an OR, PostgreSQL filters every task row
    # with a hashed IN, while the array lets the (document type, document id) index serve each branch
    sql = str(tasks.query)
    assert "= ANY(ARRAY(SELECT" in sql and "IN (SELECT" not in sql


def test_the_api_answers_alike_for_another_companys_username_and_a_missing_one(company, people, make_user):
    from rest_framework.test import APIClient

    other = CompanyFactory(code="OTHER", name="別家公司")
    make_user("outsider", "Warehouse", company=other)
    Department.objects.create(company=other, code="QA", name="品保部")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(people["keeper"])

    answers = {name: api.post("/api/office/tasks/", {"title": "x", field: name}, format="json")
               for field, name in (("assignee_user", "outsider"), ("assignee_user", "nobody-at-all"),
                                   ("assignee_department", "QA"), ("assignee_department", "NOPE"))}

    assert {name: (r.status_code, r.json()) for name, r in answers.items()} == {
        "outsider": (400, {"assignee_user": ["Object with username=outsider does not exist."]}),
        "nobody-at-all": (400, {"assignee_user": ["Object with username=nobody-at-all does not exist."]}),
        "QA": (400, {"assignee_department": ["Object with code=QA does not exist."]}),
        "NOPE": (400, {"assignee_department": ["Object with code=NOPE does not exist."]}),
    }
    assert Task.objects.count() == 0
