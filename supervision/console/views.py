"""The console's pages: the tender list, a tender's timeline and its drill-downs. Each view
parses the request, calls one selector or read service, and renders what it returns."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.acting import acting_from_request
from supervision.console.access import supervisor_required
from supervision.console.selectors import console_tenders
from supervision.console.services import (
    bid_evidence_read,
    opening_record_read,
    panel_read,
    scores_read,
    tender_timeline_read,
)
from trading.models import TenderState


@supervisor_required
def console(request: HttpRequest) -> HttpResponse:
    page = console_tenders(
        state=request.GET.get("state", ""), after=request.GET.get("after", "")[:200]
    )
    return render(
        request,
        "supervision/console.html",
        {"page": page, "states": [item for item in TenderState.choices if item[0] != "draft"]},
    )


@supervisor_required
def timeline(request: HttpRequest, tender_id: str) -> HttpResponse:
    found = tender_timeline_read(
        acting=acting_from_request(request),
        tender_id=tender_id,
        reveal_sealed=request.GET.get("sealed") == "show",
    )
    return render(request, "supervision/timeline.html", {"timeline": found})


@supervisor_required
def bids(request: HttpRequest, tender_id: str) -> HttpResponse:
    found = bid_evidence_read(acting=acting_from_request(request), tender_id=tender_id)
    return render(request, "supervision/bids.html", {"evidence": found, "tender": found.tender})


@supervisor_required
def opening(request: HttpRequest, tender_id: str) -> HttpResponse:
    found = opening_record_read(acting=acting_from_request(request), tender_id=tender_id)
    return render(request, "supervision/opening.html", {"record": found, "tender": found.tender})


@supervisor_required
def panel(request: HttpRequest, tender_id: str) -> HttpResponse:
    found = panel_read(acting=acting_from_request(request), tender_id=tender_id)
    return render(request, "supervision/panel.html", {"record": found, "tender": found.tender})


@supervisor_required
def scores(request: HttpRequest, tender_id: str) -> HttpResponse:
    found = scores_read(acting=acting_from_request(request), tender_id=tender_id)
    return render(request, "supervision/scores.html", {"record": found, "tender": found.tender})
