"""What the opening hall shows, to whom (DESIGN §3), and which of its controls each viewer may
use now: one typed read model for the page, its live fragment and the API. The rules of the
controls are here only; the page renders them and the services check everything again.

Bidders' names appear only once the tender is in its opening (after the deadline); before,
a bidder sees its own sign-in only. Prices appear when the price reading starts. A bid's
failure reason is shown to its own bidder, the host and supervisors.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import user_has_role
from bids.models import (
    Bid,
    BidDecryption,
    DecryptionFault,
    DecryptionState,
    EscrowShareSubmission,
    OpeningOutcome,
    OpeningSession,
    OpeningState,
)
from monitoring.clock import database_now
from monitoring.transitions import moment_set_by_state
from trading.models import Tender, TenderEscrow, TenderState
from trading.selectors import user_manages_project

REVEALED_STATES = (
    TenderState.OPENING,
    TenderState.OPENED,
    TenderState.FAILED,
    TenderState.EVALUATING,
    TenderState.PUBLICIZING,
    TenderState.AWARDED,
    TenderState.CONTRACTED,
    TenderState.ARCHIVED,
)


def bidders_revealed(tender: Tender) -> bool:
    """Whether the opening has begun, so bidders' names (and their number) may be shown; a
    suspended tender counts as the state it was suspended in (a suspension before the deadline
    reveals nothing)."""
    state = (
        tender.state_before_suspension if tender.state == TenderState.SUSPENDED else tender.state
    )
    return state in REVEALED_STATES


@dataclass(frozen=True)
class HallViewer:
    role: str  # "host" | "supervisor" | "committee" | "bidder"
    organisation_ids: frozenset[Any]


def hall_viewer(*, user: User, tender: Tender) -> HallViewer:
    """Who is looking at the hall, or PermissionDenied: the host, a supervisor, a committee
    member, or a bidder organisation with a bid in this tender."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to enter the opening hall."))
    if user_manages_project(user=user, project=tender.project):
        return HallViewer("host", frozenset())
    if user_has_role(user=user, role=Role.SUPERVISOR):
        return HallViewer("supervisor", frozenset())
    members = [str(member) for member in (tender.opening_committee or {}).get("members", [])]
    if str(user.pk) in members:
        return HallViewer("committee", frozenset())
    organisations = frozenset(
        Bid.objects.filter(
            tender=tender, bidder__memberships__user=user, bidder__memberships__role=Role.BIDDER
        ).values_list("bidder_id", flat=True)
    )
    if organisations:
        return HallViewer("bidder", organisations)
    raise PermissionDenied(
        _(
            "Only the host, supervisors, the opening committee and bidders of this tender may "
            "enter its opening hall."
        )
    )


@dataclass(frozen=True)
class HallTender:
    id: str
    title: str
    state: str
    state_label: str
    bid_deadline: str
    minimum_valid_bids: int


@dataclass(frozen=True)
class HallSession:
    state: str
    state_label: str
    ceiling_price_fen: int | None  # once announced
    decryption_started_at: str | None
    decryption_ends_at: str | None
    seconds_left: int | None  # while the window is open
    reading_started_at: str | None
    confirmation_ends_at: str | None
    finalised_at: str | None
    outcome: str | None
    signed_in: int

    @property
    def outcome_label(self) -> str:
        return str(OpeningOutcome(self.outcome).label) if self.outcome else ""


@dataclass(frozen=True)
class HallEscrow:
    threshold: int
    round: int
    shares_submitted: int


@dataclass(frozen=True)
class RowDecryption:
    """A bid's decryption, once decryption has started."""

    decryption_label: str
    progress_percent: int
    key_source: str | None
    escrow_requested: bool
    fault: str | None
    confirmed: bool

    @property
    def fault_label(self) -> str:
        return str(DecryptionFault(self.fault).label) if self.fault else ""


@dataclass(frozen=True)
class RowReasons:
    """Why a bid's key or decryption failed: for its own bidder, the host and supervisors."""

    wrong_key_attempts: int
    last_refusal: str | None
    failure: str | None
    fault_reason: str | None


@dataclass(frozen=True)
class RowPrices:
    """The price sheet, once the price reading has started; with two envelopes, without the
    price until the second opening (`price_sealed`)."""

    total_price_fen: int | None
    duration_days: int | None
    quality: str | None
    price_sealed: bool = False


# A host's action on one bidder row.
ROW_ESCROW_REQUEST = "escrow-request"
ROW_FAULT = "fault"


@dataclass(frozen=True)
class HallBidderRow:
    bid: str
    bidder: str
    uscc: str
    own: bool
    signed_in: bool
    decryption: str
    detail: RowDecryption | None = None
    reasons: RowReasons | None = None
    prices: RowPrices | None = None
    action: str = ""  # ROW_ESCROW_REQUEST, ROW_FAULT or "" (the host's only)

    def as_json(self) -> dict[str, Any]:
        """Flat, as the API has always answered: hidden parts are absent, not null."""
        row: dict[str, Any] = {
            "bid": self.bid,
            "bidder": self.bidder,
            "uscc": self.uscc,
            "own": self.own,
            "signed_in": self.signed_in,
            "decryption": self.decryption,
        }
        for part in (self.detail, self.reasons, self.prices):
            if part is not None:
                row.update(asdict(part))
        if self.action:
            row["action"] = self.action
        return row


@dataclass(frozen=True)
class HallObjection:
    id: str
    bidder: str
    text: str
    raised_at: str
    answer: str | None
    answered_at: str | None
    answerable: bool  # by this viewer, now

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HallControls:
    """The controls of the hall this viewer may use now (the services decide again)."""

    sign_in: bool = False  # a bidder not yet signed in, until the window closes
    decrypt_command: bool = False  # a bidder whose bid waits for its key, in the window
    confirm: bool = False  # a bidder with a line not yet confirmed, in the reading
    object: bool = False  # a bidder, in the reading
    start: bool = False  # the host, before decryption starts
    escrow_recovery: bool = False  # the host of a committee tender, in the window
    finalise: bool = False  # the host, in the reading
    record: bool = False  # everyone in the hall, once the record is final

    def names(self) -> list[str]:
        """The names the page and the API use (`sign-in`, `decrypt-command`, …)."""
        return [name.replace("_", "-") for name, shown in asdict(self).items() if shown]


@dataclass(frozen=True)
class Hall:
    tender: HallTender
    viewer: HallViewer
    now: dt.datetime
    session: HallSession | None
    escrow: HallEscrow | None
    bidders: list[HallBidderRow] = field(default_factory=list)
    objections: list[HallObjection] = field(default_factory=list)
    controls: HallControls = field(default_factory=HallControls)

    @property
    def state(self) -> str:
        """The session's state, "none" before the hall has one."""
        return self.session.state if self.session else "none"

    def as_json(self) -> dict[str, Any]:
        return {
            "tender": asdict(self.tender),
            "viewer": {"role": self.viewer.role},
            "now": self.now.isoformat(),
            "session": asdict(self.session) if self.session else None,
            "bidders": [row.as_json() for row in self.bidders],
            "objections": [item.as_json() for item in self.objections],
            "escrow": asdict(self.escrow) if self.escrow else None,
            "controls": self.controls.names(),
        }


def _bidder_row(
    decryption: BidDecryption,
    viewer: HallViewer,
    signed_in: set[Any],
    confirmed: set[Any],
    reading: bool,
    two_envelopes: bool,
) -> HallBidderRow:
    bid = decryption.bid
    own = bid.bidder_id in viewer.organisation_ids
    sheet = decryption.price_sheet or {}
    return HallBidderRow(
        bid=str(bid.pk),
        bidder=bid.bidder.name,
        uscc=bid.bidder.uscc,
        own=own,
        signed_in=bid.bidder_id in signed_in,
        decryption=decryption.state,
        detail=RowDecryption(
            decryption_label=decryption.get_state_display(),
            progress_percent=(
                100
                if decryption.state == DecryptionState.DECRYPTED
                else int(100 * decryption.bytes_done / decryption.bytes_total)
                if decryption.bytes_total
                else 0
            ),
            key_source=decryption.key_source or None,
            escrow_requested=decryption.escrow_requested_at is not None,
            fault=decryption.fault or None,
            confirmed=bid.bidder_id in confirmed,
        ),
        reasons=RowReasons(
            wrong_key_attempts=decryption.wrong_key_attempts,
            last_refusal=decryption.last_refusal or None,
            failure=decryption.failure_reason or None,
            fault_reason=decryption.fault_reason or None,
        )
        if own or viewer.role in ("host", "supervisor")
        else None,
        prices=RowPrices(
            total_price_fen=None if two_envelopes else sheet.get("total_price_fen"),
            duration_days=sheet.get("duration_days"),
            quality=sheet.get("quality"),
            price_sealed=two_envelopes,
        )
        if reading
        else None,
    )


def _row_action(role: str, state: str, escrow: HallEscrow | None, row: HallBidderRow) -> str:
    """The host's action on one bidder row: request escrow recovery for a bid still waiting for
    its key (a committee tender, in the window), or rule on a failed decryption (办法 第31条)."""
    if role != "host" or row.detail is None:
        return ""
    if (
        state == OpeningState.DECRYPTING
        and escrow is not None
        and row.decryption == DecryptionState.WAITING
        and not row.detail.escrow_requested
    ):
        return ROW_ESCROW_REQUEST
    if (
        state in (OpeningState.DECRYPTING, OpeningState.READING)
        and row.decryption == DecryptionState.FAILED
        and not row.detail.fault
    ):
        return ROW_FAULT
    return ""


def hall_controls(
    *, role: str, state: str, escrow: HallEscrow | None, own_rows: list[HallBidderRow]
) -> HallControls:
    """Which controls `role` may use in a hall in `state` ("none": no session yet); a bidder's
    depend on its own rows too."""
    bidder, host = role == "bidder", role == "host"
    return HallControls(
        sign_in=bidder
        and state in ("none", OpeningState.SIGN_IN, OpeningState.DECRYPTING)
        and not any(row.signed_in for row in own_rows),
        decrypt_command=bidder
        and state == OpeningState.DECRYPTING
        and any(row.decryption == DecryptionState.WAITING for row in own_rows),
        confirm=bidder
        and state == OpeningState.READING
        and any(not (row.detail and row.detail.confirmed) for row in own_rows),
        object=bidder and state == OpeningState.READING,
        start=host and state in ("none", OpeningState.SIGN_IN),
        escrow_recovery=host and state == OpeningState.DECRYPTING and escrow is not None,
        finalise=host and state == OpeningState.READING,
        record=state == OpeningState.FINALISED,
    )


def opening_hall(*, user: User, tender: Tender) -> Hall:
    """The hall as `user` may see it, with the controls `user` may use now (the page and its
    live fragment render it, the API answers it)."""
    viewer = hall_viewer(user=user, tender=tender)
    session = OpeningSession.objects.filter(tender=tender).select_related("host").first()
    now = database_now()
    started = session is not None and session.state != OpeningState.SIGN_IN
    reading = session is not None and session.state in (
        OpeningState.READING,
        OpeningState.FINALISED,
    )
    state = session.state if session is not None else "none"
    escrow_key = TenderEscrow.objects.filter(tender=tender).first()
    revealed = bidders_revealed(tender)
    signed_in = set(session.sign_ins.values_list("bidder_id", flat=True)) if session else set()
    hall_session = escrow = None
    if session is not None:
        hall_session = _session(
            session,
            now,
            started=started,
            signed_in=signed_in if revealed else signed_in & viewer.organisation_ids,
        )
        if escrow_key is not None:
            escrow = HallEscrow(
                threshold=escrow_key.threshold,
                round=session.escrow_round,
                shares_submitted=EscrowShareSubmission.objects.filter(
                    session=session, round=session.escrow_round
                ).count(),
            )
    objections: list[HallObjection] = []
    if started and revealed:
        confirmed = set(session.confirmations.values_list("bidder_id", flat=True))
        rows = [
            _bidder_row(decryption, viewer, signed_in, confirmed, reading, tender.two_envelopes)
            for decryption in session.decryptions.select_related("bid", "bid__bidder").order_by(
                "bid__sequence"
            )
        ]
        rows = [replace(row, action=_row_action(viewer.role, state, escrow, row)) for row in rows]
        objections = [
            HallObjection(
                id=str(item.pk),
                bidder=item.organisation.name,
                text=item.text,
                raised_at=item.raised_at.isoformat(),
                answer=item.answer or None,
                answered_at=_iso(item.answered_at),
                answerable=(
                    viewer.role == "host" and state == OpeningState.READING and not item.answer
                ),
            )
            for item in session.objections.select_related("organisation")
        ]
    else:
        # Before decryption starts: after the deadline, every bidder with a submitted bid;
        # before it, a bidder sees only its own (招标投标法 第二十二条: not even how many).
        bids = tender.bids.filter(state="submitted").select_related("bidder").order_by("sequence")
        if not revealed:
            bids = bids.filter(bidder_id__in=viewer.organisation_ids)
        rows = [
            HallBidderRow(
                bid=str(bid.pk),
                bidder=bid.bidder.name,
                uscc=bid.bidder.uscc,
                own=bid.bidder_id in viewer.organisation_ids,
                signed_in=bid.bidder_id in signed_in,
                decryption="waiting",
            )
            for bid in bids
        ]
    return Hall(
        tender=HallTender(
            id=str(tender.pk),
            title=tender.title,
            state=tender.state,
            state_label=tender.get_state_display(),
            bid_deadline=moment_set_by_state(tender, "bid_deadline").isoformat(),
            minimum_valid_bids=tender.minimum_valid_bids,
        ),
        viewer=viewer,
        now=now,
        session=hall_session,
        escrow=escrow,
        bidders=rows,
        objections=objections,
        controls=hall_controls(
            role=viewer.role, state=state, escrow=escrow, own_rows=[row for row in rows if row.own]
        ),
    )


def _session(
    session: OpeningSession, now: dt.datetime, *, started: bool, signed_in: set[Any]
) -> HallSession:
    return HallSession(
        state=session.state,
        state_label=session.get_state_display(),
        ceiling_price_fen=session.ceiling_price_announced_fen if started else None,
        decryption_started_at=_iso(session.decryption_started_at),
        decryption_ends_at=_iso(session.decryption_ends_at),
        seconds_left=max(
            0, int((moment_set_by_state(session, "decryption_ends_at") - now).total_seconds())
        )
        if session.state == OpeningState.DECRYPTING
        else None,
        reading_started_at=_iso(session.reading_started_at),
        confirmation_ends_at=_iso(session.confirmation_ends_at),
        finalised_at=_iso(session.finalised_at),
        outcome=session.outcome or None,
        signed_in=len(signed_in),
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
