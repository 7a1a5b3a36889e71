"""The user's background exports: progress while they run, the file once done."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from erp.access_log import record_export
from erp.models import ExportJob
from erp.permissions import login_only


def own_exports(user: Any) -> QuerySet[ExportJob]:
    """The user's own exports (erp.scoping: an export is its owner's alone)."""
    return ExportJob.objects.restrict(user)


@login_only
def export_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(own_exports(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "erp/export_list.html", {"page": page})


@login_only
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(own_exports(request.user), pk=pk)
    template = "erp/partials/export_progress.html" if getattr(request, "htmx", False) else "erp/export_detail.html"
    return render(request, template, {"job": job})


@login_only
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = get_object_or_404(own_exports(request.user), pk=pk, status=ExportJob.Status.DONE)
    if not job.file:
        raise Http404
    record_export(request, f"{job} (download)")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=f"{job.filename}.{job.fmt}")
