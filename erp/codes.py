"""Master-data codes: trimmed, upper-case, a safe alphabet, unique per company."""

from __future__ import annotations

import re
from typing import Any, overload

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_MAX_LENGTH = 32

code_validator = RegexValidator(
    regex=r"^[A-Z0-9][A-Z0-9._/-]*$",
    message=_("Use letters, digits and . _ / - only, starting with a letter or digit."),
)


@overload
def normalise_code(value: None) -> None: ...
@overload
def normalise_code(value: str) -> str: ...
def normalise_code(value: object) -> str | None:
    """' ab-01 ' -> 'AB-01'; inner whitespace collapses to nothing so codes never hide spaces."""
    if value is None:
        return value
    return re.sub(r"\s+", "", str(value)).upper()


class CodeField(models.CharField):  # type: ignore[type-arg]
    """A CharField that normalises on every assignment path (forms, API, services)."""

    default_validators = [code_validator]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", CODE_MAX_LENGTH)
        kwargs.setdefault("verbose_name", _("code"))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str | None:
        text: str | None = super().to_python(value)
        return normalise_code(text)

    def get_prep_value(self, value: Any) -> str | None:
        text: str | None = super().get_prep_value(value)
        return normalise_code(text)

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        stored: str | None = getattr(model_instance, self.attname)
        value = normalise_code(stored)
        setattr(model_instance, self.attname, value)
        return value
