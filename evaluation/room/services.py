"""What the closed area changes: the codes bidders appear under in an anonymous technical
evaluation (暗标)."""

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from uuid import UUID

from django.db import transaction

from bids.models import Bid
from evaluation.models import BidEvaluation, EvaluationSession
from evaluation.room.selectors import room_bids
from monitoring.services import PLATFORM, Actor, record_event
from signing.canonical import canonical_digest

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def bid_code(number: int) -> str:
    """The `number`-th code (from 0): A … Z, then AA, AB, … (bijective base 26)."""
    letters = ""
    number += 1
    while number:
        number, remainder = divmod(number - 1, len(ALPHABET))
        letters = ALPHABET[remainder] + letters
    return letters


def _codes() -> Iterator[str]:
    number = 0
    while True:
        yield bid_code(number)
        number += 1


def _price_fen(bid: Bid) -> int:
    """The total price read at the opening (唱标), from the decrypted price sheet."""
    return int(bid.decryption.price_sheet.get("total_price_fen") or 0)


def bid_codes_assign(*, session_id: UUID, actor: Actor = PLATFORM) -> dict[UUID, str]:
    """Give each decrypted bid of the session's tender its BidEvaluation row and a code ("A",
    "B", …), the name it appears under in an anonymous technical evaluation; returns every
    bid's code. Codes given before are kept, so calling it again (at convening, and by the
    viewer where the workflow has not) changes nothing; a bid decrypted later gets the next
    free code.

    The order is that of HMAC-SHA256(bid id) under a secret drawn for this call and then
    discarded: it follows neither the submission sequence nor anything a bidder chose, and
    nobody can work it out again. The assignment's event holds the digest of the codes, so a
    code changed afterwards shows.
    """
    with transaction.atomic():
        session = EvaluationSession.objects.select_for_update().get(pk=session_id)
        codes: dict[UUID, str] = dict(
            BidEvaluation.objects.filter(session=session).values_list("bid_id", "code")
        )
        new = [bid for bid in room_bids(session=session) if bid.pk not in codes]
        if not new:
            return codes
        secret = secrets.token_bytes(32)
        new.sort(key=lambda bid: hmac.new(secret, bid.pk.bytes, hashlib.sha256).digest())
        used = set(codes.values())
        free = (code for code in _codes() if code not in used)
        rows = [
            BidEvaluation(session=session, bid=bid, code=next(free), price_fen=_price_fen(bid))
            for bid in new
        ]
        BidEvaluation.objects.bulk_create(rows)
        codes.update({row.bid_id: row.code for row in rows})
        record_event(
            actor=actor,
            action="evaluation.codes_assigned",
            object_type="evaluation.session",
            object_id=str(session.pk),
            payload={
                "tender": str(session.tender_id),
                "assigned": len(rows),
                "codes_sha256": canonical_digest(
                    {str(bid_id): code for bid_id, code in codes.items()}
                ),
            },
        )
        return codes
