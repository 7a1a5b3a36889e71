import re
from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from erp.errors import DomainError


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def show_error(exc: DomainError | ValidationError, form: forms.BaseForm, errors: list[str]) -> None:
    """Put a service's refusal (DomainError or ValidationError) beside its field in ``form``, or in
    ``errors`` above the form when it names no field of it (line errors, unknown fields)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, texts in exc.message_dict.items():
                if name in form.fields:
                    form.add_error(name, texts)
                else:
                    errors.extend(texts)
        else:
            errors.extend(exc.messages)
    elif exc.field and exc.field in form.fields:
        form.add_error(exc.field, str(exc.message))
    else:
        errors.append(str(exc.message))


class CodedSelect(forms.Select):
    """A select whose options carry their object's code (``data-code``) and which says which field it
    is (``data-scan-field``): the scan field of the keeper's screens (static/js/erp.js) chooses the
    option whose code a barcode scanner typed. ``codes`` maps an option's value to its code; without
    it, ``code_of`` (object -> code) is applied to the choice's model instance."""

    def __init__(self, *args: object, scan_field: str = "", code_of: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.codes: dict[str, str] = {}
        self.code_of = code_of
        self.scan_field = scan_field

    def get_context(self, name: str, value: object, attrs: dict[str, object] | None) -> dict[str, object]:
        attrs = {**(attrs or {}), "data-scan-field": self.scan_field or name.rsplit("-", 1)[-1]}
        return super().get_context(name, value, attrs)

    def create_option(self, name: str, value: object, label: int | str, selected: bool, index: int,
                      subindex: int | None = None, attrs: dict[str, object] | None = None) -> dict[str, object]:
        option: dict[str, object] = super().create_option(name, value, label, selected, index, subindex, attrs)
        code = self.codes.get(str(value))
        if code is None and callable(self.code_of) and getattr(value, "instance", None) is not None:
            code = self.code_of(value.instance)  # type: ignore[attr-defined]
        if code:
            option["attrs"]["data-code"] = code  # type: ignore[index]
        return option


# A document line's prefix in a formset ("lines-3"), as the line-entry helpers (htmx) receive it.
LINE_PREFIX = re.compile(r"lines-\d{1,3}")


def line_lookup_query(params: Mapping[str, str]) -> tuple[str, str]:
    """(prefix, text) of an item lookup from a document line: the line's formset prefix ("" unless
    well formed) and what was typed or scanned (``q``, or the line's ``…item_search`` field), trimmed
    to 100 characters. Order entry and the inventory documents read their lookups the same way."""
    prefix = params.get("prefix", "")
    if not LINE_PREFIX.fullmatch(prefix):
        prefix = ""
    text = params.get("q") or next((v for k, v in params.items() if k.endswith("item_search")), "")
    return prefix, text.strip()[:100]
