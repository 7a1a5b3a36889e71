"""Master-data codes: half-width, trimmed, upper-case, a safe alphabet, unique per company."""

from __future__ import annotations

import re
from typing import Any, overload

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from erp.identifiers import half_width

CODE_MAX_LENGTH = 32
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
CODE_CHARACTER = re.compile(r"[A-Z0-9._/-]")


def code_validator(value: str) -> None:
    """A code is letters, digits and . _ / -, starting with a letter or digit; the message names the
    first character that is not allowed (after full-width ones were folded to half-width)."""
    if CODE_RE.match(value):
        return
    wrong = next((ch for ch in value if not CODE_CHARACTER.match(ch)), None)
    if wrong is None:  # only the first character is wrong: . _ / - cannot start a code
        message = gettext("A code starts with a letter or digit.")
    else:
        message = gettext("“%(char)s” is not allowed in a code: use letters, digits and . _ / - only.") % {
            "char": wrong}
    raise ValidationError(message, code="invalid")


@overload
def normalise_code(value: None) -> None: ...
@overload
def normalise_code(value: str) -> str: ...
def normalise_code(value: object) -> str | None:
    """' ab-01 ' -> 'AB-01', 'ＡＢ－０１' -> 'AB-01' (full-width folded to half-width); inner whitespace
    collapses to nothing so codes never hide spaces."""
    if value is None:
        return value
    return re.sub(r"\s+", "", half_width(str(value))).upper()


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
