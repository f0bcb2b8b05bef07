"""Forms of the expert's profile page: they parse input only; the use cases decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.models import ConflictKind


class ProfileForm(forms.Form):
    specialties = forms.CharField(
        label=_("Specialty codes"),
        max_length=500,
        help_text=_("separated by commas or spaces, e.g. A010101, A010203"),
    )
    region = forms.CharField(label=_("Region"), max_length=6)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    employer_uscc = forms.CharField(label=_("Employer's credit code"), max_length=18)

    def specialty_codes(self) -> list[str]:
        text = self.cleaned_data["specialties"].replace(",", " ").replace("，", " ")
        return [code.strip().upper() for code in text.split() if code.strip()]


class ConflictForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ConflictKind.choices)
    uscc = forms.CharField(
        label=_("Organisation's credit code"),
        max_length=18,
        help_text=_("the organisation, or the one the person works for"),
    )
    person_name = forms.CharField(label=_("Person"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000)
