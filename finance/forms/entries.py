"""Forms of the journal entries: the list filter, the manual entry (journal, date, memo and lines of
account code, debit, credit and description), the reversal's date, a fiscal year to open and the
reports' dates.

An entry's lines must balance before the draft is saved (the formset says by how much they differ,
above the lines); every other rule is finance.services.ledger's, whose refusals the screen shows
beside the field they name or above the lines."""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erp.document_screens import LineFormSet
from erp.money import MONEY, format_money
from finance import status as st
from finance.forms import DATE, styled
from finance.models import Account, Journal
from finance.selectors import accounts_for_user, journals_for_user
from finance.services.ledger import Line

ZERO = Decimal("0")
MAX_LINES = 500


class JournalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class AccountCodeField(forms.ModelChoiceField):
    """An account typed by its code (a select of the whole chart would be long); the form sets
    ``queryset`` to the reader's accounts."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Account code"))
        super().__init__(queryset=Account.objects.none(), to_field_name="code", **kwargs)
        self.error_messages["invalid_choice"] = _("No account has the code %(value)s.")

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, Account) else value

    def to_python(self, value: Any) -> Any:
        return super().to_python(value.strip() if isinstance(value, str) else value)


class EntryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.SearchInput(attrs={"placeholder": _("Number, memo or source")}))
    journal = JournalChoiceField(label=_("Journal"), queryset=Journal.objects.none(), required=False,
                                 empty_label=_("All journals"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *st.EntryStatus.choices])
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["journal"].queryset = journals_for_user(user)
        styled(self)


class EntryHeaderForm(forms.Form):
    journal = JournalChoiceField(label=_("Journal"), queryset=Journal.objects.none())
    document_date = forms.DateField(label=_("Date"), initial=timezone.localdate, **DATE)
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        journals = journals_for_user(user).filter(is_active=True)
        self.fields["journal"].queryset = journals
        if not self.is_bound and "journal" not in self.initial:
            general = journals.filter(kind=st.JournalKind.GENERAL).first()
            if general is not None:
                self.initial["journal"] = general.pk
        styled(self)


class EntryLineForm(forms.Form):
    account = AccountCodeField(required=False)
    debit = forms.DecimalField(label=pgettext_lazy("ledger", "Debit"), required=False, min_value=ZERO, **MONEY)
    credit = forms.DecimalField(label=pgettext_lazy("ledger", "Credit"), required=False, min_value=ZERO, **MONEY)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts_for_user(user)
        self.fields["account"].widget.attrs.update({"list": "account-codes", "autocomplete": "off", "size": 10})
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account, debit, credit = data.get("account"), data.get("debit") or ZERO, data.get("credit") or ZERO
        if self.errors:
            return data
        if account is None:
            self.add_error("account", _t("Give the account's code."))
        elif account.is_group:
            self.add_error("account", _t("%(account)s is a group account: post to an account under it.")
                           % {"account": account})
        elif not account.is_active:
            self.add_error("account", _t("%(account)s is inactive.") % {"account": account})
        if (debit > 0) == (credit > 0):
            self.add_error("debit", _t("Give either a debit or a credit."))
        return data

    def line(self) -> Line:
        data = self.cleaned_data
        return Line(data["account"], debit=data.get("debit") or ZERO, credit=data.get("credit") or ZERO,
                    description=data.get("description") or "")


class EntryLineFormSetBase(LineFormSet):
    require_lines = True

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.non_form_errors():
            return
        lines = self.lines()
        debit = sum((line.debit for line in lines), ZERO)
        credit = sum((line.credit for line in lines), ZERO)
        if debit != credit:
            raise forms.ValidationError(
                _t("The debits (%(debit)s) and the credits (%(credit)s) differ by %(diff)s: the entry does not "
                   "balance.") % {"debit": format_money(debit), "credit": format_money(credit),
                                  "diff": format_money(abs(debit - credit))})


EntryLineFormSet = forms.formset_factory(EntryLineForm, formset=EntryLineFormSetBase, extra=1, can_delete=True,
                                         max_num=MAX_LINES)


class ReverseForm(forms.Form):
    date = forms.DateField(label=_("Date of the reversal"), initial=timezone.localdate,
                           help_text=_("The reversing entry is posted on this date, in an open period."), **DATE)
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False,
                           help_text=_("Empty: “Reversal of” the entry's number."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


class FiscalYearForm(forms.Form):
    year = forms.IntegerField(label=_("Fiscal year"), min_value=1900, max_value=2999,
                              help_text=_("The calendar year the fiscal year starts in."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


FIRST_YEAR, LAST_YEAR = 1900, 2999


def check_years(form: forms.Form, *names: str) -> None:
    """A report reads the years 1900 to 2999 (beyond, the calendar's arithmetic overflows)."""
    for name in names:
        day = form.cleaned_data.get(name)
        if isinstance(day, datetime.date) and not FIRST_YEAR <= day.year <= LAST_YEAR:
            form.add_error(name, _t("Enter a date between the years %(first)s and %(last)s.")
                           % {"first": FIRST_YEAR, "last": LAST_YEAR})


def check_date_range(form: forms.Form, data: dict[str, Any]) -> None:
    """A report's ``date_from`` / ``date_to``: years it can read, and the end not before the start."""
    check_years(form, "date_from", "date_to")
    start, end = data.get("date_from"), data.get("date_to")
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        form.add_error("date_to", _t("The end date is before the start date."))


class DateRangeForm(forms.Form):
    date_from = forms.DateField(label=_("Date from"), required=False, **DATE)
    date_to = forms.DateField(label=_("Date to"), required=False, **DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_date_range(self, data)
        return data


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, **DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_years(self, "as_of")
        return data
