from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from erp.models import Company, Restricted
from erp.money import MONEY, RATE

__all__ = ["PurchasingSettings"]

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class PurchasingSettings(Restricted):
    """A company's purchasing tolerances (one row per company, made on first use)."""

    company = models.OneToOneField(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    over_receipt_percent = models.DecimalField(
        _("over-receipt tolerance (%)"), default=Decimal("0"), validators=PERCENT, **RATE,
        help_text=_("How much more than ordered a receipt may bring in, in percent of the order line."))
    invoice_tolerance_percent = models.DecimalField(
        _("invoice price tolerance (%)"), default=Decimal("0"), validators=PERCENT, **RATE,
        help_text=_("An invoice line may differ from order price × received quantity by this much before it "
                    "needs a Purchasing manager's acceptance."))
    invoice_tolerance_amount = models.DecimalField(
        _("invoice tolerance (amount)"), default=Decimal("1.00"), validators=[MinValueValidator(Decimal("0"))],
        **MONEY, help_text=_("… or by this amount per line, whichever is larger (rounding)."))
    default_lead_time_days = models.PositiveIntegerField(
        _("default lead time (days)"), default=7,
        help_text=_("For suppliers and items without a lead time of their own."))

    class Meta:
        verbose_name = _("purchasing settings")
        verbose_name_plural = _("purchasing settings")

    def __str__(self) -> str:
        return str(_("Purchasing settings"))
