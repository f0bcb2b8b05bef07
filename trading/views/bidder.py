"""The bidder's pages of objections and notifications: its objections to tender documents
(条例 第二十二条) and to evaluation results (条例 第五十四条) with the tenderee's answers, a form
to object to each candidate publicity it may object to, and every notice sent to it.

Views parse forms and call trading/award.py's service, which checks every permission and rule
again; a problem it finds is drawn under the field it concerns.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.acting import acting_from_request, logged_in_user
from accounts.models import Role
from accounts.selectors import user_has_role
from trading.award import candidate_objection_raise
from trading.forms import CandidateObjectionForm
from trading.selectors import (
    candidate_objections_of,
    document_objections_of,
    notifications_for,
    publicities_open_to,
)
from trading.views.award import attempt_service


def _bidder(request: HttpRequest) -> None:
    if not user_has_role(user=logged_in_user(request), role=Role.BIDDER):
        raise PermissionDenied(
            _("This page is for bidders: it lists your organisation's objections.")
        )


@login_required
def objections_page(request: HttpRequest) -> HttpResponse:
    """The bidder's objections with their answers, and a form for each running publicity."""
    _bidder(request)
    publicities = publicities_open_to(user=logged_in_user(request))
    forms = {
        str(publicity.tender_id): CandidateObjectionForm(prefix=str(publicity.tender_id))
        for publicity in publicities
    }
    if request.method == "POST":
        tender_id = request.POST.get("tender", "")
        if tender_id not in forms:
            messages.error(request, _("This tender no longer takes objections to its candidates."))
            return redirect("trading:my-objections")
        form = CandidateObjectionForm(request.POST, prefix=tender_id)
        forms[tender_id] = form
        if form.is_valid() and attempt_service(
            form,
            lambda: candidate_objection_raise(
                acting=acting_from_request(request),
                tender_id=tender_id,
                text=form.cleaned_data["text"],
            ),
        ):
            messages.success(
                request,
                _(
                    "Your objection is sent; the procedure is suspended until the tenderee "
                    "answers it."
                ),
            )
            return redirect("trading:my-objections")
    user = logged_in_user(request)
    return render(
        request,
        "trading/my_objections.html",
        {
            "publicities": [
                (publicity, forms[str(publicity.tender_id)]) for publicity in publicities
            ],
            "candidate_objections": list(candidate_objections_of(user=user)),
            "document_objections": list(document_objections_of(user=user)),
        },
    )


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    """Every notice sent to the bidder's organisations (clarifications, amendments,
    terminations: 招标投标法 第二十三条), newest first."""
    _bidder(request)
    return render(
        request,
        "trading/my_notifications.html",
        {"notifications": list(notifications_for(user=logged_in_user(request)))},
    )
