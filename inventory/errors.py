from django.utils.translation import gettext_lazy as _

from erp.errors import DomainError


class InsufficientStock(DomainError):
    """More was asked of a location than is available there; nothing was changed."""

    http_status = 409
    default_message = _("Not enough stock available.")


class InvalidStockLine(DomainError):
    """A line breaks a rule of the item master (unit, lot, inactive item, same location…)."""

    http_status = 400


class InUse(DomainError):
    """A delete refused because other records still refer to the row."""

    http_status = 409
