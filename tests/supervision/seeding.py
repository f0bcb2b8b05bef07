"""A tender after its opening, seeded row by row as the bids services leave it: bids with their
uploads (address, fingerprint), decryptions (price sheet, manifest summary) and the event of
each bidder handing its key over (its address). Rows, not the sealing and opening flow: the
screens read what is stored, and tests/bids proves how it is stored."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from accounts.models import Role
from bids.models import (
    Bid,
    BidDecryption,
    BidState,
    BidUpload,
    DecryptionState,
    OpeningSession,
    OpeningState,
    UploadState,
)
from monitoring.services import Actor, Sealed, record_event
from tests.factories import MembershipFactory, OrganisationFactory, TenderFactory
from trading.models import TenderState

# Rows carry times; no screen reads them, so one fixed moment serves.
MOMENT = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


@dataclass
class SeededBid:
    price_fen: int
    upload_address: str
    decryption_address: str
    fingerprint: dict
    file_digests: list[str]
    duration_days: int = 200
    download_address: str | None = None
    # The address of an earlier upload of the bidder on the tender, aborted before it was a bid.
    earlier_upload_address: str | None = None
    bidder: object = None
    bid: object = None


def price_sheet(seeded: SeededBid) -> dict:
    return {
        "total_price_fen": seeded.price_fen,
        "duration_days": seeded.duration_days,
        "quality": "合格",
        "other": {},
    }


def seed_opened_tender(bids: list[SeededBid], *, state: str = OpeningState.FINALISED):
    """The tender, opened, with `bids` decrypted; each SeededBid gets its bidder and bid."""
    tender = TenderFactory(state=TenderState.OPENED)
    session = OpeningSession.objects.create(tender=tender, state=state, created_at=MOMENT)
    for sequence, seeded in enumerate(bids, start=1):
        membership = MembershipFactory(role=Role.BIDDER, organisation=OrganisationFactory())
        seeded.bidder = membership.organisation
        key = f"{tender.pk}/{sequence}"
        if seeded.earlier_upload_address:
            BidUpload.objects.create(
                tender=tender,
                bidder=seeded.bidder,
                user=membership.user,
                certificate_sha256="0" * 64,
                size=1 << 20,
                part_size=1 << 20,
                bucket="bids",
                object_key=f"bids/{key}/earlier",
                storage_upload_id=f"{key}/earlier",
                state=UploadState.ABORTED,
                client_ip=seeded.earlier_upload_address,
                created_at=MOMENT,
            )
        if seeded.download_address:
            # As trading.documents.document_obtain records it: sealed (办法 第二十一条).
            record_event(
                actor=Actor(
                    user=membership.user, role=Role.BIDDER, client_ip=seeded.download_address
                ),
                action="document.obtained",
                object_type="trading.documentdownload",
                object_id=str(sequence),
                sealed=Sealed(
                    tender_id=str(tender.pk),
                    fields={"document": "招标文件.pdf", "organisation": seeded.bidder.uscc},
                ),
            )
        upload = BidUpload.objects.create(
            tender=tender,
            bidder=seeded.bidder,
            user=membership.user,
            certificate_sha256=hashlib.sha256(key.encode()).hexdigest(),
            size=1 << 20,
            part_size=1 << 20,
            bucket="bids",
            object_key=f"bids/{key}",
            storage_upload_id=key,
            state=UploadState.COMPLETE,
            client_ip=seeded.upload_address,
            device_fingerprint=seeded.fingerprint,
            created_at=MOMENT,
        )
        seeded.bid = Bid.objects.create(
            tender=tender,
            bidder=seeded.bidder,
            submitted_by=membership.user,
            upload=upload,
            state=BidState.DECRYPTED,
            sequence=sequence,
            received_at=MOMENT,
            size=upload.size,
            header_sha256=hashlib.sha256(f"header {key}".encode()).hexdigest(),
            ciphertext_sha256=hashlib.sha256(f"ciphertext {key}".encode()).hexdigest(),
            signer_certificate_sha256=upload.certificate_sha256,
            sealed_at="2026-03-01T08:00:00.000000Z",
        )
        decryption = BidDecryption.objects.create(
            session=session,
            bid=seeded.bid,
            state=DecryptionState.DECRYPTED,
            key_source="bidder",
            decrypted_at=MOMENT,
            price_sheet=price_sheet(seeded),
            manifest_summary={
                "files": [
                    {"name": f"file-{index}.pdf", "size": 1000 + index, "sha256": sha256}
                    for index, sha256 in enumerate(seeded.file_digests)
                ],
                "tool": {"name": "bidtool", "version": "1.0"},
                "device_fingerprint": seeded.fingerprint,
                "created_at": "2026-03-01T08:00:00.000000Z",
                "manifest_signer": seeded.bidder.uscc,
            },
        )
        # As bids.opening.keys.accept_checked_key records it: the bidder, from its address.
        record_event(
            actor=Actor(
                user=membership.user, role=Role.BIDDER, client_ip=seeded.decryption_address
            ),
            action="bid_decryption.key_accepted",
            object_type="bids.biddecryption",
            object_id=str(decryption.pk),
            payload={
                "tender": str(tender.pk),
                "bid": str(seeded.bid.pk),
                "source": "bidder",
                "manifest_signer": seeded.bidder.uscc,
            },
        )
    return tender
