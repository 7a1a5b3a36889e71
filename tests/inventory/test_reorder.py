"""The reorder scan: one open warehouse task (kind ``inventory.reorder``) and one announcement per
low item, held by the task's unique key rather than a search of its title, also when scans run at
the same time."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from erp.models import OutboxEvent
from inventory import status as st
from inventory.models import UnitOfMeasure
from inventory.services import masterdata
from inventory.services.reorder import REORDER_TASK, reorder_scan
from inventory.services.stock import MoveSpec, post_moves
from inventory.signals import reorder_needed
from office.models import Task
from office.services import task_assign, task_close
from office.status import TaskStatus
from tests.factories import CompanyFactory, UserFactory


def test_the_reorder_task_has_its_kind_and_a_plain_title(inv):
    inv.receive(inv.screw, "4", inv.a1)  # reorder point 10

    with translation.override("en"):
        reorder_scan(company=inv.company)

    task = Task.objects.get()
    assert (task.kind, task.status, task.document, task.source_event) == (
        REORDER_TASK, TaskStatus.OPEN, inv.screw, None)
    assert task.title.startswith("SCR-M3 M3 螺絲 需補貨：可用 4，")  # the site's language, for searches
    with translation.override("en"):
        assert task.display_title == "Reorder SCR-M3 M3 螺絲: 4 available, reorder point 10"


def test_an_item_is_announced_again_once_its_reorder_task_is_closed(inv):
    inv.receive(inv.screw, "4", inv.a1)
    assert reorder_scan(company=inv.company) == 1

    task_close(task=Task.objects.get(), actor=inv.admin)

    assert reorder_scan(company=inv.company) == 1
    assert reorder_scan(company=inv.company) == 0
    assert Task.objects.filter(kind=REORDER_TASK, status=TaskStatus.OPEN).count() == 1
    assert OutboxEvent.objects.filter(name=reorder_needed.name).count() == 2


def test_a_task_about_the_item_that_is_not_a_reorder_task_does_not_stop_the_scan(inv):
    inv.receive(inv.screw, "4", inv.a1)
    task_assign(company=inv.company, role="Warehouse", document=inv.screw, title="[REORDER] by hand, no kind")

    assert reorder_scan(company=inv.company) == 1
    assert Task.objects.filter(kind=REORDER_TASK).count() == 1


@pytest.mark.django_db(transaction=True)
def test_scans_running_at_once_announce_each_item_once():
    company = CompanyFactory(code="RACE")
    masterdata.units_seed(company=company)
    pcs = UnitOfMeasure.objects.get(company=company, code="PCS")
    user = UserFactory(username="racer", company=company, is_superuser=True)
    UserFactory(username="keeper", company=company, roles=["Warehouse"])
    warehouse = masterdata.warehouse_create(company=company, code="WH", name="WH")
    bin_a = masterdata.location_create(warehouse=warehouse, code="A", name="A")
    items = [masterdata.item_create(company=company, code=f"IT{n}", name=f"item {n}", base_unit=pcs,
                                    reorder_point=Decimal("10")) for n in range(3)]
    post_moves(company=company, actor=user, specs=[
        MoveSpec(item=item, location=bin_a, quantity=Decimal("2"), move_type=st.MoveType.RECEIPT,
                 unit_cost=Decimal("1")) for item in items])
    barrier = threading.Barrier(4)
    announced, errors = [], []

    def scan() -> None:
        try:
            barrier.wait(timeout=30)
            announced.append(reorder_scan(company=company))
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(announced) == 3
    assert sorted(Task.objects.filter(kind=REORDER_TASK, status=TaskStatus.OPEN)
                  .values_list("document_id", flat=True)) == sorted(item.pk for item in items)
    assert OutboxEvent.objects.filter(name=reorder_needed.name).count() == 3
