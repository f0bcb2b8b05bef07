"""A history of awarded tenders, seeded row by row (bulk inserts) as the trading and bids
services leave it: per tender a project of its tenderee, the bids in it at the deadline, the
first candidate and the award with its announcement. Rows, not the flow: the screens across
tenders read what is stored, and tests/trading proves how it is stored. The bench seeds 10 000
tenders with it."""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field

from accounts.models import Organisation, User
from bids.models import Bid, BidState, BidUpload, UploadState
from trading.models import (
    Award,
    Candidate,
    Notice,
    NoticeKind,
    Project,
    Tender,
    TenderState,
)

# The first award of a history; each following one a day later.
FIRST_AWARD = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)


@dataclass
class PastTender:
    """One awarded tender: its tenderee, its bidders (the winner among them) and its winner."""

    tenderee: Organisation
    bidders: list[Organisation]
    winner: Organisation
    decided_at: dt.datetime = FIRST_AWARD
    state: str = TenderState.AWARDED
    bid_state: str = BidState.DECRYPTED
    tender: Tender | None = field(default=None, repr=False)


def organisations(count: int, prefix: str = "企业") -> list[Organisation]:
    made = Organisation.objects.bulk_create(
        Organisation(
            name=f"{prefix}{uuid.uuid4().hex[:8]}",
            # A fake code of the right length: the screens never validate it.
            uscc=f"91{uuid.uuid4().hex[:16].upper()}",
        )
        for _ in range(count)
    )
    return list(made)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_awarded_history(past: list[PastTender], *, batch: int = 2000) -> list[Tender]:
    """Insert every tender of `past` with its rows; returns the tenders, in order."""
    user, _ = User.objects.get_or_create(username="history-seeder")
    for start in range(0, len(past), batch):
        _seed_batch(past[start : start + batch], user)
    return [item.tender for item in past if item.tender is not None]


def _seed_batch(past: list[PastTender], user: User) -> None:
    projects = Project.objects.bulk_create(
        Project(
            code=f"HIS-{uuid.uuid4().hex[:20]}",
            name="历史项目",
            tenderee=item.tenderee,
            regime="works",
            region="110108",
        )
        for item in past
    )
    tenders = Tender.objects.bulk_create(
        Tender(
            project=project,
            title=f"历史标段 {project.code}",
            category="works",
            method="open",
            ceiling_price_fen=12_000_000_00,
            evaluation_method="lowest_evaluated_price",
            state=item.state,
        )
        for item, project in zip(past, projects, strict=True)
    )
    for item, tender in zip(past, tenders, strict=True):
        item.tender = tender
    uploads, bids = [], []
    for item in past:
        assert item.tender is not None
        for sequence, bidder in enumerate(item.bidders, start=1):
            key = f"{item.tender.pk}/{sequence}"
            upload = BidUpload(
                tender=item.tender,
                bidder=bidder,
                user=user,
                certificate_sha256=_digest(key),
                size=1 << 20,
                part_size=1 << 20,
                bucket="bids",
                object_key=f"bids/{key}",
                storage_upload_id=key,
                state=UploadState.COMPLETE,
                created_at=item.decided_at - dt.timedelta(days=30),
            )
            uploads.append(upload)
            bids.append(
                Bid(
                    tender=item.tender,
                    bidder=bidder,
                    submitted_by=user,
                    upload=upload,
                    state=item.bid_state,
                    sequence=sequence,
                    received_at=upload.created_at,
                    size=upload.size,
                    header_sha256=_digest(f"header {key}"),
                    ciphertext_sha256=_digest(f"ciphertext {key}"),
                    signer_certificate_sha256=upload.certificate_sha256,
                    sealed_at="2026-01-01T00:00:00.000000Z",
                )
            )
    BidUpload.objects.bulk_create(uploads)
    Bid.objects.bulk_create(bids)
    candidates = Candidate.objects.bulk_create(
        Candidate(tender=item.tender, rank=1, organisation=item.winner, price_fen=10_000_000_00)
        for item in past
    )
    first = (Notice.objects.order_by("-sequence").values_list("sequence", flat=True).first()) or 0
    notices = Notice.objects.bulk_create(
        Notice(
            sequence=first + number,
            tender=item.tender,
            kind=NoticeKind.AWARD_ANNOUNCEMENT,
            title="中标结果公告",
            published_at=item.decided_at,
            release={},
            release_sha256="0" * 64,
            platform_signature=b"",
            timestamp_token=b"",
        )
        for number, item in enumerate(past, start=1)
    )
    Award.objects.bulk_create(
        Award(
            tender=item.tender,
            candidate=candidate,
            winner=item.winner,
            price_fen=candidate.price_fen,
            decided_by=user,
            decided_at=item.decided_at,
            announcement=notice,
            award_notice_at=item.decided_at,
            contract_due=item.decided_at + dt.timedelta(days=30),
        )
        for item, candidate, notice in zip(past, candidates, notices, strict=True)
    )
