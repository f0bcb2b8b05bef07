"""Forms of the tenderee workspace: they parse input only; services decide.

People type money in yuan with two decimals and pick times in their own zone (Asia/Shanghai);
`DraftForm.terms` converts to what the service keeps: integer fen and aware datetimes.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from monitoring.clock import database_now
from trading.models import Category, DocumentKind, EvaluationMethod, Method

FEN_PER_YUAN = 100
# The largest amount a field accepts: far above any tender, below the service's own limit.
MAXIMUM_YUAN = Decimal("999999999999.99")


class YuanField(forms.DecimalField):
    """An amount in yuan, two decimals at most; `cleaned_data` holds integer fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(max_digits=14, decimal_places=2, max_value=MAXIMUM_YUAN, **kwargs)
        self.widget.attrs.update({"step": "0.01", "inputmode": "decimal"})

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        return None if amount is None else int(amount * FEN_PER_YUAN)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time picked in the browser (datetime-local), read as Beijing time."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("Beijing time (UTC+8)"))
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)


def committee_candidates() -> list[User]:
    """People who can hold an escrow share: a valid certificate bound to them, and no bidder's
    role (a bidder must not help open its rivals' bids)."""
    return list(
        User.objects.filter(certificates__not_after__gt=database_now())
        .exclude(memberships__role=Role.BIDDER)
        .distinct()
        .order_by("full_name", "username")
    )


class DraftForm(forms.Form):
    project = forms.ChoiceField(label=_("Project"))
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    ceiling_price = YuanField(label=_("Ceiling price (yuan)"), min_value=Decimal("0.01"))
    bid_security = YuanField(label=_("Bid security (yuan)"), initial=Decimal("0.00"))
    estimated_price = YuanField(
        label=_("Estimated price or budget (yuan)"),
        required=False,
        min_value=Decimal("0.01"),
        help_text=_("required to publish; the bid security's ceiling is a share of it"),
    )
    evaluation_method = forms.ChoiceField(
        label=_("Evaluation method"),
        choices=EvaluationMethod.choices,
        initial=EvaluationMethod.LOWEST_EVALUATED_PRICE,
    )
    documents_from = LocalDateTimeField(label=_("Documents available from"))
    documents_until = LocalDateTimeField(label=_("Documents available until"))
    clarification_cutoff = LocalDateTimeField(label=_("Clarification cut-off"))
    bid_deadline = LocalDateTimeField(label=_("Bid deadline and opening"))
    committee = forms.MultipleChoiceField(
        label=_("Opening committee"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "optional: people who together can recover a bid whose bidder cannot decrypt it; "
            "each needs a certificate"
        ),
    )
    committee_threshold = forms.IntegerField(
        label=_("Members needed to recover a bid"), required=False, min_value=2, initial=2
    )

    # The service's name of each term → the field that shows its problem.
    FIELD_OF_TERM = {
        "ceiling_price_fen": "ceiling_price",
        "bid_security_fen": "bid_security",
        "estimated_price_fen": "estimated_price",
        "opening_committee": "committee",
    }

    def __init__(self, *args: Any, projects: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(str(project.pk), str(project)) for project in projects]
        candidates = committee_candidates()
        if not candidates:  # nobody could hold a share: the form does not offer a committee
            del self.fields["committee"], self.fields["committee_threshold"]
            return
        self.fields["committee"].choices = [
            (str(user.pk), f"{user.full_name or user.username} ({user.username})")
            for user in candidates
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        members = data.get("committee") or []
        threshold = data.get("committee_threshold")
        if members and (threshold is None or threshold > len(members)):
            self.add_error(
                "committee_threshold",
                _("between 2 and the number of members chosen (%(count)d)")
                % {"count": len(members)},
            )
        if len(members) == 1:
            self.add_error("committee", _("choose at least two members, or none"))
        return data

    def terms(self) -> dict[str, Any]:
        """The tender's terms as the service takes them (fen, aware datetimes, user ids)."""
        data = dict(self.cleaned_data)
        terms = {
            "title": data["title"],
            "category": data["category"],
            "method": data["method"],
            "ceiling_price_fen": data["ceiling_price"],
            "bid_security_fen": data["bid_security"] or 0,
            "evaluation_method": data["evaluation_method"],
            **{
                field: data[field]
                for field in (
                    "documents_from",
                    "documents_until",
                    "clarification_cutoff",
                    "bid_deadline",
                )
            },
        }
        if data.get("estimated_price") is not None:
            terms["estimated_price_fen"] = data["estimated_price"]
        if data.get("committee"):  # absent when nobody could sit on it
            terms["opening_committee"] = {
                "members": list(data["committee"]),
                "threshold": data["committee_threshold"],
            }
        return terms

    def field_of(self, term: str) -> str | None:
        """Where a problem the service found with `term` is shown (None: above the form)."""
        field = self.FIELD_OF_TERM.get(term.split(".")[0], term.split(".")[0])
        return field if field in self.fields else None


class AmendForm(forms.Form):
    bid_deadline = LocalDateTimeField(label=_("New bid deadline"))
    reason = forms.CharField(label=_("Reason for the amendment"), max_length=500)


class CancelForm(forms.Form):
    """Terminating a tender asks why, and for an explicit confirmation: it cannot be undone."""

    reason = forms.CharField(label=_("Reason for the termination"), max_length=500)
    confirm = forms.BooleanField(
        label=_("I confirm that this tender is terminated; this cannot be undone"),
        error_messages={"required": _("tick the box to confirm the termination")},
    )


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Clarification"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("sent to every bidder that obtained the documents, and published"),
    )


class AnswerForm(forms.Form):
    objection = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentUploadForm(forms.Form):
    """A document and the tenderee's detached CMS signature over its statement, made where the
    certificate is (scripts/sign_document.py); the platform never holds the tenderee's key."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("Document"))
    signature = forms.FileField(
        label=_("Signature (.p7s)"),
        help_text=_("the detached CMS signature made with your organisation's certificate"),
    )

    def clean_signature(self) -> bytes:
        upload = self.cleaned_data["signature"]
        data = upload.read(64 * 1024 + 1)
        if len(data) > 64 * 1024:
            raise forms.ValidationError(_("a signature is a few kilobytes; this file is larger"))
        return bytes(data)


# --- After evaluation: award, contract, bid security refunds ---


class AwardForm(forms.Form):
    """The winner chosen among the publicized candidates; the reason when it is not the
    first-ranked (the service applies 条例 第五十五条)."""

    winner = forms.ChoiceField(label=_("Winner"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for not choosing the first-ranked candidate"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "only when another candidate wins: the first-ranked gave up, did not sign, did not "
            "give the performance security, or was found not to meet the conditions"
        ),
    )

    # The service's name of each problem → the field that shows it (None: above the form).
    FIELD_OF_PROBLEM = {"winner_uscc": "winner", "reason": "reason"}

    def __init__(self, *args: Any, candidates: Any = (), **kwargs: Any) -> None:
        from config.times import yuan

        super().__init__(*args, **kwargs)
        self.fields["winner"].choices = [
            (
                candidate.organisation.uscc,
                _("No. %(rank)s: %(name)s, %(price)s yuan")
                % {
                    "rank": candidate.rank,
                    "name": candidate.organisation.name,
                    "price": yuan(candidate.price_fen),
                },
            )
            for candidate in candidates
        ]


class ContractForm(forms.Form):
    signed_at = LocalDateTimeField(label=_("Signed on"))
    value = YuanField(label=_("Contract value (yuan)"), min_value=Decimal("0.01"))

    FIELD_OF_PROBLEM = {"signed_at": "signed_at", "value_fen": "value"}


class RefundForm(forms.Form):
    recipients = forms.ChoiceField(
        label=_("Refunded to"),
        widget=forms.RadioSelect,
        choices=[("winner", _("the winner")), ("others", _("the other bidders"))],
    )
    refunded_at = LocalDateTimeField(label=_("Refunded on"))

    FIELD_OF_PROBLEM = {"recipients": "recipients", "refunded_at": "refunded_at"}


class CandidateAnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELD_OF_PROBLEM = {"answer": "text"}


class CandidateObjectionForm(forms.Form):
    """A bidder's objection to the evaluation result of one tender (条例 第五十四条)."""

    text = forms.CharField(
        label=_("Your objection"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The tenderee answers within 3 days and the procedure waits for the answer "
            "(招标投标法实施条例 第五十四条)."
        ),
    )

    # The service's `raised_at` problem (the publicity is over) concerns the form as a whole.
    FIELD_OF_PROBLEM = {"text": "text", "raised_at": None}
