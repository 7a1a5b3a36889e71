"""Form pieces every kind of document uses: the line formset of a draft."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.documents import VOID_REASON_MAX_LENGTH


class LineFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Lines of a draft. A row left empty (or ticked for removal) is not part of the document;
    ``lines()`` gives the kept rows as the save service takes them (each form's ``line()``).
    ``require_lines``: at least one line, else "Add at least one line." above the lines."""

    require_lines = False

    def __init__(self, *args: Any, extra: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if extra is not None:
            self.extra = extra

    def kept_forms(self) -> list[forms.Form]:
        return [form for form in self.forms
                if form.has_changed() and not (self.can_delete and self._should_delete_form(form))]  # type: ignore[attr-defined]

    def lines(self) -> list[dict[str, Any]]:
        return [form.line() for form in self.kept_forms()]  # type: ignore[attr-defined]

    def clean(self) -> None:
        if any(self.errors) or not self.require_lines:
            return
        if not self.kept_forms():
            raise forms.ValidationError(_("Add at least one line."))


class VoidForm(forms.Form):
    """The reason a document is voided (作廢): required, kept on the document and in its history."""

    reason = forms.CharField(
        label=gettext_lazy("Reason for voiding"), max_length=VOID_REASON_MAX_LENGTH, strip=True,
        error_messages={"required": gettext_lazy("Give the reason for voiding.")},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
