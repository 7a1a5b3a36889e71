"""Production's background work: MRP runs (started by ``production.services.runs.mrp_run_start``) and
the beat rule that ends runs whose worker died."""

from celery import shared_task

from production.services.runs import mrp_run_perform, mrp_runs_fail_stuck


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def mrp_run_task(run_id: int) -> str:
    """Work one queued MRP run (idempotent: a run no longer queued is skipped)."""
    return mrp_run_perform(run_id=run_id)


@shared_task(ignore_result=True)  # type: ignore[untyped-decorator]
def fail_stuck_mrp_runs() -> int:
    """Beat: fail runs still running two hours after they started; queue again runs no worker took."""
    return mrp_runs_fail_stuck()
