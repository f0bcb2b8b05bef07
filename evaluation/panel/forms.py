"""Forms of the panel's pages: they parse input only; the use cases decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

SPECIALTY_ROWS = 4


class SpecialtyCountForm(forms.Form):
    specialty = forms.CharField(label=_("Specialty code"), max_length=20, required=False)
    count = forms.IntegerField(label=_("Experts"), min_value=1, max_value=99, required=False)


SpecialtyFormSet = forms.formset_factory(SpecialtyCountForm, extra=SPECIALTY_ROWS)


class RepresentativeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class PanelRequestForm(forms.Form):
    size = forms.IntegerField(label=_("Members in all"), min_value=1, max_value=99, initial=5)
    region = forms.CharField(
        label=_("Region"),
        max_length=6,
        required=False,
        help_text=_("an administrative division code, e.g. 110000 for all of 北京市; empty: any"),
    )
    representatives = RepresentativeField(
        label=_("Tenderee's representatives"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("at most a third of the panel"),
    )

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["representatives"].queryset = people  # type: ignore[attr-defined]


def specialties_of(formset: Any) -> list[dict[str, Any]]:
    """The rows filled in, in order, as the use case takes them."""
    return [
        {
            "specialty": row.cleaned_data["specialty"].strip().upper(),
            "count": row.cleaned_data.get("count"),
        }
        for row in formset
        if row.cleaned_data.get("specialty")
    ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)
