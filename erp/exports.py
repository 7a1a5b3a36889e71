"""Export any list to XLSX or CSV with the filters the user applied; every export is logged."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from erp.access_log import record_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date | Decimal | int | float) or value is None:
        return value
    return str(value)


def export_response(request, *, rows, columns, filename, fmt="xlsx"):
    """``columns``: [(header, function(row) -> value)]; ``fmt``: "xlsx" or "csv".

    Rows are streamed from the queryset with ``iterator()`` when possible so a large list does not
    load into memory at once.
    """
    headers = [str(header) for header, _getter in columns]
    iterable = rows.iterator(chunk_size=2000) if hasattr(rows, "iterator") else rows
    record_export(request, f"{filename}.{fmt}")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in iterable:
            writer.writerow(["" if (v := cell(getter(row))) is None else v for _header, getter in columns])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=filename[:31])
        sheet.append(headers)
        for row in iterable:
            sheet.append([cell(getter(row)) for _header, getter in columns])
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) * 2)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
