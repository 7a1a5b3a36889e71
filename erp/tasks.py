"""Background work of the shared core."""

from celery import shared_task

from erp import events


@shared_task(acks_late=True, ignore_result=True)
def deliver_event(delivery_id):
    return events.deliver(delivery_id)


@shared_task(ignore_result=True)
def redeliver_pending_events():
    return events.redeliver_pending()
