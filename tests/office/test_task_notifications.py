"""A task put in an inbox notifies the people it waits for (kind "office.task_assigned"): the user,
or every active member of the role or department in the task's company, in the assigning transaction,
in a fixed number of statements however many members."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from erp.errors import DomainError
from erp.models import Department
from office.models import Notification, Task
from office.services import task_assign, task_assign_once
from tests.factories import CompanyFactory, UserFactory

TASK_ASSIGNED = "office.task_assigned"


def notified(kind=TASK_ASSIGNED):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_task_for_a_user_notifies_the_user_with_a_link_to_the_task(company, make_user):
    boss, clerk = make_user("boss", "Manager"), make_user("clerk", "Sales", language="en")

    task = task_assign(company=company, title="Call the customer", user=clerk, actor=boss)

    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.actor) == (clerk, TASK_ASSIGNED, boss)
    assert notification.link == f"/office/tasks/{task.pk}/"
    assert notification.document_type.model_class() is Task
    with translation.override("en"):
        assert notification.display_text == "New task: Call the customer"


def test_a_task_for_a_role_notifies_its_active_members_in_the_company_but_not_the_one_who_assigned_it(
        company, make_user):
    keeper, keeper2, assigner = (make_user(name, "Warehouse") for name in ("keeper", "keeper2", "assigner"))
    make_user("retired", "Warehouse", is_active=False)
    make_user("seller", "Sales")
    UserFactory(username="far-keeper", company=CompanyFactory(code="OTHER"), roles=["Warehouse"])

    task_assign(company=company, title="Count aisle 3", role="Warehouse", actor=assigner)

    assert notified() == ["keeper", "keeper2"]


def test_a_task_for_a_department_notifies_its_members(company, make_user):
    plant = Department.objects.create(company=company, code="PLT", name="一廠")
    make_user("worker", "Production", department=plant)
    make_user("outsider", "Production")

    task_assign(company=company, title="Clean up", department=plant)

    assert notified() == ["worker"]


def test_a_role_fan_out_costs_the_same_statements_for_two_members_or_twelve(company, make_user):
    for n in range(2):
        make_user(f"few{n}", "Quality")
    for n in range(12):
        make_user(f"many{n}", "Production")

    def statements(role):
        with CaptureQueriesContext(connection) as queries:
            task_assign(company=company, title=f"Check {role}", role=role)
        return len(queries)

    assert statements("Quality") == statements("Production")
    assert Notification.objects.filter(kind=TASK_ASSIGNED).count() == 14


def test_an_existing_task_returned_by_its_key_notifies_nobody_again(company, make_user):
    make_user("keeper", "Warehouse")
    item_like = make_user("document-stand-in")  # any model instance can be the document

    _task, created = task_assign_once(company=company, title="Reorder", kind="tests.reorder", role="Warehouse",
                                      document=item_like)
    _again, created_again = task_assign_once(company=company, title="Reorder", kind="tests.reorder",
                                             role="Warehouse", document=item_like)

    assert (created, created_again) == (True, False)
    assert notified() == ["keeper"]


def test_a_refused_task_notifies_nobody(company, make_user):
    user = make_user("clerk")

    with pytest.raises(DomainError):
        task_assign(company=company, title="two assignees", user=user, role="Sales")

    assert Notification.objects.count() == 0
