"""Checking a table (the preview) and importing it all or nothing (the commit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from erp.db import atomic_with_retry
from erp.errors import DomainError
from erp.imports.errors import ImportRejected

if TYPE_CHECKING:
    from erp.imports.engine import Table
    from erp.imports.kinds import ImportKind
    from erp.imports.results import ImportResult, RowResult
    from erp.models import Company, User

T = TypeVar("T")


def validate(kind: ImportKind, table: Table, *, company: Company, user: User) -> ImportResult:
    """Every row of ``table`` checked against the database; nothing is written."""
    return kind.validator(table, company=company, user=user)


@atomic_with_retry
def commit(kind: ImportKind, table: Table, *, company: Company, user: User) -> int:
    """Re-validate and import everything in one transaction; returns the number of rows imported.
    Raises ImportRejected (nothing written) when any row has an error."""
    try:
        with transaction.atomic():  # a savepoint when the caller already runs a transaction: still all or nothing
            if kind.lock is not None:
                kind.lock(table, company=company)
            result = kind.validator(table, company=company, user=user)
            if not result.ok:
                raise ImportRejected(result)
            return kind.committer(result, company=company, user=user)
    except IntegrityError:
        # Someone created the same code between our check and our insert.
        raise DomainError(_("Someone else changed the same records at the same time: nothing was imported. "
                            "Check the preview again.")) from None


def validation_text(error: ValidationError) -> str:
    """A model validation error as one line: 'code: … ; barcode: …'."""
    if hasattr(error, "message_dict"):
        return "; ".join(f"{key}: {' '.join(messages)}" if key != "__all__" else " ".join(messages)
                         for key, messages in error.message_dict.items())
    return " ".join(error.messages)


def for_row(row: RowResult, service: Callable[..., T], **kwargs: object) -> T:
    """Call a department's service for one row of the file; its refusal names the row."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        raise DomainError(_("Row %(row)s: %(message)s") % {"row": row.number, "message": validation_text(error)})
    except DomainError as error:
        raise DomainError(_("Row %(row)s: %(message)s") % {"row": row.number, "message": error.message})
