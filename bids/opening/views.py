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

from accounts.acting import CERTIFICATE_SESSION_KEY
from bids.models import DecryptionFault
from bids.opening import selectors
from bids.opening.hall import hall_viewer, opening_hall
from monitoring.clock import database_now
from trading.models import Tender


def _hall_text() -> dict[str, Any]:
    """The hall's words, translated once: the templates show them, and the page's script gets
    the few it shows itself (SCRIPT_WORDS)."""
    return {
        "not_started": _("Not started"),
        "you": _("your organisation"),
        "signed_in": _("Signed in"),
        "not_signed_in": _("Not signed in"),
        "confirmed": _("Confirmed"),
        "not_confirmed": _("Not confirmed"),
        "escrow_key": _("key recovered through escrow"),
        "escrow_requested": _("escrow recovery requested"),
        "reason": _("Reason"),
        "ruling": _("Ruling"),
        # DecryptionState.FAILED's label is "Failed", which the catalogue shares with the
        # tender's failed state (流标): a bid whose decryption failed is not a failed tender.
        "decryption_failed": _("Decryption failed"),
        "request_escrow": _("Request escrow recovery"),
        "record_fault": _("Record the ruling"),
        "answer": _("Answer"),
        "send_answer": _("Send the answer"),
        "awaiting_answer": _("awaiting the host's answer"),
        "no_bidders": _("No bidder to show yet."),
        "no_objections": _("No objection."),
        "offline": _("The hall cannot be reached; retrying…"),
        "sending": _("Sending…"),
        "done": _("Done."),
        "failed": _("The request failed."),
    }


# The words the page's script shows itself (it has no catalogue of its own).
SCRIPT_WORDS = ("offline", "sending", "done", "failed")


def _hall_context(request: HttpRequest, tender: Tender) -> dict[str, Any]:
    """What the page and its live fragment render: bids.opening.hall decides who may enter
    (PermissionDenied → 403), what each viewer sees and which controls it may use."""
    hall = opening_hall(user=request.user, tender=tender)
    role = hall.viewer.role
    return {
        "tender": tender,
        "hall": hall,
        "hall_json": hall.as_json(),
        "role": role,
        "text": _hall_text(),
        "fault_choices": DecryptionFault.choices,
        "sign_in_opens_at": selectors.opening_sign_in_opens_at(tender=tender),
        # The host announces the ceiling price when it starts decryption (办法 第30条).
        "ceiling_price_fen": tender.ceiling_price_fen if role == "host" else None,
        "certificate_session": bool(request.session.get(CERTIFICATE_SESSION_KEY)),
        "server_url": request.build_absolute_uri("/").rstrip("/"),
        "hall_url": reverse("opening-hall", kwargs={"tender_id": tender.pk}),
        "record_url": reverse("opening-record", kwargs={"tender_id": tender.pk}),
    }


@login_required
def opening_hall_page(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    """The live opening hall: rendered now, then refreshed by static/js/opening-hall.js, which
    polls the live fragment (opening_hall_live) and puts its parts in place; every control
    posts to the hall API."""
    tender = get_object_or_404(Tender.objects.select_related("project"), pk=tender_id)
    context = _hall_context(request, tender)
    text = context["text"]
    return render(
        request,
        "bids/opening_hall.html",
        {
            **context,
            "live_url": reverse("bids:opening-hall-live", kwargs={"tender_id": tender.pk}),
            "script_text": {word: text[word] for word in SCRIPT_WORDS},
        },
    )


@login_required
def opening_hall_live(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    """The hall's live parts as an HTML fragment, for the page to poll; permission is checked
    again, as for the page."""
    tender = get_object_or_404(Tender.objects.select_related("project"), pk=tender_id)
    return render(request, "bids/opening_hall_live.html", _hall_context(request, tender))


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
    return render_to_string(
        "bids/opening_hall_panel.html", {"tender": tender, "viewer": viewer}, request=request
    )
