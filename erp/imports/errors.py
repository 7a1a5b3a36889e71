"""The two refusals of an import as a whole (a single cell's problem is a ``CellError``, then a row error)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.errors import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from erp.imports.results import ImportResult


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (size, type, encoding, missing columns…)."""

    default_message = gettext_lazy("The file cannot be read.")

    def __init__(self, message: StrOrPromise | None = None, *, field: str = "file") -> None:
        super().__init__(message, field=field)


class ImportRejected(DomainError):
    """At commit time some rows were no longer valid; nothing was imported."""

    http_status = 409

    def __init__(self, result: ImportResult) -> None:
        self.result = result
        super().__init__(
            _("Nothing was imported: %(count)s row(s) have errors now. Check the preview again.")
            % {"count": result.error_row_count}
        )
