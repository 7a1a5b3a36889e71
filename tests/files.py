"""Files the import tests upload: a workbook or a CSV from rows, and a workbook with its members changed."""

import csv
import io
import zipfile

from openpyxl import Workbook


def xlsx_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, bom=True):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def rezipped(data, change):
    """The workbook ``data`` with its members passed through ``change(name, bytes) -> {name: bytes}``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            for name, content in change(info.filename, source.read(info.filename)).items():
                target.writestr(name, content)
    return out.getvalue()
