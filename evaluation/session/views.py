"""The session's page: for a member, the closed area's working page (review and scoring forms
with running totals, flagged scores, the report to sign); for the tenderee, the progress and
the convening form. Every form posts to one step of STEPS, the same services as the API."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.acting import acting_from_request, logged_in_user
from config.errors import Refusal
from evaluation.errors import NotOnPanel
from evaluation.models import PanelSeat, SeatState, SessionState
from evaluation.report.render import report_html, report_pdf
from evaluation.report.selectors import report_for
from evaluation.report.services import signed_report_json
from evaluation.room.access import RoomRefused
from evaluation.session.api import STEPS
from evaluation.session.selectors import session_seen
from trading.models import Tender, TenderState
from trading.selectors import user_manages_project


def _running_totals(seen: dict[str, Any]) -> dict[str, Decimal]:
    """Each bid's sum of the member's own points so far (the price score comes at the end)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for score in seen.get("my_scores", []):
        totals[score["bid"]] += Decimal(score["points"])
    return dict(totals)


def _leader_steps(state: str) -> list[tuple[str, str]]:
    return {
        SessionState.LEADER_ELECTED: [("review/start", _("Open the qualification review"))],
        SessionState.QUALIFICATION: [("review/close", _("Close the qualification review"))],
        SessionState.RESPONSIVENESS: [
            ("price-explanations/request", _("Ask for explanations of abnormally low prices")),
            ("review/close", _("Close the responsiveness review")),
        ],
        SessionState.SCORING: [("scoring/close", _("Close the scoring"))],
        SessionState.CONSOLIDATION: [
            ("consolidation/close", _("Consolidate and write the report"))
        ],
    }.get(SessionState(state), [])


def _convene_page(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    """The tenderee of an opened tender whose panel is complete: the convening form."""
    tender = Tender.objects.select_related("project").filter(pk=tender_id).first()
    if tender is None or not user_manages_project(
        user=logged_in_user(request), project=tender.project
    ):
        raise Http404
    return render(
        request,
        "evaluation/session.html",
        {"convene": True, "tender_id": tender_id, "state_label": tender.get_state_display()},
    )


@login_required
def session_page(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    try:
        seen = session_seen(acting=acting_from_request(request), tender_id=tender_id)
    except NotOnPanel:
        return _convene_page(request, tender_id)
    verdicts = {
        (item["bid"], item["criterion"]): item
        for item in seen.get("my_verdicts", [])
        if item["stage"] == seen["state"]
    }
    scores = {(item["bid"], item["criterion"]): item for item in seen.get("my_scores", [])}
    totals = _running_totals(seen)
    # A member's view lists the bids; the tenderee's progress only counts them.
    bids = seen["bids"] if isinstance(seen.get("bids"), list) else []
    rows = [
        {
            **bid,
            "total": totals.get(bid["bid"]),
            "cells": [
                {
                    "criterion": criterion,
                    "verdict": verdicts.get((bid["bid"], criterion["code"])),
                    "score": scores.get((bid["bid"], criterion["code"])),
                }
                for criterion in seen.get("criteria", [])
            ],
        }
        for bid in bids
    ]
    return render(
        request,
        "evaluation/session.html",
        {
            "seen": seen,
            "rows": rows,
            "flagged": [item for item in seen.get("my_scores", []) if item["flagged"]],
            "tender_id": tender_id,
            "state_label": SessionState(seen["state"]).label,
            "starts_at": datetime.fromisoformat(seen["starts_at"]),
            "ends_at": datetime.fromisoformat(seen["ends_at"]),
            "reviewing": seen["state"] in (SessionState.QUALIFICATION, SessionState.RESPONSIVENESS),
            "leader_steps": _leader_steps(seen["state"]) if seen.get("is_leader") else [],
        },
    )


@login_required
@require_POST
def session_step(request: HttpRequest, tender_id: UUID, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    serializer_class, call = STEPS[step]
    serializer = serializer_class(data=request.POST)
    if not serializer.is_valid():
        field, problems = next(iter(serializer.errors.items()))
        messages.error(request, f"{field}: {problems[0]}")
        return redirect("evaluation:session", tender_id=tender_id)
    try:
        call(acting_from_request(request), tender_id, dict(serializer.validated_data))
    except NotOnPanel:
        raise Http404 from None
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("evaluation:session", tender_id=tender_id)


def evaluation_panel(request: HttpRequest, tender: Tender) -> str:
    """A way into the evaluation from trading's tender page, for the tenderee or agent once the
    bids are opened, and for the panel's confirmed members (nobody else learns it exists)."""
    if not request.user.is_authenticated or tender.state not in (
        TenderState.OPENED,
        TenderState.EVALUATING,
    ):
        return ""
    member = PanelSeat.objects.filter(
        panel__tender=tender, user=request.user, state=SeatState.CONFIRMED
    ).exists()
    if not member and not user_manages_project(
        user=logged_in_user(request), project=tender.project
    ):
        return ""
    return render_to_string(
        "evaluation/evaluation_panel.html", {"tender": tender, "member": member}, request=request
    )


@login_required
def report_page(request: HttpRequest, tender_id: UUID, kind: str) -> HttpResponse:
    """The report as HTML, PDF, or the signed JSON that `bidtool report verify` checks."""
    try:
        report = report_for(acting=acting_from_request(request), tender_id=tender_id)
    except (NotOnPanel, RoomRefused):
        raise Http404 from None
    if kind == "pdf":
        response = HttpResponse(report_pdf(report), content_type="application/pdf")
    elif kind == "json":
        response = JsonResponse(
            signed_report_json(report), json_dumps_params={"ensure_ascii": False, "indent": 2}
        )
    else:
        return HttpResponse(report_html(report, request))
    response["Content-Disposition"] = f'attachment; filename="evaluation-report-{tender_id}.{kind}"'
    response["Cache-Control"] = "no-store"
    return response
