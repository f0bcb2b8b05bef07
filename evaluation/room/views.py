"""Pages of the closed evaluation area: the expert's sessions, a session's bids, and a bid file
(streamed as it is decrypted). Each calls the gate through the viewer; a refusal is shown as a
page with its message and status (the gate recorded it). Login comes first: an anonymous
visitor is sent to log in and never reaches the gate."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.acting import acting_from_request
from evaluation.room.access import RoomRefused
from evaluation.room.viewer import RoomFile, room_bid_file, room_bid_list, room_sessions


def _refused(request: HttpRequest, refusal: RoomRefused) -> HttpResponse:
    return render(
        request, "evaluation/room_refused.html", {"refusal": refusal}, status=refusal.status
    )


def bid_file_response(room_file: RoomFile) -> StreamingHttpResponse:
    """The plaintext as it is decrypted, never cached: a download named for the file (or its
    code), whatever its type, so that no bidder's file runs as a page of the platform."""
    response = StreamingHttpResponse(room_file.chunks, content_type=room_file.content_type)
    response["Content-Length"] = str(room_file.size)
    response["Content-Disposition"] = content_disposition_header(True, room_file.name)
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_GET
@login_required
def room_lobby_page(request: HttpRequest) -> HttpResponse:
    try:
        sessions = room_sessions(acting=acting_from_request(request))
    except RoomRefused as refusal:
        return _refused(request, refusal)
    return render(request, "evaluation/room_lobby.html", {"sessions": sessions})


@require_GET
@login_required
def room_bids_page(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    try:
        listing = room_bid_list(acting=acting_from_request(request), tender_id=tender_id)
    except RoomRefused as refusal:
        return _refused(request, refusal)
    return render(
        request,
        "evaluation/room_bids.html",
        {
            "listing": listing,
            "tender": listing.room.tender,
            "session": listing.room.session,
            "rules": listing.rules,
        },
    )


@require_GET
@login_required
def room_bid_file_page(
    request: HttpRequest, tender_id: UUID, bid_id: UUID, index: int
) -> HttpResponse:
    try:
        room_file = room_bid_file(
            acting=acting_from_request(request),
            tender_id=tender_id,
            bid_id=bid_id,
            file_index=index,
        )
    except RoomRefused as refusal:
        return _refused(request, refusal)
    return bid_file_response(room_file)
