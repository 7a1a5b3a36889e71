"""Background work of the shared core."""

from celery import shared_task

from erp import events


@shared_task(acks_late=True, ignore_result=True)
def deliver_event(delivery_id):
    return events.deliver(delivery_id)


@shared_task(ignore_result=True)
def redeliver_pending_events():
    return events.redeliver_pending()


@shared_task(ignore_result=True)
def run_export(job_id):
    from erp.export_jobs import run_job

    return run_job(job_id)


@shared_task(ignore_result=True)
def restart_and_purge_exports():
    """Beat: start exports queued while the broker was down; delete files older than a week."""
    from erp.export_jobs import purge_and_restart

    return purge_and_restart()
