"""Stock below its reorder point reaches the warehouse as a notification: the reorder scan assigns its
task to the Warehouse role, and the task-assigned notification goes to the role's members, once per
open task."""

from django.utils import translation

from inventory.services.reorder import reorder_scan
from office.models import Notification, Task


def test_an_item_below_its_reorder_point_notifies_the_warehouse_once(inv):
    inv.receive(inv.screw, "4", inv.a1)  # reorder point 10

    reorder_scan(company=inv.company)
    reorder_scan(company=inv.company)  # the item is still waiting in its open task: nothing new

    task = Task.objects.get()
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (inv.keeper, "office.task_assigned")
    assert notification.link == f"/office/tasks/{task.pk}/"
    with translation.override("en"):
        assert notification.display_text == "New task: Reorder SCR-M3 M3 螺絲: 4 available, reorder point 10"
