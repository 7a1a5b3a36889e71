"""office.sql: the tasks' reference update does what the ORM formulation does."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from erp.models import Company
from office import sql
from office.models import Task
from office.status import TaskStatus
from tests.factories import UserFactory


@pytest.mark.django_db
def test_tasks_follow_reference_is_the_orm_select_and_update():
    company = Company.objects.create(code="OSQ", name="辦公")
    user = UserFactory(company=company)
    document_type = ContentType.objects.get_for_model(Company)
    common = {"company": company, "assignee_user": user, "document_type": document_type, "document_id": company.pk}
    Task.objects.create(title="old ref", document_reference="Draft 1", **common)
    Task.objects.create(title="waits", document_reference="SO-1", close_on_status="posted", **common)
    Task.objects.create(title="done", document_reference="SO-1", close_on_status="posted", status=TaskStatus.DONE,
                        closed_at=timezone.now(), **common)
    Task.objects.create(title="other document", document_type=document_type, document_id=company.pk + 1,
                        company=company, assignee_user=user, document_reference="X")

    def orm():
        tasks = Task.objects.filter(document_type=document_type, document_id=company.pk)
        touched = [t for t in tasks.order_by("pk") if t.document_reference != "SO-1"
                   or (t.status == TaskStatus.OPEN and t.close_on_status == "posted")]
        rows = [(t.pk, t.document_reference, t.title, t.status == TaskStatus.OPEN and t.close_on_status == "posted")
                for t in touched]
        Task.objects.filter(pk__in=[t.pk for t in touched]).update(document_reference="SO-1")
        return rows, sorted(Task.objects.values_list("title", "document_reference"))

    with transaction.atomic():
        expected = orm()
        transaction.set_rollback(True)
    rows = sql.tasks_follow_reference(document_type_id=document_type.pk, document_id=company.pk, reference="SO-1",
                                      open_status=TaskStatus.OPEN, status="posted")
    assert (sorted(rows), sorted(Task.objects.values_list("title", "document_reference"))) == expected
