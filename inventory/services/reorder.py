"""The reorder scan run by Celery beat: items whose available stock is below their reorder point."""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.events import publish
from erp.roles import WAREHOUSE
from inventory.selectors import low_stock_items
from inventory.signals import reorder_needed


@atomic_with_retry
def reorder_scan(*, company):
    """Announce each item below its reorder point once, and put a task in the warehouse inbox.
    An item already waiting in an open reorder task is not announced again."""
    from office.models import Task
    from office.services import task_assign

    item_type = ContentType.objects.get_for_model(low_stock_items(company).model)
    waiting = set(
        Task.objects.filter(company=company, document_type=item_type, status="open", title__startswith="[REORDER]")
        .values_list("document_id", flat=True)
    )
    announced = 0
    for item in low_stock_items(company):
        if str(item.pk) in waiting:
            continue
        publish(reorder_needed, company=company, source=item, item_id=item.pk, item_code=item.code,
                available=item.available, reorder_point=item.reorder_point, lead_time_days=item.lead_time_days)
        task_assign(
            company=company, role=WAREHOUSE, document=item,
            title="[REORDER] " + _("Reorder %(item)s: %(available)s available, reorder point %(point)s") % {
                "item": f"{item.code} {item.name}", "available": f"{item.available.normalize():f}",
                "point": f"{item.reorder_point.normalize():f}",
            },
        )
        announced += 1
    return announced
