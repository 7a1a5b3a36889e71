"""Refusals of the sales services."""

from django.utils.translation import gettext_lazy as _

from erp.errors import DomainError


class CreditLimitExceeded(DomainError):
    """The order would take the customer above its credit limit and no manager approved it."""

    http_status = 409
    default_message = _("The order exceeds the customer's credit limit: a sales manager must approve it.")


class InvalidSalesLine(DomainError):
    http_status = 400


class CommercialTermsRefused(DomainError):
    """A user without ``sales.manage_commercial_terms`` tried to change a credit limit, a price list,
    a payment term or a sales rep: a 403 naming the field (the API) or an error beside it (the screens)."""

    http_status = 403
    default_message = _("Only a sales manager may change the commercial terms.")
