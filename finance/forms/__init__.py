"""Forms of the finance screens (one module per area)."""

from django import forms

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def styled(form: forms.BaseForm) -> None:
    """Small Bootstrap inputs, as the other departments' forms."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control form-control-sm")
