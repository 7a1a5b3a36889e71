"""Office's background work (Celery tasks: take ids, call services, idempotent): approval deadlines,
sending notifications (and the beat's re-sending of what is due), publishing scheduled announcements,
WeCom's group robot queues (office.services.wecom) and the client's counts."""

from celery import shared_task

from office.selectors.wecom import robots_to_resume
from office.services import announcements, notifications
from office.services.approvals import approval_deadlines
from office.services.wecom import enqueue_robot_drain, robot_queue_drain
from office.services.wecom_cards import callback_process, callbacks_resume, card_update_send, card_updates_resend
from office.wecom.client import forget_old_sends
from office.wecom.clock import SYSTEM_CLOCK


@shared_task(ignore_result=True)
def approval_reminders_and_escalations() -> dict[str, int]:
    """Beat (every 5 minutes): remind the approvers of steps past their reminder time and escalate the
    steps past their deadline (office.services.approvals.approval_deadlines; each step once)."""
    return approval_deadlines()



@shared_task(ignore_result=True, acks_late=True)
def drain_robot(robot_id):
    """Post a robot's due messages; when it must wait (its minute's window is full, it is paused), come
    back then. Idempotent: a second drainer of the same robot skips it."""
    outcome = robot_queue_drain(robot_id=robot_id)
    if outcome.stopped == "wait" and outcome.wait_until is not None:
        enqueue_robot_drain(robot_id, eta=outcome.wait_until)
    return {"sent": outcome.sent, "failed": outcome.failed, "stopped": outcome.stopped}


@shared_task(ignore_result=True)
def resume_robot_queues():
    """Beat (every 30 s): drain every robot with a due message, so a lost task, worker or Redis loses
    nothing."""
    robots = robots_to_resume(SYSTEM_CLOCK.now())
    for robot_id in robots:
        enqueue_robot_drain(robot_id)
    return len(robots)


@shared_task(ignore_result=True)
def forget_old_wecom_sends():
    """Beat (hourly): drop the per-member counts of members sent nothing for an hour."""
    return forget_old_sends()



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


@shared_task(ignore_result=True, acks_late=True)
def wecom_callback_process(callback_id):
    """Apply a tapped card button (office.services.wecom_cards.callback_process; once per callback)."""
    return callback_process(callback_id=callback_id)


@shared_task(ignore_result=True, acks_late=True)
def wecom_card_update(card_id):
    """Replace a settled card's button on WeCom (retried later by the beat when WeCom cannot take it)."""
    return card_update_send(card_id=card_id)


@shared_task(ignore_result=True)
def resume_wecom_cards():
    """Beat (every 30 s): the callbacks and card updates a lost task, worker or Redis left waiting."""
    return {"callbacks": callbacks_resume(), "card_updates": card_updates_resend()}
