"""Forms of the tenderee workspace: they parse input only; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from trading.models import Category, EvaluationMethod, Method


class DraftForm(forms.Form):
    project = forms.ChoiceField(label=_("Project"))
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    ceiling_price_fen = forms.IntegerField(label=_("Ceiling price (fen)"))
    bid_security_fen = forms.IntegerField(label=_("Bid security (fen)"), initial=0)
    estimated_price_fen = forms.IntegerField(
        label=_("Estimated price (估算价) or budget (预算金额), fen"),
        required=False,
        help_text=_("required to publish; the bid security's ceiling is a share of it"),
    )
    evaluation_method = forms.ChoiceField(
        label=_("Evaluation method"),
        choices=EvaluationMethod.choices,
        initial=EvaluationMethod.LOWEST_EVALUATED_PRICE,
    )
    documents_from = forms.DateTimeField(label=_("Documents available from"))
    documents_until = forms.DateTimeField(label=_("Documents available until"))
    clarification_cutoff = forms.DateTimeField(label=_("Clarification cut-off"))
    bid_deadline = forms.DateTimeField(label=_("Bid deadline and opening"))

    def __init__(self, *args, projects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(str(project.pk), str(project)) for project in projects]


class AmendForm(forms.Form):
    bid_deadline = forms.DateTimeField(label=_("New bid deadline"))
    reason = forms.CharField(label=_("Reason"), max_length=500)


class CancelForm(forms.Form):
    """Terminating a tender asks why, and for an explicit confirmation: it cannot be undone."""

    reason = forms.CharField(label=_("Reason for the termination"), max_length=500)
    confirm = forms.BooleanField(
        label=_("I confirm that this tender is terminated; this cannot be undone"),
        error_messages={"required": _("tick the box to confirm the termination")},
    )


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea)


class AnswerForm(TextForm):
    objection = forms.UUIDField(widget=forms.HiddenInput)
