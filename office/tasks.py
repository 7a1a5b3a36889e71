"""Office's background work (Celery tasks: take ids, call services, idempotent)."""

from celery import shared_task

from office.services.approvals import approval_deadlines


@shared_task(ignore_result=True)
def approval_reminders_and_escalations() -> dict[str, int]:
    """Beat (every 5 minutes): remind the approvers of steps past their reminder time and escalate the
    steps past their deadline (office.services.approvals.approval_deadlines; each step once)."""
    return approval_deadlines()
