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
