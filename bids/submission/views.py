"""Pages of bid submission: the bidder workspace (own bids, states, receipts to download), and
the panel it adds to trading's tender page (settings.TENDER_PAGE_PANELS: trading must not import
bids, dependencies point one way, so the page asks each configured panel for its fragment)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_has_role
from bids.models import BidState, ReceiptKind
from bids.opening.selectors import opening_sign_in_opens_at
from bids.submission import selectors
from bids.submission.api import receipt_json
from monitoring.clock import database_now
from trading.models import Tender
from trading.selectors import award_letters_for, notifications_for

# The newest notices the workspace lists (the API lists them all).
NOTIFICATIONS_SHOWN = 20


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """The bidder's workspace: its bids with their receipts, the notices sent to it, and the way
    into each opening hall; nothing about anyone else's."""
    if not user_has_role(user=request.user, role=Role.BIDDER):
        raise PermissionDenied(_("This page is for bidders: it lists your organisation's bids."))
    bids = list(selectors.bids_of_user(user=request.user))
    now = database_now()
    rows = [
        {"bid": bid, "hall_open": now >= opening_sign_in_opens_at(tender=bid.tender)}
        for bid in bids
    ]
    notifications = list(notifications_for(user=request.user)[:NOTIFICATIONS_SHOWN])
    return render(
        request,
        "bids/workspace.html",
        {
            "bids": bids,
            "rows": rows,
            "notifications": notifications,
            "letters": list(award_letters_for(user=request.user)),
        },
    )


@login_required
def receipt_download(request: HttpRequest, bid_id, kind: str) -> HttpResponse:
    if kind not in ReceiptKind.values:
        raise Http404
    bid = selectors.bids_of_user(user=request.user).filter(pk=bid_id).first()
    receipt = selectors.receipt_of(bid=bid, kind=kind) if bid else None
    if receipt is None:
        raise Http404
    response = JsonResponse(
        receipt_json(receipt), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="receipt-{bid.pk}-{kind}.json"'
    return response


def my_bid_panel(request: HttpRequest, tender: Tender) -> str:
    """Tells a bidder whether it has a submitted bid for this tender, and nothing about others."""
    if not request.user.is_authenticated or not user_has_role(user=request.user, role=Role.BIDDER):
        return ""
    bid = (
        selectors.bids_of_user(user=request.user)
        .filter(tender=tender, state=BidState.SUBMITTED)
        .first()
    )
    return render_to_string("bids/my_bid_panel.html", {"bid": bid}, request=request)
