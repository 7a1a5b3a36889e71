"""Domain errors: raised by services, shown by the UI as a message and by the API as 4xx."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """A business rule refused the action. ``message`` is translated and safe to show."""

    http_status = 400
    default_message = _("The action was refused.")

    def __init__(self, message: StrOrPromise | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class IllegalTransition(DomainError):
    """A status change not in the document's table of allowed transitions."""

    http_status = 409
    default_message = _("This change of status is not allowed.")


class ConcurrentChange(DomainError):
    """Someone else changed the record between reading and writing it."""

    http_status = 409
    default_message = _("Someone else changed this record at the same time. Reload and try again.")


class ImmutableDocument(DomainError):
    """A confirmed or posted document was about to be edited or deleted."""

    http_status = 409
    default_message = _("This document is no longer a draft: void or reverse it instead of editing it.")


class InvalidNumberingRule(DomainError):
    """A numbering rule that bypassed validation (raw SQL, a bulk update) cannot write a number."""

    http_status = 409

    def __init__(self, doc_type: str) -> None:
        super().__init__(
            _("The numbering rule for %(type)s cannot write a number: an administrator must correct its format "
              "under Numbering rules.") % {"type": doc_type}
        )
