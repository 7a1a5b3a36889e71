"""The durable cross-department event bus (transactional outbox).

A department declares its events in ``<app>/signals.py``::

    order_confirmed = EventSignal("sales.order_confirmed", _("A sales order was confirmed."))

and announces one from a service, inside the transaction that made the change::

    publish(order_confirmed, company=order.company, source=order, order_id=order.pk)

Another department subscribes in ``<app>/receivers.py``::

    @subscribe(sales_signals.order_confirmed, "production.plan_confirmed_order")
    def plan_confirmed_order(event): ...   # event.payload, event.source

``publish`` writes an OutboxEvent row and an EventDelivery row per subscriber, in one statement of
the caller's transaction (nothing if it rolls back). After commit a Celery task runs the
handler; the handler's effects and the "done" mark commit together, under a row lock, so an event
is handled at most once per subscriber. Failures are retried with backoff; a beat task re-sends
whatever is still pending (Redis was down at commit time, a worker died). Failed deliveries are
listed, with their error, in Django admin, where they can be retried.
"""

from __future__ import annotations

import logging
import random
import traceback
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone, translation

from erp.models import Company, EventDelivery, OutboxEvent
from erp.sql import outbox_insert

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

EVENTS: dict[str, EventSignal] = {}  # name -> EventSignal
SUBSCRIBERS: dict[str, Subscriber] = {}  # subscriber key -> Subscriber
HOOKS: dict[str, Hook] = {}  # name -> Hook


class EventSignal:
    """A business event a department announces; declared in that department's signals.py."""

    def __init__(self, name: str, description: StrOrPromise = "") -> None:
        if name in EVENTS:
            raise ValueError(f"event {name!r} is declared twice")
        self.name = name  # what OutboxEvent.name holds: compare with ``signal.name``, not a literal
        self.description = description
        EVENTS[name] = self

    @property
    def publisher(self) -> str:
        return self.name.split(".", 1)[0]


class Hook(Signal):
    """An in-transaction hook: a Django signal a lower app sends from inside its own transaction so that
    an app above it (which it may not import) takes part in the same change — a posted delivery note
    lets sales record the delivered quantities. Receivers connect in their app's receivers.py with
    ``sender=`` their model and may refuse by raising a DomainError (everything rolls back). Work that
    can follow later belongs on the durable bus instead (``EventSignal``). Declared, like events, in
    the sending app's signals.py; the event map lists both."""

    def __init__(self, name: str, description: StrOrPromise = "") -> None:
        super().__init__()
        if name in HOOKS:
            raise ValueError(f"hook {name!r} is declared twice")
        self.name = name
        self.description = description
        HOOKS[name] = self

    @property
    def publisher(self) -> str:
        return self.name.split(".", 1)[0]

    def receiver_names(self) -> list[str]:
        """"module.function" of every connected receiver (for the event map)."""
        names = []
        for entry in self.receivers:
            receiver = entry[1]
            if isinstance(receiver, weakref.ReferenceType):
                receiver = receiver()
            if receiver is not None:
                names.append(f"{receiver.__module__}.{receiver.__qualname__}")
        return sorted(names)


Handler = Callable[[OutboxEvent], None]
MapRow = tuple[str, str, str, list[str]]  # (name, description, announcing app, subscribers or receivers)


@dataclass(frozen=True)
class Subscriber:
    key: str
    event: EventSignal
    handler: Handler

    @property
    def app(self) -> str:
        return self.key.split(".", 1)[0]


def subscribe(event: EventSignal, key: str) -> Callable[[Handler], Handler]:
    """Register ``handler(event)`` to run after commit whenever ``event`` is published.

    ``key`` ("<subscribing app>.<what it does>") is the idempotency key with the event id: keep it
    stable, renaming it makes pending deliveries unknown.
    """

    def register(handler: Handler) -> Handler:
        if key in SUBSCRIBERS and SUBSCRIBERS[key].handler is not handler:
            raise ValueError(f"subscriber {key!r} is registered twice")
        SUBSCRIBERS[key] = Subscriber(key=key, event=event, handler=handler)
        return handler

    return register


def publish(event: EventSignal, *, company: Company | None = None, source: models.Model | None = None,
            **payload: Any) -> OutboxEvent:
    """Announce ``event`` as part of the current transaction; returns the OutboxEvent.

    One statement writes the event and a pending delivery row per subscriber (nothing if the
    caller's transaction rolls back); after commit each delivery is handed to Celery."""
    outbox_event = OutboxEvent(
        name=event.name, payload=payload, company=company,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None, created_at=timezone.now(),
    )
    keys = [subscriber.key for subscriber in SUBSCRIBERS.values() if subscriber.event is event]
    connection = transaction.get_connection()
    # No savepoint of its own: the event and its delivery rows stand or fall with the caller's changes.
    with transaction.atomic(savepoint=False):
        outbox_event.pk, delivery_ids = outbox_insert(
            name=outbox_event.name, payload=payload, company_id=company.pk if company else None,
            source_type_id=outbox_event.source_type.pk if outbox_event.source_type else None,
            source_id=outbox_event.source_id, created_at=outbox_event.created_at,
            pending=EventDelivery.Status.PENDING, subscribers=keys)
    outbox_event._state.adding = False
    outbox_event._state.db = connection.alias
    if delivery_ids:
        transaction.on_commit(lambda: [enqueue_delivery(pk) for pk in delivery_ids])
    return outbox_event


def enqueue_delivery(delivery_id: int, countdown: float | None = None) -> bool:
    """Hand a delivery to Celery. If the broker is unreachable the row stays pending for beat."""
    from erp.tasks import deliver_event  # erp.tasks imports this module

    try:
        deliver_event.apply_async((delivery_id,), countdown=countdown)
        return True
    except Exception as exc:  # kombu raises several connection error types
        logger.warning("event delivery %s not queued (%s); the re-delivery task will send it", delivery_id, exc)
        return False


def retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: exponential, capped at an hour, jittered."""
    exponential: int = settings.EVENT_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)  # int ** int is untyped
    return min(3600, exponential) * random.uniform(0.8, 1.2)


def deliver(delivery_id: int) -> str:
    """Run one pending delivery's handler; returns "done", "retry", "failed" or "skipped"."""
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(pk=delivery_id, status=EventDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"  # already done or failed, or another worker holds it right now
        subscriber = SUBSCRIBERS.get(delivery.subscriber)
        delivery.attempts += 1
        try:
            if subscriber is None:
                raise LookupError(f"no subscriber is registered as {delivery.subscriber!r}")
            # A savepoint: the handler's writes commit with the "done" mark, or not at all.
            with transaction.atomic():
                subscriber.handler(delivery.event)
        except Exception:
            delivery.last_error = traceback.format_exc(limit=20)[-5000:]
            if delivery.attempts >= settings.EVENT_MAX_ATTEMPTS:
                delivery.status = EventDelivery.Status.FAILED
                outcome = "failed"
                logger.error("event delivery %s failed for good: %s", delivery.pk, delivery.last_error)
            else:
                delay = retry_delay(delivery.attempts)
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
                transaction.on_commit(lambda: enqueue_delivery(delivery_id, countdown=delay))
                outcome = "retry"
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return outcome
        delivery.status = EventDelivery.Status.DONE
        delivery.delivered_at = timezone.now()
        delivery.save(update_fields=["attempts", "status", "delivered_at"])
        return "done"


def redeliver_pending(*, older_than_seconds: float = 10, limit: int = 500) -> int:
    """Queue the pending deliveries that are due; returns how many were queued."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    due = EventDelivery.objects.filter(
        status=EventDelivery.Status.PENDING, next_attempt_at__lte=cutoff
    ).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    return sum(1 for pk in due if enqueue_delivery(pk))


def retry_deliveries(deliveries: QuerySet[EventDelivery]) -> int:
    """Put failed (or pending) deliveries back in the queue now: the admin's retry action."""
    ids = list(deliveries.exclude(status=EventDelivery.Status.DONE).values_list("pk", flat=True))
    EventDelivery.objects.filter(pk__in=ids).update(
        status=EventDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(partial(enqueue_delivery, pk))
    return len(ids)


def event_map(apps: Collection[str] | None = None) -> list[MapRow]:
    """[(event, description, publisher app, [subscriber keys])] for the docs."""
    rows = []
    for name in sorted(EVENTS):
        event = EVENTS[name]
        if apps is not None and event.publisher not in apps:
            continue
        subscribers = sorted(s.key for s in SUBSCRIBERS.values() if s.event is event)
        rows.append((name, str(event.description), event.publisher, subscribers))
    return rows


def render_event_map(apps: Collection[str] | None) -> str:
    with translation.override("en"):  # the docs are English whatever the active language
        return _render_event_map(apps)


def hook_map(apps: Collection[str] | None = None) -> list[MapRow]:
    """[(hook, description, sending app, [receivers])] for the docs."""
    rows = []
    for name in sorted(HOOKS):
        hook = HOOKS[name]
        if apps is None or hook.publisher in apps:
            rows.append((name, str(hook.description), hook.publisher, hook.receiver_names()))
    return rows


def _render_event_map(apps: Collection[str] | None) -> str:
    lines = [
        "# Event map",
        "",
        "Generated by `python manage.py event_map`; a test fails when this file is out of date.",
        "Which department announces what (`<app>/signals.py`) and who listens (`<app>/receivers.py`).",
        "",
        "## Events (the durable bus)",
        "",
        "Published inside the announcing transaction, handled after commit by each subscriber, at most once,",
        "retried until done (`erp.events.EventSignal`, `publish`, `subscribe`). For work another department does",
        "later: preparing a delivery note, planning a shortage, invoicing.",
        "",
        "| event | announced by | meaning | subscribers |",
        "| --- | --- | --- | --- |",
    ]
    lines += _table_rows(event_map(apps))
    lines += [
        "",
        "## In-transaction hooks",
        "",
        "Sent by a lower app inside its own transaction so that an app above it, which it may not import, takes",
        "part in the same change (`erp.events.Hook`, a Django signal; receivers may refuse by raising a",
        "DomainError, which rolls everything back). For effects that must commit together: a posted delivery",
        "note and the order's delivered quantities.",
        "",
        "| hook | sent by | meaning | receivers |",
        "| --- | --- | --- | --- |",
    ]
    lines += _table_rows(hook_map(apps))
    return "\n".join(lines) + "\n"


def _table_rows(rows: Sequence[MapRow]) -> list[str]:
    """The Markdown rows of the events' or the hooks' table: name, sender, meaning, listeners."""
    if not rows:
        return ["| (none yet) | | | |"]
    return [f"| `{name}` | {sender} | {meaning} | {', '.join(f'`{who}`' for who in listeners) or '—'} |"
            for name, meaning, sender, listeners in rows]
