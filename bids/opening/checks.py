"""What every step of the opening hall checks first: the tender, who acts (the host), the
state of the hall and its window; and the one order in which hall rows are locked."""

import datetime as dt
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import BidRefused, refused
from bids.models import (
    Bid,
    BidDecryption,
    DecryptionState,
    OpeningSession,
    OpeningState,
)
from config.times import shanghai_time
from monitoring.clock import database_now
from monitoring.services import Actor
from monitoring.transitions import moment_set_by_state
from trading.models import Tender, TenderState
from trading.services import manager_role

DEFAULT_CONFIRMATION_MINUTES = 15
COMMITTEE_ROLE = "committee"  # the event log's role of an opening-committee member
TERMINAL = (DecryptionState.DECRYPTED, DecryptionState.FAILED)


def confirmation_period() -> dt.timedelta:
    minutes = getattr(settings, "OPENING_CONFIRMATION_MINUTES", DEFAULT_CONFIRMATION_MINUTES)
    return dt.timedelta(minutes=float(minutes))


def decryption_lease_seconds() -> float:
    return float(getattr(settings, "BID_DECRYPTION_LEASE_SECONDS", 120))


def hall_tender(tender_id: UUID) -> Tender:
    tender = Tender.objects.select_related("project").filter(pk=tender_id).first()
    if tender is None:
        raise BidRefused(
            "tender_not_found",
            _("Tender %(tender)s does not exist.") % {"tender": tender_id},
            status=404,
        )
    return tender


def host_actor(acting: Acting, tender: Tender) -> Actor:
    """The tenderee or agent running the opening; anyone else is refused with a 404 (the
    tender is another organisation's: docs/hardening.md "Permission matrix"), on record."""
    try:
        role = manager_role(acting, tender.project)
    except (PermissionDenied, Http404) as error:
        raise BidRefused("not_the_host", str(error), status=404) from None
    return acting.as_actor(role)


def require_opening(tender: Tender) -> None:
    if tender.state != TenderState.OPENING:
        raise refused(
            "tender_not_opening",
            _("Tender %(tender)s is %(state)s: the opening hall is not in session.")
            % {"tender": tender.pk, "state": tender.get_state_display()},
        )


def locked_session(tender: Tender) -> OpeningSession:
    """The tender's opening session, made on first use; locked until the caller commits."""
    OpeningSession.objects.get_or_create(tender=tender, defaults={"created_at": database_now()})
    return OpeningSession.objects.select_for_update().get(tender=tender)


def locked_decryption(decryption_id: UUID) -> BidDecryption:
    """Lock a bid's decryption the one way every path does: its opening session first, then the
    decryption row (then, by recording, the event chain's head). One order, no deadlock between
    a key being handed over and a worker recording another bid."""
    session_id = BidDecryption.objects.values_list("session_id", flat=True).get(pk=decryption_id)
    session = OpeningSession.objects.select_for_update().get(pk=session_id)
    decryption = (
        BidDecryption.objects.select_for_update(of=("self",))
        .select_related("bid", "bid__bidder")
        .get(pk=decryption_id)
    )
    decryption.session = session
    return decryption


def own_bid(acting: Acting, tender: Tender, states: tuple[str, ...]) -> Bid | None:
    return (
        Bid.objects.filter(tender=tender, bidder=acting.organisation, state__in=states)
        .order_by("-sequence")
        .first()
    )


def storage_refusal() -> BidRefused:
    return BidRefused(
        "storage_unavailable",
        _("The bid storage is not reachable right now; nothing changed. Retry in a moment."),
        status=503,
        retryable=True,
    )


def require_window_open(session: OpeningSession, now: dt.datetime) -> None:
    if session.state == OpeningState.SIGN_IN:
        raise refused(
            "window_not_open",
            _("The decryption window has not opened yet: wait for the host to start decryption."),
        )
    # Set when decryption starts, so in every state after sign-in.
    ends_at = moment_set_by_state(session, "decryption_ends_at")
    if session.state != OpeningState.DECRYPTING or now >= ends_at:
        raise refused(
            "window_closed",
            _("The decryption window closed at %(ends)s.")
            % {"ends": shanghai_time(ends_at, seconds=True)},
        )


def reading_session(tender: Tender) -> OpeningSession:
    session = OpeningSession.objects.select_for_update().filter(tender=tender).first()
    if session is None or session.state != OpeningState.READING:
        raise refused("not_reading", _("The opening record is not being read out now."))
    return session
