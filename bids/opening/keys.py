"""The bidder's own data key: what its tool needs to unwrap the key on its own machine, and the
hand-over of the unwrapped key, checked at once against the bid's manifest and then kept only
wrapped under the platform evaluation key (办法 第30条; escrow recovery is in escrow.py)."""

import base64
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import BidRefused, refused
from bids.models import (
    Bid,
    BidDecryption,
    BidState,
    DecryptionState,
    OpeningSession,
    OpeningState,
)
from bids.opening.checks import (
    hall_tender,
    locked_decryption,
    own_bid,
    require_opening,
    require_window_open,
    storage_refusal,
)
from bids.opening.dispatch import dispatch_decryption
from bids.opening.refusals import refusals_logged
from bids.opening.results import decryption_fail
from bids.sealed_objects import (
    check_data_key,
    data_key_purpose,
    evaluation_wrap,
    read_stored_header,
)
from monitoring.clock import database_now
from monitoring.services import Actor, record_event
from monitoring.transitions import apply_transition
from signing.envelope.errors import EnvelopeError, WrongKey
from signing.errors import SigningError
from storage.objects import StorageError

DATA_KEY_SIZE = 32  # Cobblestone-256


@refusals_logged
def opening_wrapped_key(*, acting: Acting, tender_id: UUID) -> dict[str, Any]:
    """What the bidder's tool needs to unwrap its data key locally: the wrapped key and the
    parameters bound into its wrapping (tender, bidder, role)."""
    tender = hall_tender(tender_id)
    require_opening(tender)
    bid = own_bid(acting, tender, (BidState.SUBMITTED, BidState.DECRYPTED))
    if bid is None:
        raise refused(
            "no_bid",
            _("You have no bid to decrypt in tender %(tender)s.") % {"tender": tender.pk},
            status=404,
        )
    try:
        header = read_stored_header(bid)
    except StorageError:
        raise storage_refusal() from None
    recipient = next(item for item in header.recipients if item.role == "bidder")
    return {
        "bid": str(bid.pk),
        "tender_id": header.tender_id,
        "bidder_uscc": header.bidder_uscc,
        "role": recipient.role,
        "method": recipient.method,
        "key_id": recipient.key_id,
        "wrapped_key": base64.b64encode(recipient.wrapped_key).decode("ascii"),
    }


@refusals_logged
def opening_submit_key(
    *, acting: Acting, tender_id: UUID, data_key: bytes, bid_id: UUID | None = None
) -> BidDecryption:
    """The bidder hands over the data key it unwrapped on its own machine.

    Checked at once against the bid's manifest, so a wrong key is told at once and may be
    retried within the window; an accepted key is kept only wrapped under the evaluation key,
    and a worker decrypts the whole bid.
    """
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    require_opening(tender)
    if (
        bid_id is not None
        and not Bid.objects.filter(pk=bid_id, tender=tender, bidder=acting.organisation).exists()
    ):
        raise refused(
            "not_your_bid",
            _("Bid %(bid)s is not a bid of %(bidder)s: a key is accepted only for your own bid.")
            % {"bid": bid_id, "bidder": acting.acted_for.name},
            status=403,
        )
    if not isinstance(data_key, bytes) or len(data_key) != DATA_KEY_SIZE:
        raise refused(
            "key_malformed",
            _("The data key must be %(size)d bytes (base64); it is not.") % {"size": DATA_KEY_SIZE},
            status=400,
            field="data_key",
        )
    decryption = (
        BidDecryption.objects.select_related("session", "bid")
        .filter(
            bid__tender=tender,
            bid__bidder=acting.organisation,
        )
        .order_by("-bid__sequence")
        .first()
    )
    session = (
        decryption.session if decryption else OpeningSession.objects.filter(tender=tender).first()
    )
    if session is None or decryption is None:
        if session is not None and session.state != OpeningState.SIGN_IN:
            raise refused(
                "no_bid",
                _("You have no bid to decrypt in tender %(tender)s.") % {"tender": tender.pk},
                status=404,
            )
        raise refused(
            "window_not_open",
            _("The decryption window has not opened yet: wait for the host to start decryption."),
        )
    require_window_open(session, database_now())
    if decryption.state != DecryptionState.WAITING:
        raise refused(
            "key_already_accepted",
            _("The key of this bid was already accepted (%(state)s).")
            % {"state": decryption.get_state_display()},
        )
    return accept_checked_key(decryption, data_key, key_source="bidder", actor=actor)


def accept_checked_key(
    decryption: BidDecryption, data_key: bytes, *, key_source: str, actor: Actor
) -> BidDecryption:
    bid = decryption.bid
    tender = bid.tender
    try:
        opened = check_data_key(bid, data_key)
    except WrongKey as error:
        with transaction.atomic():
            locked = locked_decryption(decryption.pk)
            locked.wrong_key_attempts += 1
            locked.last_refusal = str(error)
            locked.save(update_fields=["wrong_key_attempts", "last_refusal"])
            record_event(
                actor=actor,
                action="bid_decryption.key_refused",
                object_type="bids.biddecryption",
                object_id=str(decryption.pk),
                payload={
                    "tender": str(tender.pk),
                    "code": error.code,
                    "attempt": locked.wrong_key_attempts,
                    "source": key_source,
                },
            )
        raise BidRefused(
            "wrong_key",
            _(
                "This key does not open the bid: %(error)s You may try again "
                "until the window closes."
            )
            % {"error": error},
            status=422,
            field="data_key",
        ) from None
    except (EnvelopeError, SigningError) as error:
        decryption_fail(
            decryption.pk,
            code=getattr(error, "code", "bid_invalid"),
            reason=str(error),
            evidence={"stage": "key check"},
            actor=actor,
        )
        raise BidRefused(
            getattr(error, "code", "bid_invalid"),
            _(
                "The stored bid fails its checks: %(error)s The failure is "
                "recorded and supervisors are alerted."
            )
            % {"error": error},
            status=409,
        ) from None
    except StorageError:
        raise storage_refusal() from None
    if opened.manifest_signature is None:
        # check_data_key verifies the manifest's signature itself (it vouches for no digest).
        raise RuntimeError(f"the manifest of bid {bid.pk} was opened without its signature")
    manifest_signer = opened.manifest_signature.identity.uscc
    method, wrapped, key_id = evaluation_wrap(data_key, purpose=data_key_purpose(bid))
    with transaction.atomic():
        locked = locked_decryption(decryption.pk)
        require_window_open(locked.session, database_now())
        if locked.state != DecryptionState.WAITING:
            raise BidRefused(
                "key_already_accepted", _("The key of this bid was already accepted."), status=409
            )
        accepted = apply_transition(
            locked,
            "accept_key",
            actor=actor,
            action="bid_decryption.key_accepted",
            arguments=(key_source, wrapped, method, key_id, database_now(), opened.manifest_sha256),
            changed_fields=[
                "key_source",
                "wrapped_data_key",
                "wrap_method",
                "evaluation_key_id",
                "key_received_at",
                "manifest_sha256",
            ],
            payload={
                "tender": str(tender.pk),
                "bid": str(bid.pk),
                "source": key_source,
                "manifest_signer": manifest_signer,
            },
            on_commit=lambda: dispatch_decryption(decryption.pk),
        )
    return accepted
