"""Running a background export: replay the list view for its user with the job attached."""

import logging
import traceback
from datetime import timedelta
from urllib.parse import parse_qsl

from django.http import QueryDict
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone, translation
from django_htmx.middleware import HtmxDetails

from erp.exports import enqueue_export
from erp.models import ExportJob

logger = logging.getLogger(__name__)
KEEP_FOR = timedelta(days=7)


def run_job(job_id: int) -> str:
    job = ExportJob.objects.select_related("user").filter(pk=job_id, status=ExportJob.Status.QUEUED).first()
    if job is None:
        return "skipped"
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    query = QueryDict(mutable=True)
    for key, value in parse_qsl(job.query, keep_blank_values=True):
        query.appendlist(key, value)
    request = RequestFactory().get(job.path, data=query)
    request.user = job.user
    # What the middleware would have set, and the job (erp.exports writes its file): the request
    # class declares none of them, and the replayed list needs no real session.
    request.export_job = job  # type: ignore[attr-defined]
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    request.session = {}  # type: ignore[assignment]
    try:
        with translation.override(job.user.language):
            match = resolve(job.path)
            response = match.func(request, *match.args, **match.kwargs)
        if response.status_code != 204:
            raise RuntimeError(f"the list answered {response.status_code} instead of writing the file")
        return "done"
    except Exception as exc:
        logger.error("export %s failed: %s", job.pk, type(exc).__name__)
        error = f"{type(exc).__name__}: {str(exc)[:300]}\n" + "".join(traceback.format_tb(exc.__traceback__, limit=5))
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=error[:3000], finished_at=timezone.now()
        )
        return "failed"


def purge_and_restart() -> int:
    old = ExportJob.objects.filter(created_at__lt=timezone.now() - KEEP_FOR)
    for job in old:
        if job.file:
            job.file.delete(save=False)
    purged = old.delete()[0]
    stale = ExportJob.objects.filter(status=ExportJob.Status.QUEUED,
                                     created_at__lt=timezone.now() - timedelta(minutes=1))
    for pk in stale.values_list("pk", flat=True):
        enqueue_export(pk)
    return purged
