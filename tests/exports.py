"""Reading back what a list's export wrote, whether it ran at once or in the background."""

import csv
import io

from openpyxl import load_workbook

from erp.export_jobs import run_job
from erp.models import ExportJob


def exported(client, url: str, fmt: str) -> bytes:
    """The file ``url?…&export=fmt`` gives; a background export is run here and downloaded."""
    response = client.get(f"{url}&export={fmt}")
    if response.status_code == 302:  # in the background
        job = ExportJob.objects.latest("pk")
        assert run_job(job.pk) == "done"
        return b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content)
    assert response.status_code == 200
    return response.content


def exported_csv(client, url: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(exported(client, url, "csv").decode("utf-8-sig"), newline="")))


def exported_sheet(client, url: str):
    return load_workbook(io.BytesIO(exported(client, url, "xlsx"))).active
