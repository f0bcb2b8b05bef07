"""What a supervisor reads in the console that is secret when read: each such read is itself an
event, in the transaction of the read (DESIGN §3; 办法 第二十一条; 条例 第四十六条).

- the timeline's sealed identities (who obtained the documents, bid, objected, sat on the
  panel): shown when asked while they are secret, through
  `supervision.services.sealed_identities_read`, which logs the read; inline afterwards;
- the bids' evidence (uploads, addresses, devices, digests) and the opening's sign-ins, while
  bidders are not yet revealed (before the opening);
- the panel and its score matrices, while the panel is not yet revealed.

Reading something no longer secret writes nothing. Every read checks the supervisor role
(PermissionDenied otherwise). Nothing here changes business data.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from bids.models import Bid, BidUpload, OpeningSession
from bids.opening.hall import bidders_revealed
from evaluation.models import (
    BidEvaluation,
    EvaluationSession,
    Panel,
    PanelDraw,
    PanelSeat,
    PanelState,
    Score,
)
from monitoring.chain import SEALED_IDENTITY_DIGEST
from monitoring.models import Event
from monitoring.selectors import sealed_identities_of
from monitoring.services import record_event
from supervision.console.access import require_supervisor
from supervision.console.selectors import tender_events
from supervision.rules.common import ZONE_NAME
from supervision.services import SealedEntry, sealed_identities_read
from trading.law.working_days import SHANGHAI
from trading.models import Tender, TenderState

# Until the evaluation's result is published, sealed rows (bidders before the deadline, the
# panel's members and their acts in the closed area) are secret.
SECRET_STATES = (
    TenderState.PUBLISHED,
    TenderState.BIDDING_CLOSED,
    TenderState.OPENING,
    TenderState.OPENED,
    TenderState.EVALUATING,
)


def _tender(tender_id: UUID | str) -> Tender:
    tender = Tender.objects.select_related("project", "project__tenderee").filter(pk=tender_id)
    found = tender.first()
    if found is None:
        raise Http404(_("There is no tender %(id)s.") % {"id": tender_id})
    return found


def _state_of(tender: Tender) -> str:
    return tender.state_before_suspension if tender.state == TenderState.SUSPENDED else tender.state


def identities_secret(tender: Tender) -> bool:
    return _state_of(tender) in SECRET_STATES


def _log_read(acting: Acting, tender: Tender, action: str) -> None:
    # The read names the tender and what was read, never how many rows: a count would tell.
    record_event(
        actor=acting.as_actor(Role.SUPERVISOR),
        action=action,
        object_type="trading.tender",
        object_id=str(tender.pk),
    )


def shanghai_time(moment: dt.datetime | None) -> str:
    """An instant on the Shanghai clock, to the microsecond, with its offset."""
    if moment is None:
        return ""
    return moment.astimezone(SHANGHAI).isoformat(sep=" ", timespec="microseconds")


# --- The timeline ---


@dataclass(frozen=True)
class TimelineEntry:
    sequence: int
    occurred_at: dt.datetime
    occurred_at_shanghai: str
    actor_label: str
    role: str
    client_ip: str | None
    action: str
    object_type: str
    object_id: str
    from_state: str
    to_state: str
    payload: dict[str, Any]
    digest: str
    sealed: bool
    # Who acted and from where, for a sealed event whose identity this page shows.
    identity: SealedEntry | None = None


@dataclass(frozen=True)
class Timeline:
    tender: Tender
    entries: list[TimelineEntry]
    sealed_events: int
    secret: bool  # sealed identities are still secret: shown on request, each read logged
    identities_shown: bool
    zone: str = ZONE_NAME


@transaction.atomic
def tender_timeline_read(
    *, acting: Acting, tender_id: UUID | str, reveal_sealed: bool = False
) -> Timeline:
    """Every event of the tender, oldest first. Sealed events show their identity once the
    result is published, or while secret when `reveal_sealed` asks (the read is logged)."""
    require_supervisor(acting.user)
    tender = _tender(tender_id)
    secret = identities_secret(tender)
    identities: dict[int, SealedEntry] = {}
    if not secret:
        identities = {
            row.event.sequence: _entry(row)
            for row in sealed_identities_of(tender_id=str(tender.pk))
        }
    elif reveal_sealed:
        identities = {
            entry.sequence: entry
            for entry in sealed_identities_read(acting=acting, tender_id=tender.pk)
        }
    entries = [_timeline_entry(event, identities) for event in tender_events(tender)]
    return Timeline(
        tender=tender,
        entries=entries,
        sealed_events=sum(entry.sealed for entry in entries),
        secret=secret,
        identities_shown=bool(identities),
    )


def _entry(row: Any) -> SealedEntry:
    return SealedEntry(
        sequence=row.event.sequence,
        occurred_at=row.event.occurred_at,
        action=row.event.action,
        object_type=row.event.object_type,
        object_id=row.event.object_id,
        actor_label=row.actor_label,
        client_ip=row.client_ip,
        fields=row.fields,
    )


def _timeline_entry(event: Event, identities: dict[int, SealedEntry]) -> TimelineEntry:
    payload = event.payload if isinstance(event.payload, dict) else {}
    return TimelineEntry(
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        occurred_at_shanghai=shanghai_time(event.occurred_at),
        actor_label=event.actor_label,
        role=event.role,
        client_ip=event.client_ip,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        from_state=event.from_state,
        to_state=event.to_state,
        payload=payload,
        digest=event.digest,
        sealed=SEALED_IDENTITY_DIGEST in payload,
        identity=identities.get(event.sequence),
    )


# --- The bids' evidence ---


@dataclass(frozen=True)
class UploadEvidence:
    id: UUID
    bidder: str
    uscc: str
    user: str
    state: str
    size: int
    created_at: dt.datetime
    ended_at: dt.datetime | None
    client_ip: str | None
    user_agent: str
    device_fingerprint: dict[str, Any]
    refusal_code: str


@dataclass(frozen=True)
class DecryptionEvidence:
    state: str
    key_source: str
    key_received_at: dt.datetime | None
    key_client_ip: str | None  # where the key was handed over from (the decryption address)
    manifest_sha256: str
    manifest_summary: dict[str, Any]
    decrypted_at: dt.datetime | None
    failure_code: str
    failure_reason: str
    fault: str


@dataclass(frozen=True)
class BidRecord:
    id: UUID
    sequence: int
    bidder: str
    uscc: str
    state: str
    received_at: dt.datetime
    size: int
    header_sha256: str
    ciphertext_sha256: str
    signer_certificate_sha256: str
    parts: list[Any]
    upload_client_ip: str | None
    device_fingerprint: dict[str, Any]
    decryption: DecryptionEvidence | None


@dataclass(frozen=True)
class BidEvidence:
    tender: Tender
    uploads: list[UploadEvidence]
    bids: list[BidRecord]
    secret: bool  # read before the opening: this read was logged


@transaction.atomic
def bid_evidence_read(*, acting: Acting, tender_id: UUID | str) -> BidEvidence:
    """Every upload and bid of the tender with where it came from, its device and digests,
    and at the opening where its key came from and what its signed manifest declares."""
    require_supervisor(acting.user)
    tender = _tender(tender_id)
    secret = not bidders_revealed(tender)
    uploads = [
        UploadEvidence(
            id=upload.pk,
            bidder=upload.bidder.name,
            uscc=upload.bidder.uscc,
            user=upload.user.get_username(),
            state=upload.state,
            size=upload.size,
            created_at=upload.created_at,
            ended_at=upload.ended_at,
            client_ip=upload.client_ip,
            user_agent=upload.user_agent,
            device_fingerprint=upload.device_fingerprint or {},
            refusal_code=upload.refusal_code,
        )
        for upload in BidUpload.objects.filter(tender=tender)
        .select_related("bidder", "user")
        .order_by("created_at", "pk")
    ]
    bids = list(
        Bid.objects.filter(tender=tender)
        .select_related("bidder", "upload", "decryption")
        .order_by("sequence")
    )
    key_addresses = dict(
        Event.objects.filter(
            action="bid_decryption.key_accepted",
            object_type="bids.biddecryption",
            object_id__in=[
                str(bid.decryption.pk) for bid in bids if getattr(bid, "decryption", None)
            ],
        ).values_list("object_id", "client_ip")
    )
    records = [_bid_record(bid, key_addresses) for bid in bids]
    if secret:
        _log_read(acting, tender, "bid_evidence.read")
    return BidEvidence(tender=tender, uploads=uploads, bids=records, secret=secret)


def _bid_record(bid: Bid, key_addresses: dict[str, str | None]) -> BidRecord:
    decryption = getattr(bid, "decryption", None)
    return BidRecord(
        id=bid.pk,
        sequence=bid.sequence,
        bidder=bid.bidder.name,
        uscc=bid.bidder.uscc,
        state=bid.state,
        received_at=bid.received_at,
        size=bid.size,
        header_sha256=bid.header_sha256,
        ciphertext_sha256=bid.ciphertext_sha256,
        signer_certificate_sha256=bid.signer_certificate_sha256,
        parts=bid.parts if isinstance(bid.parts, list) else [],
        upload_client_ip=bid.upload.client_ip,
        device_fingerprint=bid.upload.device_fingerprint or {},
        decryption=None
        if decryption is None
        else DecryptionEvidence(
            state=decryption.state,
            key_source=decryption.key_source,
            key_received_at=decryption.key_received_at,
            key_client_ip=key_addresses.get(str(decryption.pk)),
            manifest_sha256=decryption.manifest_sha256,
            manifest_summary=decryption.manifest_summary or {},
            decrypted_at=decryption.decrypted_at,
            failure_code=decryption.failure_code,
            failure_reason=decryption.failure_reason,
            fault=decryption.fault,
        ),
    )


# --- The opening record ---


@dataclass(frozen=True)
class SignInRecord:
    bidder: str
    uscc: str
    user: str
    client_ip: str | None
    certificate_sha256: str
    signed_in_at: dt.datetime


@dataclass(frozen=True)
class OpeningRecord:
    tender: Tender
    session: OpeningSession | None
    lines: list[dict[str, Any]]
    sign_ins: list[SignInRecord]
    confirmations: list[tuple[str, str, dt.datetime]]  # bidder, user, when
    objections: list[Any]
    record_sha256: str
    secret: bool  # read before the opening (who signed in): this read was logged


@transaction.atomic
def opening_record_read(*, acting: Acting, tender_id: UUID | str) -> OpeningRecord:
    """The opening: its session, the lines read out, who signed in from where, who
    confirmed, the objections, and the SHA-256 of the signed record."""
    require_supervisor(acting.user)
    tender = _tender(tender_id)
    session = OpeningSession.objects.filter(tender=tender).select_related("host").first()
    sign_ins: list[SignInRecord] = []
    confirmations: list[tuple[str, str, dt.datetime]] = []
    objections: list[Any] = []
    if session is not None:
        sign_ins = [
            SignInRecord(
                bidder=item.bidder.name,
                uscc=item.bidder.uscc,
                user=item.user.get_username(),
                client_ip=item.client_ip,
                certificate_sha256=item.certificate_sha256,
                signed_in_at=item.signed_in_at,
            )
            for item in session.sign_ins.select_related("bidder", "user").order_by("signed_in_at")
        ]
        confirmations = [
            (item.bidder.name, item.user.get_username(), item.confirmed_at)
            for item in session.confirmations.select_related("bidder", "user").order_by(
                "confirmed_at"
            )
        ]
        objections = list(session.objections.select_related("organisation").order_by("raised_at"))
    document = bytes(session.record_document) if session is not None else b""
    secret = not bidders_revealed(tender) and bool(sign_ins)
    if secret:
        _log_read(acting, tender, "opening_record.read")
    return OpeningRecord(
        tender=tender,
        session=session,
        lines=session.lines if session is not None and isinstance(session.lines, list) else [],
        sign_ins=sign_ins,
        confirmations=confirmations,
        objections=objections,
        record_sha256=hashlib.sha256(document).hexdigest() if document else "",
        secret=secret,
    )


# --- The panel and its scores ---


@dataclass(frozen=True)
class SeatRecord:
    id: UUID
    kind: str
    name: str
    username: str
    specialty: str
    employer: str
    state: str
    reason: str
    decided_at: dt.datetime | None
    draw_number: int | None


@dataclass(frozen=True)
class PanelRecord:
    tender: Tender
    panel: Panel | None
    draws: list[PanelDraw]
    seats: list[SeatRecord]
    secret: bool  # read before the panel is revealed: this read was logged


def _panel_secret(panel: Panel | None) -> bool:
    return panel is not None and panel.state != PanelState.REVEALED


@transaction.atomic
def panel_read(*, acting: Acting, tender_id: UUID | str) -> PanelRecord:
    """The panel once drawn: each seat, its expert or representative, its state and the draw
    it came from; the draws with their pool's digest."""
    require_supervisor(acting.user)
    tender = _tender(tender_id)
    panel = Panel.objects.filter(tender=tender).first()
    draws: list[PanelDraw] = []
    seats: list[SeatRecord] = []
    if panel is not None and panel.state != PanelState.COMMITTED:
        draws = list(panel.draws.defer("pool_snapshot").order_by("number"))
        seats = [
            SeatRecord(
                id=seat.pk,
                kind=seat.kind,
                name=getattr(seat.user, "full_name", "") or seat.user.get_username(),
                username=seat.user.get_username(),
                specialty=seat.specialty,
                employer=seat.expert.employer_name if seat.expert else "",
                state=seat.state,
                reason=seat.reason,
                decided_at=seat.decided_at,
                draw_number=seat.draw.number if seat.draw else None,
            )
            for seat in PanelSeat.objects.filter(panel=panel)
            .select_related("user", "expert", "draw")
            .order_by("draw__number", "kind", "user__username")
        ]
    secret = _panel_secret(panel) and bool(seats)
    if secret:
        _log_read(acting, tender, "panel.read")
    return PanelRecord(tender=tender, panel=panel, draws=draws, seats=seats, secret=secret)


@dataclass(frozen=True)
class ScoreCell:
    points: Decimal
    flagged: bool
    reason: str


@dataclass(frozen=True)
class ScoreRow:
    code: str
    bidder: str
    cells: list[ScoreCell | None]  # one per member, in the matrix's order
    mean: Decimal | None


@dataclass(frozen=True)
class ScoreMatrix:
    criterion: str
    members: list[str]
    rows: list[ScoreRow]


@dataclass(frozen=True)
class ScoresRecord:
    tender: Tender
    session: EvaluationSession | None
    matrices: list[ScoreMatrix]
    evaluations: list[BidEvaluation]
    secret: bool  # read before the panel is revealed: this read was logged
    members: list[str] = field(default_factory=list)


@transaction.atomic
def scores_read(*, acting: Acting, tender_id: UUID | str) -> ScoresRecord:
    """The score matrices of the evaluation, one per criterion: bids (by their code) down,
    members across, each expert's points with its flag; and each bid's result."""
    require_supervisor(acting.user)
    tender = _tender(tender_id)
    session = EvaluationSession.objects.filter(tender=tender).select_related("panel").first()
    if session is None:
        return ScoresRecord(tender=tender, session=None, matrices=[], evaluations=[], secret=False)
    evaluations = list(
        BidEvaluation.objects.filter(session=session).select_related("bid__bidder").order_by("code")
    )
    scores = list(
        Score.objects.filter(session=session).select_related("seat__user").order_by("criterion")
    )
    members = sorted({score.seat.user.get_username() for score in scores})
    codes = {item.bid_id: (item.code, item.bid.bidder.name) for item in evaluations}
    by_criterion: dict[str, dict[tuple[UUID, str], Score]] = defaultdict(dict)
    for score in scores:
        by_criterion[score.criterion][(score.bid_id, score.seat.user.get_username())] = score
    matrices = []
    for criterion, cells in by_criterion.items():
        bids = sorted({bid for bid, _member in cells}, key=lambda bid: codes.get(bid, ("", ""))[0])
        rows = []
        for bid in bids:
            row = [cells.get((bid, member)) for member in members]
            points = [Decimal(cell.points) for cell in row if cell is not None]
            rows.append(
                ScoreRow(
                    code=codes.get(bid, ("?", ""))[0],
                    bidder=codes.get(bid, ("", ""))[1],
                    cells=[
                        None
                        if cell is None
                        else ScoreCell(cell.points, cell.flagged, cell.flag_reason)
                        for cell in row
                    ],
                    mean=(sum(points, Decimal(0)) / len(points)).quantize(Decimal("0.01"))
                    if points
                    else None,
                )
            )
        matrices.append(ScoreMatrix(criterion=criterion, members=members, rows=rows))
    secret = _panel_secret(session.panel) and bool(scores)
    if secret:
        _log_read(acting, tender, "scores.read")
    return ScoresRecord(
        tender=tender,
        session=session,
        matrices=matrices,
        evaluations=evaluations,
        secret=secret,
        members=members,
    )
