"""The business tax report's choice of two-month period."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finance.forms import styled

PERIODS = [(m, f"{m:02d}–{m + 1:02d}") for m in (1, 3, 5, 7, 9, 11)]


class TaxPeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999, required=False)
    start_month = forms.TypedChoiceField(label=_("Months"), choices=PERIODS, coerce=int, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)

    def period(self) -> tuple[int, int]:
        """(year, first month) chosen, or the current two-month period."""
        today = timezone.localdate()
        year, month = today.year, today.month if today.month % 2 else today.month - 1
        if self.is_bound and self.is_valid():
            year = self.cleaned_data["year"] or year
            month = self.cleaned_data["start_month"] or month
        return year, month
