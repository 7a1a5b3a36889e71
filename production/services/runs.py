"""MRP runs: started by a planner (queued, then worked by the Celery task ``production.tasks.mrp_run_task``
after the transaction commits), one at a time per company; the task claims a queued run, reports its
progress with conditional UPDATEs while the engine (``production.services.mrp.mrp_run_execute``) works,
and ends it done (with its inputs and counts) or failed (with the error). A run whose worker died stays
"running": ``mrp_run_mark_failed`` (a planner's button) and ``mrp_runs_fail_stuck`` (the beat rule)
end it."""

from __future__ import annotations

import datetime
import logging
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp import audit
from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.models import Company, User
from production import status as st
from production.models import MrpException, MrpItemPlan, MrpRecord, MrpRun, PlannedOrder
from production.sql.mrp import lock_company_runs

logger = logging.getLogger(__name__)

ACTIVE = (st.MrpRunStatus.QUEUED, st.MrpRunStatus.RUNNING)
MAX_HORIZON_DAYS = 730
# A planner may mark a run failed once it has been queued or running this long; the beat rule fails
# what has been running for STUCK_RUNNING without a word from its worker, and re-queues lost queued runs.
MARK_FAILED_AFTER = timedelta(minutes=10)
STUCK_RUNNING = timedelta(hours=2)
REQUEUE_AFTER = timedelta(minutes=2)
LOCK_KEY = 0x4D5250  # "MRP": the advisory lock that serialises starting runs (with the company's id)


def queue_run(run_id: int) -> None:
    """Hand the run to a worker; a broker that is down leaves it queued for the beat rule."""
    from production.tasks import mrp_run_task  # the task module imports this one

    try:
        mrp_run_task.delay(run_id)
    except Exception:  # noqa: BLE001  (the broker is down: mrp_runs_fail_stuck queues it again)
        logger.warning("MRP run %s could not be queued; the beat rule will retry", run_id)


@atomic_with_retry
def mrp_run_start(*, company: Company, actor: User | None, as_of: datetime.date | None = None,
                  horizon_days: int | None = 90) -> MrpRun:
    """A queued run (as of today unless told, ``horizon_days`` 1–730); its task is queued after commit.
    Refused while another run of the company is queued or running."""
    if horizon_days is None or isinstance(horizon_days, bool) or not 1 <= int(horizon_days) <= MAX_HORIZON_DAYS:
        raise DomainError(_("The horizon must be between 1 and %(max)s days.") % {"max": MAX_HORIZON_DAYS},
                          field="horizon_days")
    lock_company_runs(LOCK_KEY, company.pk)  # two planners starting at once: the second waits, then is refused
    busy = MrpRun.objects.filter(company=company, status__in=ACTIVE).order_by("pk").first()
    if busy is not None:
        raise DomainError(_("MRP run #%(id)s is still %(status)s: wait until it ends before starting another.")
                          % {"id": busy.pk, "status": busy.get_status_display().lower()})
    run = MrpRun.objects.create(company=company, as_of=as_of or timezone.localdate(), horizon_days=int(horizon_days),
                                created_by=actor)
    transaction.on_commit(lambda: queue_run(run.pk))
    return run


def progress_reporter(run_id: int) -> Callable[[int, str], None]:
    """The engine's progress callback: one conditional UPDATE (only while the run is running, never
    backwards), committed at once so the run's page sees it."""

    def report(percent: int, step: str = "") -> None:
        value = max(0, min(100, int(percent)))
        MrpRun.objects.filter(pk=run_id, status=st.MrpRunStatus.RUNNING, progress__lte=value).update(
            progress=value, step=str(step)[:100])

    return report


def clear_results(run_id: int) -> None:
    """What a failed run had written (the engine may have committed part of it)."""
    MrpException.objects.filter(run_id=run_id).delete()
    PlannedOrder.objects.filter(run_id=run_id).delete()
    MrpRecord.objects.filter(run_id=run_id).delete()
    MrpItemPlan.objects.filter(run_id=run_id).delete()


def finish(run: MrpRun, *, status: str, actor: User | None = None, **values: Any) -> bool:
    """The run running (or queued) → ``status``: a conditional UPDATE with its audit entry; False when
    someone else ended it first."""
    before = audit.snapshot([run])
    values = {"status": status, "finished_at": timezone.now(), **values}
    ended = MrpRun.objects.filter(pk=run.pk, status__in=ACTIVE).update(**values)
    if ended:
        for name, value in values.items():
            setattr(run, name, value)
        audit.record_updated([run], before, list(values), actor=actor)
    return bool(ended)


def mrp_run_perform(*, run_id: int) -> str:
    """The task's work, idempotent: only a queued run starts (a second delivery of the task, or a run
    already ended, is skipped). Returns "done", "failed" or "skipped"."""
    from production.services.mrp import mrp_run_execute  # the engine (branch mrp)

    claimed = MrpRun.objects.filter(pk=run_id, status=st.MrpRunStatus.QUEUED).update(
        status=st.MrpRunStatus.RUNNING, started_at=timezone.now(), progress=0, step="")
    if not claimed:
        return "skipped"
    run = MrpRun.objects.select_related("company").get(pk=run_id)
    try:
        inputs, counts = mrp_run_execute(run=run, progress=progress_reporter(run_id))
    except Exception as exc:  # noqa: BLE001  (any failure of the engine ends the run failed, with its error)
        logger.exception("MRP run %s failed", run_id)
        error = f"{type(exc).__name__}: {str(exc)[:500]}\n" + "".join(traceback.format_tb(exc.__traceback__, limit=8))
        with transaction.atomic():
            clear_results(run_id)
            finish(run, status=st.MrpRunStatus.FAILED, error=error[:4000])
        return "failed"
    with transaction.atomic():
        if not finish(run, status=st.MrpRunStatus.DONE, progress=100, step="", inputs=inputs, counts=counts):
            logger.warning("MRP run %s ended while it was running (marked failed): its results are discarded",
                           run_id)
            clear_results(run_id)
            return "failed"
    return "done"


def stuck(run: MrpRun, *, now: datetime.datetime | None = None, after: timedelta = MARK_FAILED_AFTER) -> bool:
    """Whether ``run`` has been queued or running for longer than ``after``."""
    now = now or timezone.now()
    since = run.started_at or run.created_at
    return run.status in ACTIVE and since is not None and now - since > after


@atomic_with_retry
def mrp_run_mark_failed(*, run: MrpRun, actor: User | None) -> MrpRun:
    """A planner ends a run its worker left behind (queued or running for more than 10 minutes):
    it becomes failed, what it wrote is removed, and a new run may start."""
    row = MrpRun.objects.select_for_update().get(pk=run.pk)
    if row.status not in ACTIVE:
        raise DomainError(_("This run has already ended."))
    if not stuck(row):
        raise DomainError(_("This run started less than %(minutes)s minutes ago: give it time before marking it "
                            "failed.") % {"minutes": int(MARK_FAILED_AFTER.total_seconds() // 60)})
    name = getattr(actor, "username", "") or "?"
    finish(row, status=st.MrpRunStatus.FAILED, actor=actor,
           error=_("Marked failed by %(user)s: the worker did not finish the run.") % {"user": name})
    clear_results(row.pk)
    return row


def mrp_runs_fail_stuck(*, now: datetime.datetime | None = None) -> int:
    """The beat rule: runs running for more than two hours are failed (their worker died); queued runs
    that no worker took within two minutes are queued again. Returns how many runs failed."""
    now = now or timezone.now()
    failed = 0
    for run in MrpRun.objects.filter(status=st.MrpRunStatus.RUNNING, started_at__lt=now - STUCK_RUNNING).order_by("pk"):
        with transaction.atomic():
            if finish(run, status=st.MrpRunStatus.FAILED,
                      error=_("The worker stopped: the run was still running after %(hours)s hours.")
                      % {"hours": int(STUCK_RUNNING.total_seconds() // 3600)}):
                clear_results(run.pk)
                failed += 1
    for pk in MrpRun.objects.filter(status=st.MrpRunStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER
                                    ).values_list("pk", flat=True):
        queue_run(pk)
    return failed
