"""The template a user downloads for a kind: its headers in their language and a help sheet."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

if TYPE_CHECKING:
    from erp.imports.kinds import ImportKind


def template_workbook(kind: ImportKind, language: str | None) -> bytes:
    """An XLSX with the kind's headers (in ``language``) and a help sheet describing each column
    (in the active language)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = kind.key
    sheet.append([column.header_for(language) for column in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(kind.columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            14, len(column.header_for(language)) * 2 + 2)
    help_sheet = workbook.create_sheet(title="help")
    help_sheet.append([_("Column"), _("Required"), _("Description"), _("Also accepted")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        help_sheet.append([column.header_for(language), _("Yes") if column.required else _("No"), str(column.help),
                           ", ".join(h for h in column.accepted_headers() if h != column.header_for(language))])
    for letter, width in zip("ABCD", (22, 10, 70, 50), strict=True):
        help_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
