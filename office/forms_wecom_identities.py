"""Forms of the WeCom identity screens: the list's filters and the mapping form. They validate input;
the views hand the values to ``office.services.wecom_identities`` (never ``.save()``)."""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from erp.models import User
from office.selectors.wecom_identities import MAPPED, UNMAPPED
from office.services.wecom_identities import userid_problem

MAPPED_CHOICES = [("", _("All users")), (MAPPED, _("Mapped")), (UNMAPPED, _("Not mapped"))]


class WeComUserFilterForm(forms.Form):
    """The list's filters; an invalid value is shown with its error and not applied."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={
        "type": "search", "class": "form-control form-control-sm",
        "placeholder": _("User name, name, e-mail or WeCom user ID")}))
    mapped = forms.ChoiceField(label=_("WeCom"), required=False, choices=MAPPED_CHOICES,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def values(self):
        if not self.is_bound or not self.is_valid():
            return {"search": "", "mapped": ""}
        return {"search": self.cleaned_data["q"], "mapped": self.cleaned_data["mapped"]}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class WeComIdentityForm(forms.Form):
    """A user's WeCom user id. A new mapping also chooses the user (among the company's users without
    one); an existing mapping keeps its user."""

    user = UserChoiceField(label=_("User"), queryset=User.objects.none())
    wecom_userid = forms.CharField(
        label=_("WeCom user ID"), max_length=64,
        help_text=_("The member's account (UserID) in the WeCom address book: 1 to 64 letters, digits and "
                    "_ - @ . (capitals do not matter)."))

    def __init__(self, *args, company, identity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.identity = identity
        if identity is not None:
            del self.fields["user"]
            self.fields["wecom_userid"].initial = identity.wecom_userid
        else:
            self.fields["user"].queryset = (User.objects.filter(company=company, wecom_identity__isnull=True)
                                            .order_by("username"))
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_wecom_userid(self):
        value = self.cleaned_data["wecom_userid"].strip()
        if message := userid_problem(value):
            raise forms.ValidationError(message)
        return value

    def chosen_user(self):
        return self.identity.user if self.identity is not None else self.cleaned_data["user"]
