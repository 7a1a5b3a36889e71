"""Background work of the office: sending notifications, the beat's re-sending of what is due, and
publishing scheduled announcements."""

from celery import shared_task

from office.services import announcements, notifications


@shared_task(acks_late=True, ignore_result=True)
def send_notification_deliveries(delivery_ids):
    """Send deliveries after the transaction that made them committed (each at most once)."""
    return [notifications.delivery_send(pk) for pk in delivery_ids]


@shared_task(ignore_result=True)
def resend_due_notifications():
    """Beat, every 30 s: deliveries still pending whose enqueue was lost or whose retry is due."""
    return notifications.deliveries_resend_due()


@shared_task(ignore_result=True)
def publish_due_announcements():
    """Beat, every minute: scheduled announcements whose time has come notify their audience."""
    return announcements.announcements_publish_due()
