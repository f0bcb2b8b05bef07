"""The tenderee's and agent's pages after the evaluation report: the candidates' publicity with
the objections to answer, the award, the contract, the bid security refunds; and the bidder's
page of the award or result notice sent to it.

Views parse forms and call the services of trading/award.py and trading/bid_security.py, which
check every permission and rule again; a problem a service finds is drawn under the field it
concerns.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from accounts.acting import acting_from_request, logged_in_user
from config.errors import Refusal
from trading.award import candidate_objection_answer, contract_register, letter_bytes, tender_award
from trading.bid_security import bid_security_refund_record
from trading.forms import AwardForm, CandidateAnswerForm, ContractForm, RefundForm
from trading.models import AwardLetterKind, Tender
from trading.selectors import after_evaluation, award_letter_seen, tenders_managed_by
from trading.views.problems import problem_text


def _managed(request: HttpRequest, tender_id: str) -> Tender:
    """A tender this user manages (tenderee or agent), or 404: another's tender is not shown."""
    tender = tenders_managed_by(user=logged_in_user(request)).filter(pk=tender_id).first()
    if tender is None:
        raise Http404
    return tender


def attempt_service(form: forms.Form, call: Callable[[], Any]) -> bool:
    """Call the service; each problem it finds goes under the form's field it concerns (or
    above the form). True when the service accepted."""
    fields = getattr(form, "FIELD_OF_PROBLEM", {})
    try:
        call()
    except Refusal as refusal:
        problems = getattr(refusal, "problems", None) or {refusal.field or "": refusal.message}
        for term, problem in problems.items():
            field = fields.get(term.split(".")[0])
            form.add_error(field, problem_text(term, problem))
        return False
    except (PermissionDenied, ConcurrentTransition) as error:
        form.add_error(None, str(error))
        return False
    return True


def _page(request: HttpRequest, tender: Tender, template: str, **context: Any) -> HttpResponse:
    seen = after_evaluation(tender=tender)
    return render(request, template, {"tender": tender, "seen": seen, **context})


@login_required
def candidates_page(request: HttpRequest, tender_id: str) -> HttpResponse:
    """The publicized candidates, the publicity's end, and the objections to the result with a
    form to answer each (条例 第五十四条: the procedure waits for the answers)."""
    tender = _managed(request, tender_id)
    seen = after_evaluation(tender=tender)
    answer_forms = {
        item.pk: CandidateAnswerForm(prefix=str(item.pk)) for item in seen.open_objections
    }
    if request.method == "POST":
        objection_id = request.POST.get("objection", "")
        match = next((key for key in answer_forms if str(key) == objection_id), None)
        if match is None:
            messages.error(request, _("This objection is answered already."))
            return redirect("trading:award-candidates", tender_id=tender.pk)
        form = CandidateAnswerForm(request.POST, prefix=str(match))
        answer_forms[match] = form
        if form.is_valid() and attempt_service(
            form,
            lambda: candidate_objection_answer(
                acting=acting_from_request(request),
                objection_id=match,
                answer=form.cleaned_data["text"],
            ),
        ):
            messages.success(request, _("The answer is sent to the bidder."))
            return redirect("trading:award-candidates", tender_id=tender.pk)
    return render(
        request,
        "trading/award_candidates.html",
        {
            "tender": tender,
            "seen": seen,
            "objections": [(item, answer_forms.get(item.pk)) for item in seen.objections],
        },
    )


@login_required
def award_page(request: HttpRequest, tender_id: str) -> HttpResponse:
    """Choose the winner among the publicized candidates (招标投标法 第四十五条)."""
    tender = _managed(request, tender_id)
    seen = after_evaluation(tender=tender)
    first = seen.candidates[0].organisation.uscc if seen.candidates else None
    form = AwardForm(request.POST or None, candidates=seen.candidates, initial={"winner": first})
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt_service(
            form,
            lambda: tender_award(
                acting=acting_from_request(request),
                tender_id=tender.pk,
                winner_uscc=form.cleaned_data["winner"],
                reason=form.cleaned_data["reason"] or None,
            ),
        )
    ):
        messages.success(
            request,
            _(
                "The winner is chosen: the award announcement is published, the award notice "
                "and the result notices are sent."
            ),
        )
        return redirect("trading:workspace-tender", tender_id=tender.pk)
    return render(
        request, "trading/award_decide.html", {"tender": tender, "seen": seen, "form": form}
    )


@login_required
def contract_page(request: HttpRequest, tender_id: str) -> HttpResponse:
    """Record the contract signed with the winner (招标投标法 第四十六条: within 30 days of the
    award notice)."""
    tender = _managed(request, tender_id)
    seen = after_evaluation(tender=tender)
    # The awarded price, offered: the contract is made on the winning bid (法 第四十六条).
    initial = {"value": Decimal(seen.award.price_fen) / 100} if seen.award else {}
    form = ContractForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt_service(
            form,
            lambda: contract_register(
                acting=acting_from_request(request),
                tender_id=tender.pk,
                value_fen=form.cleaned_data["value"],
                signed_at=form.cleaned_data["signed_at"],
            ),
        )
    ):
        messages.success(request, _("The contract is recorded and its notice published."))
        return redirect("trading:workspace-tender", tender_id=tender.pk)
    return render(
        request, "trading/award_contract.html", {"tender": tender, "seen": seen, "form": form}
    )


@login_required
def refunds_page(request: HttpRequest, tender_id: str) -> HttpResponse:
    """Record when the bid security went back, to the winner and to the other bidders (条例
    第五十七条); the platform moves no money."""
    tender = _managed(request, tender_id)
    form = RefundForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt_service(
            form,
            lambda: bid_security_refund_record(
                acting=acting_from_request(request),
                tender_id=tender.pk,
                recipients=form.cleaned_data["recipients"],
                refunded_at=form.cleaned_data["refunded_at"],
            ),
        )
    ):
        messages.success(request, _("The refund is recorded."))
        return redirect("trading:award-refunds", tender_id=tender.pk)
    return _page(request, tender, "trading/award_refunds.html", form=form)


@login_required
def letter_page(request: HttpRequest, letter_id: str) -> HttpResponse:
    """The award notice (中标通知书) or result notice sent to the reader's organisation."""
    letter = award_letter_seen(user=logged_in_user(request), letter_id=letter_id)
    if letter is None:
        raise Http404
    content = letter.content
    return render(
        request,
        "trading/award_letter.html",
        {
            "letter": letter,
            "content": content,
            "is_award": letter.kind == AwardLetterKind.AWARD_NOTICE,
        },
    )


PARTS = {
    "letter.json": ("application/json", letter_bytes),
    "signature.p7s": ("application/pkcs7-signature", lambda item: bytes(item.platform_signature)),
    "timestamp.tsr": ("application/timestamp-reply", lambda item: bytes(item.timestamp_token)),
}


@login_required
def letter_part(request: HttpRequest, letter_id: str, part: str) -> HttpResponse:
    """The letter's exact signed bytes, the platform's signature over them and their timestamp:
    anyone holding the three can check them without the platform."""
    letter = award_letter_seen(user=logged_in_user(request), letter_id=letter_id)
    if letter is None or part not in PARTS:
        raise Http404
    content_type, read = PARTS[part]
    response = HttpResponse(read(letter), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{letter.kind}-{letter.pk}-{part}"'
    return response
