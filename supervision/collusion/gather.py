"""Read what the collusion screens compare of one tender's bids, in a fixed number of queries
whatever the number of bids (tests/supervision/test_collusion_service.py counts them).

Where each piece is recorded:
- the bid, its bidder and price: `Bid` and its `BidDecryption` (the price sheet read at the
  opening, and the manifest summary: files with their SHA-256, the signed device fingerprint);
- the upload address and the fingerprint bidtool sent: `BidUpload.client_ip` and
  `.device_fingerprint`, for every upload of the bidder on the tender (replaced ones too);
- the decryption address: the event of the bidder handing its key over
  (`bid_decryption.key_accepted` or `.key_refused`, source "bidder", its `client_ip`); a key
  recovered by the opening committee comes from a member, not the bidder, and is left out;
- the download address: the sealed identity of `document.obtained` (organisation, client IP).
  Read only after the opening, when the bidders have been read out (办法 第二十一条 seals them
  until the deadline).
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from bids.models import Bid, BidState, BidUpload, DecryptionState
from monitoring.models import Event
from monitoring.selectors import sealed_identities_of
from supervision.collusion.inputs import BidEvidence
from trading.models import Tender

# Bids that were in the tender at its deadline: a withdrawn or replaced bid is not screened
# (its uploads still count as its bidder's evidence). A bid that failed decryption stays: a
# cover bidder failing on purpose is a known trick.
SCREENED_STATES = (BidState.SUBMITTED, BidState.DECRYPTED, BidState.DECRYPT_FAILED)
KEY_EVENTS = ("bid_decryption.key_accepted", "bid_decryption.key_refused")


def screened_bids(*, tender: Tender) -> list[Bid]:
    return list(
        Bid.objects.filter(tender=tender, state__in=SCREENED_STATES)
        .select_related("bidder", "upload", "decryption")
        .order_by("sequence")
    )


def _price(bid: Bid) -> tuple[int | None, dict[str, Any] | None, dict[str, Any]]:
    decryption = getattr(bid, "decryption", None)
    if decryption is None or decryption.state != DecryptionState.DECRYPTED:
        return None, None, {}
    sheet = decryption.price_sheet or None
    price = sheet.get("total_price_fen") if sheet else None
    return (price if isinstance(price, int) else None), sheet, decryption.manifest_summary or {}


def bid_evidence_of_tender(
    *, tender: Tender, bids: list[Bid], texts: Mapping[str, str] | None = None
) -> list[BidEvidence]:
    """One `BidEvidence` per screened bid; `texts` maps a bid id to its technical text."""
    bidder_ids = {bid.bidder_id for bid in bids}
    uploads: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for upload in BidUpload.objects.filter(tender=tender, bidder_id__in=bidder_ids).values(
        "bidder_id", "client_ip", "device_fingerprint"
    ):
        uploads[upload["bidder_id"]].append(upload)
    decryption_of = {
        str(bid.decryption.pk): bid.pk for bid in bids if getattr(bid, "decryption", None)
    }
    decryption_addresses: dict[Any, set[str]] = defaultdict(set)
    for object_id, client_ip in Event.objects.filter(
        object_type="bids.biddecryption",
        object_id__in=list(decryption_of),
        action__in=KEY_EVENTS,
        payload__source="bidder",
        client_ip__isnull=False,
    ).values_list("object_id", "client_ip"):
        if client_ip:
            decryption_addresses[decryption_of[object_id]].add(client_ip)
    download_addresses: dict[str, set[str]] = defaultdict(set)
    for address, fields in (
        sealed_identities_of(tender_id=str(tender.pk))
        .filter(event__action="document.obtained", client_ip__isnull=False)
        .values_list("client_ip", "fields")
    ):
        if address:
            download_addresses[str(fields.get("organisation", ""))].add(address)
    texts = texts or {}
    evidence = []
    for bid in bids:
        price, sheet, summary = _price(bid)
        own_uploads = uploads[bid.bidder_id]
        fingerprints = [upload["device_fingerprint"] for upload in own_uploads]
        if isinstance(summary.get("device_fingerprint"), dict):
            fingerprints.append(summary["device_fingerprint"])
        evidence.append(
            BidEvidence(
                bid_id=str(bid.pk),
                bidder_id=str(bid.bidder_id),
                price_fen=price,
                upload_addresses=frozenset(
                    upload["client_ip"] for upload in own_uploads if upload["client_ip"]
                ),
                decryption_addresses=frozenset(decryption_addresses[bid.pk]),
                download_addresses=frozenset(download_addresses[bid.bidder.uscc]),
                device_fingerprints=tuple(
                    fingerprint for fingerprint in fingerprints if fingerprint
                ),
                file_digests=frozenset(
                    entry["sha256"]
                    for entry in summary.get("files", [])
                    if isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
                ),
                price_sheet=sheet,
                technical_text=texts.get(str(bid.pk), ""),
            )
        )
    return evidence


def common_digests_of(*, tender: Tender) -> frozenset[str]:
    """The tender's own documents: any bidder may include one unchanged."""
    return frozenset(tender.documents.values_list("sha256", flat=True))
