"""Identifiers people type: full-width characters folded to half-width, and company tax ids checked.

Taiwanese keyboards switch to full-width easily (ＡＢＣ１２３); NFKC folds those to ASCII before any
check, so what the user meant is what is stored. Tax ids are checked by their own rules wherever they
are saved (the models' validators: forms, API, imports and services alike):

- 8 digits: Taiwan's 統一編號, weights 1,2,1,2,1,2,4,1, the digit sums of the products add up to a
  multiple of 5 (the Ministry of Finance's rule since 2023; before, 10, which is still a multiple of
  5); when the 7th digit is 7 its product 28 gives 10, counted as 1 or 0.
- 18 characters starting with two digits: the PRC's 统一社会信用代码 (GB 32100-2015), the last a mod-31
  check character over the alphabet without I, O, S, V and Z.
- Any other id made only of digits is refused (a 統一編號 is 8 digits); ids with letters are foreign
  tax ids (DE123456789) and are checked for their characters only.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TW_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
FOREIGN_TAX_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")


def half_width(value: str) -> str:
    """Full-width letters, digits and punctuation (ＡＢＣ１２３－) as their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", value)


def normalise_tax_id(value: object) -> str:
    """' ０４５９ 5257 ' -> '04595257': half-width, no whitespace, upper case."""
    return re.sub(r"\s+", "", half_width(str(value or ""))).upper()


def taiwan_tax_id_valid(value: str) -> bool:
    if not re.fullmatch(r"\d{8}", value):
        return False
    total, seventh = 0, 0
    for index, (digit, weight) in enumerate(zip(value, TW_WEIGHTS, strict=True)):
        product = int(digit) * weight
        sum_of_digits = product // 10 + product % 10
        if index == 6:
            seventh = sum_of_digits
        else:
            total += sum_of_digits
    if seventh == 10:  # a 7th digit of 7: 28 -> 10, counted as 1 or as 0
        return total % 5 == 0 or (total + 1) % 5 == 0
    return (total + seventh) % 5 == 0


def uscc_valid(value: str) -> bool:
    if len(value) != 18 or any(ch not in USCC_CHARS for ch in value):
        return False
    total = sum(USCC_CHARS.index(ch) * weight for ch, weight in zip(value[:17], USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31] == value[17]


def tax_id_error(value: str) -> str | None:
    """None when ``value`` (normalised) is acceptable, else the translated reason."""
    if not value:
        return None
    if value.isascii() and value.isdigit():
        if len(value) != 8:
            return _("A tax id (統一編號) has 8 digits.")
        return None if taiwan_tax_id_valid(value) else _("This is not a valid tax id (統一編號): check the digits.")
    if len(value) == 18 and uscc_valid(value):
        return None
    if len(value) == 18 and re.fullmatch(r"\d{8}[0-9A-Z]{10}", value):  # a 统一社会信用代码 with a wrong character
        return _("This is not a valid unified social credit code: check the characters.")
    if not FOREIGN_TAX_ID.match(value):
        return _("Use letters, digits and - only.")
    return None


def validate_tax_id(value: str) -> None:
    """Model field validator: the stored value is the normalised one (see ``normalise_tax_id``)."""
    if message := tax_id_error(normalise_tax_id(value)):
        raise ValidationError(message, code="invalid")


class TaxIdField(models.CharField):  # type: ignore[type-arg]
    """A company's or customer's tax id: normalised on every assignment path (forms, API, services,
    imports) and checked by ``validate_tax_id`` when the model is cleaned."""

    default_validators = [validate_tax_id]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("verbose_name", gettext_lazy("tax id"))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str | None:
        text: str | None = super().to_python(value)
        return None if text is None else normalise_tax_id(text)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = normalise_tax_id(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value
