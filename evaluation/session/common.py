"""What every step of the session needs: the locked session, the caller's seat, the members
whose conclusions count, the criteria of the tender's scheme."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Organisation, Role
from bids.acting import bidder_acting
from bids.errors import BidRefused
from evaluation.errors import EvaluationRefused, NotOnPanel
from evaluation.models import EvaluationSession, PanelSeat, SeatState, SessionState
from evaluation.room.access import RoomRefused, room_enter
from monitoring.services import Actor, Sealed

Service = TypeVar("Service", bound=Callable[..., Any])


def in_the_room(service: Service) -> Service:
    """Admit the caller through the closed area's gate (certificate session, the room's
    networks, the session's window, a confirmed seat) before the service's own transaction:
    the gate writes its admission, or its refusal's event and alert, itself."""

    @functools.wraps(service)
    def gated(*args: Any, **kwargs: Any) -> Any:
        try:
            room_enter(
                acting=kwargs["acting"], tender_id=kwargs["tender_id"], what=service.__name__
            )
        except RoomRefused as refusal:
            refusal.recorded = True  # type: ignore[attr-defined]
            raise
        return service(*args, **kwargs)

    return gated  # type: ignore[return-value]


def locked_session(tender_id: UUID | str) -> EvaluationSession:
    session = (
        EvaluationSession.objects.select_for_update(of=("self",))
        .select_related("tender", "tender__project", "panel")
        .filter(tender_id=tender_id)
        .first()
    )
    if session is None:
        raise NotOnPanel(message=_("no evaluation session of tender %(id)s") % {"id": tender_id})
    return session


def counted_seats(session: EvaluationSession) -> list[PanelSeat]:
    """The members whose conclusions count: confirmed seats. A recused member's conclusions
    are void (条例 第四十八条), so its seat state removes them from every count."""
    return list(
        PanelSeat.objects.filter(panel_id=session.panel_id, state=SeatState.CONFIRMED)
        .select_related("user")
        .order_by("user__username")
    )


def member_seat(acting: Acting, session: EvaluationSession) -> PanelSeat:
    """The caller's confirmed seat on the session's panel; anyone else is told nothing exists."""
    seat = PanelSeat.objects.filter(
        panel_id=session.panel_id, user=acting.user, state=SeatState.CONFIRMED
    ).first()
    if seat is None:
        raise NotOnPanel(
            message=_("no evaluation session of tender %(id)s") % {"id": session.tender_id}
        )
    return seat


def leader_seat(acting: Acting, session: EvaluationSession) -> PanelSeat:
    seat = member_seat(acting, session)
    if session.leader_id != seat.pk:
        raise EvaluationRefused(
            message=_("only the panel's leader moves the session on"), status=403
        )
    return seat


def require_state(session: EvaluationSession, *states: str) -> None:
    if session.state not in states:
        raise EvaluationRefused(
            "conflict",
            _("the evaluation is at %(state)s: this step belongs to %(expected)s")
            % {
                "state": SessionState(session.state).label,
                "expected": ", ".join(str(SessionState(state).label) for state in states),
            },
            status=409,
        )


# Experts and the tenderee's representatives act alike on the panel.
PANEL_MEMBER = "panel_member"


def member_actor(acting: Acting) -> Actor:
    return acting.as_actor(role=PANEL_MEMBER)


def sealed_for(session: EvaluationSession, **fields: object) -> Sealed:
    """Who did what in the closed area stays sealed until the result is published."""
    return Sealed(tender_id=str(session.tender_id), fields=dict(fields))


def scheme_of(session: EvaluationSession) -> dict:
    scheme = session.tender.scoring_scheme
    return scheme if isinstance(scheme, dict) else {}


def bidder_of(acting: Acting) -> Organisation | None:
    """The bidder organisation `acting` speaks for: the one a bidder identity already carries,
    else the one its certificate session names (bids.acting.bidder_acting, as submission and
    the hall work it out); None for anyone else. Requests reach services with the plain
    identity of accounts.acting, so the service works this out itself."""
    if acting.role == Role.BIDDER and acting.organisation is not None:
        return acting.organisation
    try:
        return bidder_acting(
            user=acting.user, certificate_sha256=acting.certificate_sha256
        ).organisation
    except BidRefused:
        return None
