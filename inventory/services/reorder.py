"""The reorder scan run by Celery beat: items whose available stock is below their reorder point."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from erp import messages
from erp.db import atomic_with_retry
from erp.events import publish
from erp.models import Company
from erp.roles import WAREHOUSE
from inventory.selectors import low_stock_items
from inventory.signals import reorder_needed
from office.selectors import open_task_documents
from office.services import task_assign_once

REORDER_TASK = "inventory.reorder"  # the kind of the warehouse's task: one open per item


@atomic_with_retry
def reorder_scan(*, company: Company) -> int:
    """Announce each item below its reorder point once, and put a task in the warehouse inbox.
    An item already waiting in an open reorder task is not announced again: the task's key (kind and
    item, unique while open) decides, so scans running at the same time announce an item once.
    Returns how many items were announced."""
    items = low_stock_items(company)
    waiting = open_task_documents(kind=REORDER_TASK, model=items.model)  # most scans: one query, no lookups
    announced = 0
    for item in items:
        if item.pk in waiting:
            continue
        _task, created = task_assign_once(
            company=company, role=WAREHOUSE, document=item, kind=REORDER_TASK,
            title=messages.message(gettext_noop("Reorder %(item)s: %(available)s available, reorder point %(point)s"),
                                   item=f"{item.code} {item.name}", available=messages.quantity(item.available),
                                   point=messages.quantity(item.reorder_point)),
        )
        if not created:
            continue
        publish(reorder_needed, company=company, source=item, item_id=item.pk, item_code=item.code,
                available=item.available, reorder_point=item.reorder_point, lead_time_days=item.lead_time_days)
        announced += 1
    return announced
