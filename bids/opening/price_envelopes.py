"""双信封's second opening: the price envelopes, read in public once the panel has signed the
technical result, and only for the bids that passed it.

A two-envelope tender (Tender.two_envelopes) reads no price at the opening (bids.opening.window
leaves it out of the lines, the record and its notice). Its prices are read here, as a notice
of their own (NoticeKind.PRICE_OPENING), which names every bid opened at the opening: those
that passed the technical evaluation with their price, the others as not opened
(公路工程建设项目招标投标管理办法, 交通运输部令2015年第24号, on bids in two envelopes: the
second envelope is opened in public after the first is evaluated, and only for the bidders
that passed it).

The prices come from the price sheets recorded when each bid was decrypted at the opening
(BidDecryption.price_sheet): nobody is shown them before this moment, neither in the hall, the
record, the log nor the closed area (evaluation.session.selectors).
"""

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from bids.models import BidDecryption, DecryptionState
from monitoring.services import PLATFORM
from trading.models import Notice, NoticeKind, Tender
from trading.notices import notice_publish

PASSED = "valid"
# OCDS bid status codelist: a bid that did not pass the first envelope is disqualified.
NOT_PASSED = "disqualified"


def price_envelopes_open(*, tender: Tender, passed: set[UUID]) -> Notice:
    """Publish the price reading of the second envelopes; `passed` are the bids that passed
    the technical evaluation. Must run inside the transaction that records the technical
    result, so that the two commit together."""
    decryptions = (
        BidDecryption.objects.filter(session__tender=tender, state=DecryptionState.DECRYPTED)
        .select_related("bid", "bid__bidder")
        .order_by("bid__sequence")
    )
    bids: list[dict[str, Any]] = []
    for decryption in decryptions:
        bid = decryption.bid
        entry: dict[str, Any] = {
            "id": str(bid.pk),
            "name": bid.bidder.name,
            "uscc": bid.bidder.uscc,
            "received_at": bid.received_at.isoformat(),
        }
        if bid.pk in passed:
            sheet = decryption.price_sheet or {}
            entry |= {"price_fen": sheet.get("total_price_fen"), "status": PASSED}
        else:
            entry["status"] = NOT_PASSED
        bids.append(entry)
    opened = sum(1 for entry in bids if entry["status"] == PASSED)
    return notice_publish(
        tender=tender,
        kind=NoticeKind.PRICE_OPENING,
        title=_("Price envelopes opened: %(title)s") % {"title": tender.title},
        body={
            "bids": bids,
            "text": _(
                "The price envelopes of the %(opened)d bid(s) that passed the technical "
                "evaluation are opened and read; the others stay closed."
            )
            % {"opened": opened},
        },
        actor=PLATFORM,
    )
