"""Background work of the shared core."""

from celery import shared_task

from erp import events
from erp.export_jobs import purge_and_restart, run_job


# Celery ships no type hints: its decorators are untyped (each task is a celery Task at runtime).
@shared_task(acks_late=True, ignore_result=True)  # type: ignore[untyped-decorator]
def deliver_event(delivery_id: int) -> str:
    return events.deliver(delivery_id)


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def redeliver_pending_events() -> int:
    return events.redeliver_pending()


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def run_export(job_id: int) -> str:
    return run_job(job_id)


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def restart_and_purge_exports() -> int:
    """Beat: start exports queued while the broker was down; delete files older than a week."""
    return purge_and_restart()
