"""Existing tasks get their keys from the text that held them, and the text loses its markers.

- A description ending in ``[event N]`` (written by ``task_assign_for_event`` until now): the marker
  is stripped; when event N exists the task takes it as ``source_event`` and the kind its handler now
  gives (the subscriber key). A second task with the same event, kind and document (a race the old
  text search could lose) keeps no keys: it stays an ordinary task.
- A title starting with ``[REORDER]`` (the reorder scan's): the prefix is stripped and the kind is
  ``inventory.reorder``; of two open reorder tasks about the same item only the older keeps the kind.

Reversible: the markers come back from the keys.
"""

import re

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

EVENT_MARKER = re.compile(r"\s*\[event ([0-9]+)\]\s*$")
REORDER_PREFIX = "[REORDER]"
REORDER_KIND = "inventory.reorder"
OPEN = "open"
BATCH = 1000
# The handlers that wrote the marker, by the event they handle: the kind each now gives its tasks.
KIND_OF_EVENT = {
    "inventory.delivery_posted": "finance.invoice_delivery",
    "sales.return_posted": "finance.credit_returned_goods",
    "sales.production_requested": "production.plan_shortage",
    "sales.purchase_requested": "purchasing.buy_shortage",
}


def keys_from_text(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Task = apps.get_model("office", "Task")
    OutboxEvent = apps.get_model("erp", "OutboxEvent")
    marked = list(Task.objects.filter(description__regex=r"\[event [0-9]+\]\s*$").order_by("pk"))
    event_ids = {int(EVENT_MARKER.search(task.description).group(1)) for task in marked}
    names = dict(OutboxEvent.objects.filter(pk__in=event_ids).values_list("pk", "name"))
    seen = set()
    changed = []
    for task in marked:
        event_id = int(EVENT_MARKER.search(task.description).group(1))
        if event_id not in names:
            continue  # the event is gone: nothing to point at, the text stays as it is
        task.description = EVENT_MARKER.sub("", task.description)
        kind = KIND_OF_EVENT.get(names[event_id], "")
        key = (event_id, kind, task.document_type_id, task.document_id)
        if key not in seen:
            seen.add(key)
            task.source_event_id, task.kind = event_id, kind
        changed.append(task)
    Task.objects.bulk_update(changed, ["description", "source_event", "kind"], batch_size=BATCH)

    open_items = set()
    changed = []
    for task in Task.objects.filter(title__startswith=REORDER_PREFIX, document_type__isnull=False).order_by("pk"):
        task.title = task.title[len(REORDER_PREFIX):].lstrip()
        item = (task.document_type_id, task.document_id)
        if task.status != OPEN or item not in open_items:
            task.kind = REORDER_KIND
        if task.status == OPEN:
            open_items.add(item)
        changed.append(task)
    Task.objects.bulk_update(changed, ["title", "kind"], batch_size=BATCH)


def text_from_keys(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Task = apps.get_model("office", "Task")
    changed = []
    for task in Task.objects.filter(source_event__isnull=False).order_by("pk"):
        task.description = f"{task.description}\n[event {task.source_event_id}]".strip()
        changed.append(task)
    Task.objects.bulk_update(changed, ["description"], batch_size=BATCH)
    changed = []
    for task in Task.objects.filter(kind=REORDER_KIND).order_by("pk"):
        task.title = f"{REORDER_PREFIX} {task.title}"[:200]
        changed.append(task)
    Task.objects.bulk_update(changed, ["title"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0007_outbox_source_id_integer"),
        ("office", "0003_task_kind_source_event_integer_document_id"),
    ]

    operations = [migrations.RunPython(keys_from_text, text_from_keys)]
