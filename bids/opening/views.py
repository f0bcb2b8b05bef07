"""Pages of the opening hall: the live hall (what each viewer may see comes from
bids.opening.hall), and the way into it from trading's tender page (settings.TENDER_PAGE_PANELS)."""

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from bids.acting import CERTIFICATE_SESSION_KEY
from bids.models import DecryptionFault, DecryptionState, OpeningOutcome, OpeningState
from bids.opening import selectors
from bids.opening.hall import hall_viewer, opening_hall
from monitoring.clock import database_now
from trading.models import Tender

# Which controls of the hall page show, by the session's state ("none": no session yet) and,
# for a bidder, by its own rows. static/js/opening-hall.js applies the same table to each poll.
HALL_CONTROLS: dict[str, dict[str, Any]] = {
    "sign-in": {"roles": ["bidder"], "states": ["none", "sign_in", "decrypting"],
                "own": "not_signed_in"},
    "decrypt-command": {"roles": ["bidder"], "states": ["decrypting"], "own": "waiting"},
    "confirm": {"roles": ["bidder"], "states": ["reading"], "own": "not_confirmed"},
    "object": {"roles": ["bidder"], "states": ["reading"]},
    "start": {"roles": ["host"], "states": ["none", "sign_in"]},
    "escrow-recovery": {"roles": ["host"], "states": ["decrypting"], "escrow": True},
    "finalise": {"roles": ["host"], "states": ["reading"]},
    "record": {"roles": ["host", "supervisor", "committee", "bidder"], "states": ["finalised"]},
}


def _own_condition(condition: str | None, hall: dict[str, Any]) -> bool:
    own = [row for row in hall["bidders"] if row.get("own")]
    if condition == "not_signed_in":
        return not any(row.get("signed_in") for row in own)
    if condition == "waiting":
        return any(row.get("decryption") == DecryptionState.WAITING for row in own)
    if condition == "not_confirmed":
        return any(not row.get("confirmed") for row in own)
    return True


def hall_controls(hall: dict[str, Any]) -> set[str]:
    """The controls the page shows now for this hall state (the services decide again)."""
    state = hall["session"]["state"] if hall["session"] else "none"
    role = hall["viewer"]["role"]
    return {
        name for name, rule in HALL_CONTROLS.items()
        if role in rule["roles"] and state in rule["states"]
        and (not rule.get("escrow") or hall["escrow"] is not None)
        and _own_condition(rule.get("own"), hall)
    }


def hall_row_action(hall: dict[str, Any], row: dict[str, Any]) -> str:
    """The host's action on one bidder row: "escrow-request", "fault" or ""."""
    session = hall["session"]
    if hall["viewer"]["role"] != "host" or session is None:
        return ""
    if (session["state"] == OpeningState.DECRYPTING and hall["escrow"] is not None
            and row.get("decryption") == DecryptionState.WAITING
            and not row.get("escrow_requested")):
        return "escrow-request"
    if (session["state"] in (OpeningState.DECRYPTING, OpeningState.READING)
            and row.get("decryption") == DecryptionState.FAILED and not row.get("fault")):
        return "fault"
    return ""


def _hall_text() -> dict[str, Any]:
    """The page script's words, translated here (the script has no catalogue of its own)."""
    return {
        "fault": dict(DecryptionFault.choices),
        "outcome": dict(OpeningOutcome.choices),
        "not_started": _("Not started"),
        "you": _("your organisation"),
        "signed_in": _("Signed in"),
        "not_signed_in": _("Not signed in"),
        "confirmed": _("Confirmed"),
        "not_confirmed": _("Not confirmed"),
        "escrow_key": _("key recovered through escrow"),
        "escrow_requested": _("escrow recovery requested"),
        "wrong_key_attempts": _("wrong keys given: %(count)s"),
        "yuan": _("%(yuan)s yuan"),
        "reason": _("Reason"),
        "request_escrow": _("Request escrow recovery"),
        "record_fault": _("Record the ruling"),
        "answer": _("Answer"),
        "send_answer": _("Send the answer"),
        "awaiting_answer": _("awaiting the host's answer"),
        "no_bidders": _("No bidder to show yet."),
        "no_objections": _("No objection."),
        "updated": _("Updated %(time)s"),
        "offline": _("The hall cannot be reached; retrying…"),
        "sending": _("Sending…"),
        "done": _("Done."),
        "failed": _("The request failed."),
    }


@login_required
def opening_hall_page(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    """The live opening hall: rendered now, then refreshed by static/js/opening-hall.js
    polling GET /api/v1/tenders/<id>/opening. bids.hall decides who may enter and what each
    viewer sees (PermissionDenied → 403); every control posts to the hall API."""
    tender = get_object_or_404(Tender.objects.select_related("project"), pk=tender_id)
    hall = opening_hall(user=request.user, tender=tender)
    role = hall["viewer"]["role"]
    faults = dict(DecryptionFault.choices)
    rows = [{**row, "action": hall_row_action(hall, row),
             "fault_label": faults.get(row.get("fault") or "", "")} for row in hall["bidders"]]
    state = hall["session"]["state"] if hall["session"] else "none"
    outcome = hall["session"]["outcome"] if hall["session"] else None
    return render(request, "bids/opening_hall.html", {
        "tender": tender,
        "hall": hall,
        "rows": rows,
        "role": role,
        "state": state,
        "controls": hall_controls(hall),
        "outcome_label": dict(OpeningOutcome.choices).get(outcome or "", ""),
        "control_rules": HALL_CONTROLS,
        "text": _hall_text(),
        "fault_choices": DecryptionFault.choices,
        "sign_in_opens_at": selectors.opening_sign_in_opens_at(tender=tender),
        # The host announces the ceiling price when it starts decryption (办法 第30条).
        "ceiling_price_fen": tender.ceiling_price_fen if role == "host" else None,
        "certificate_session": bool(request.session.get(CERTIFICATE_SESSION_KEY)),
        "server_url": request.build_absolute_uri("/").rstrip("/"),
        "hall_url": reverse("opening-hall", kwargs={"tender_id": tender.pk}),
        "record_url": reverse("opening-record", kwargs={"tender_id": tender.pk}),
    })


def opening_hall_panel(request: HttpRequest, tender: Tender) -> str:
    """A way into the opening hall, from the time sign-in opens, for those bids.opening.hall lets in
    (the host, supervisors, the opening committee, bidders of this tender)."""
    if not request.user.is_authenticated:
        return ""
    if database_now() < selectors.opening_sign_in_opens_at(tender=tender):
        return ""
    try:
        viewer = hall_viewer(user=request.user, tender=tender)
    except PermissionDenied:
        return ""
    return render_to_string("bids/opening_hall_panel.html",
                            {"tender": tender, "viewer": viewer}, request=request)
