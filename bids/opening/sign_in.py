"""签到: a bidder with a submitted bid signs in to the opening hall with its organisation
certificate (办法 第29条)."""

from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import refused
from bids.models import (
    BidState,
    OpeningSignIn,
    OpeningState,
)
from bids.opening.checks import (
    hall_tender,
    locked_session,
    own_bid,
)
from bids.opening.refusals import refusals_logged
from bids.opening.selectors import opening_sign_in_opens_at
from config.times import shanghai_time
from monitoring.clock import database_now
from monitoring.services import Sealed, record_event
from monitoring.transitions import moment_set_by_state
from trading.models import TenderState


@refusals_logged
def opening_sign_in(*, acting: Acting, tender_id: UUID) -> OpeningSignIn:
    """签到: a bidder with a submitted bid signs in with its organisation certificate.

    Sign-in opens `sign_in_opens_minutes_before` the deadline (= the opening time) and lasts
    until the decryption window closes. Signing in again returns the first sign-in.
    """
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    now = database_now()
    if tender.state not in (TenderState.PUBLISHED, TenderState.BIDDING_CLOSED, TenderState.OPENING):
        raise refused(
            "sign_in_not_open",
            _("Tender %(tender)s is %(state)s: there is no opening to sign in to.")
            % {"tender": tender.pk, "state": tender.get_state_display()},
        )
    opens_at = opening_sign_in_opens_at(tender=tender)
    if now < opens_at:
        raise refused(
            "sign_in_not_open",
            _("Sign-in to the opening of tender %(tender)s opens at %(opens)s.")
            % {"tender": tender.pk, "opens": shanghai_time(opens_at, seconds=True)},
        )
    bid = own_bid(acting, tender, (BidState.SUBMITTED,))
    if bid is None:
        raise refused(
            "no_bid",
            _("%(bidder)s has no submitted bid for tender %(tender)s: only bidders sign in.")
            % {"bidder": acting.acted_for.name, "tender": tender.pk},
            status=403,
        )
    with transaction.atomic():
        session = locked_session(tender)
        if session.state not in (OpeningState.SIGN_IN, OpeningState.DECRYPTING):
            raise refused("sign_in_closed", _("The decryption window is over: sign-in is closed."))
        existing = OpeningSignIn.objects.filter(session=session, bidder=acting.organisation)
        if existing.exists():
            return existing.get()
        sign_in = OpeningSignIn.objects.create(
            session=session,
            bidder=acting.acted_for,
            user=acting.user,
            certificate_sha256=acting.certificate_sha256,
            client_ip=acting.client_ip,
            signed_in_at=now,
        )
        identity = {
            "bidder_uscc": acting.acted_for.uscc,
            "certificate_sha256": acting.certificate_sha256,
        }
        if now < moment_set_by_state(tender, "bid_deadline"):
            # Sign-in opens before the deadline: until then who signs in is sealed and the
            # event is on the sign-in, not the tender's session (办法 第21条).
            record_event(
                actor=actor,
                action="opening.signed_in",
                object_type="bids.openingsignin",
                object_id=str(sign_in.pk),
                sealed=Sealed(tender_id=str(tender.pk), fields=identity),
            )
        else:
            record_event(
                actor=actor,
                action="opening.signed_in",
                object_type="bids.openingsession",
                object_id=str(session.pk),
                payload={"tender": str(tender.pk), **identity},
            )
    return sign_in
