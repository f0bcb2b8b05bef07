"""What the bids app adds to trading's tender page (settings.TENDER_PAGE_PANELS).

trading must not import bids (dependencies point one way), so the page asks each configured
panel for its fragment instead.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.loader import render_to_string

from accounts.models import Role
from accounts.selectors import user_has_role
from bids.hall import hall_viewer
from bids.models import BidState
from bids.selectors import bids_of_user, opening_sign_in_opens_at
from monitoring.clock import database_now
from trading.models import Tender


def my_bid_panel(request: HttpRequest, tender: Tender) -> str:
    """Tells a bidder whether it has a submitted bid for this tender, and nothing about others."""
    if not request.user.is_authenticated or not user_has_role(
        user=request.user, role=Role.BIDDER
    ):
        return ""
    bid = (
        bids_of_user(user=request.user)
        .filter(tender=tender, state=BidState.SUBMITTED)
        .first()
    )
    return render_to_string("bids/my_bid_panel.html", {"bid": bid}, request=request)


def opening_hall_panel(request: HttpRequest, tender: Tender) -> str:
    """A way into the opening hall, from the time sign-in opens, for those bids.hall lets in
    (the host, supervisors, the opening committee, bidders of this tender)."""
    if not request.user.is_authenticated:
        return ""
    if database_now() < opening_sign_in_opens_at(tender=tender):
        return ""
    try:
        viewer = hall_viewer(user=request.user, tender=tender)
    except PermissionDenied:
        return ""
    return render_to_string("bids/opening_hall_panel.html",
                            {"tender": tender, "viewer": viewer}, request=request)
