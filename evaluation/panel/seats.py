"""A drawn expert confirms or declines its seat; a confirmed one may recuse later (a conflict
found). A decline or recusal draws a replacement for that specialty at once, as a new round
from the same seed; the panel is complete when every seat is confirmed.

Until the panel is revealed its members are secret (条例 第四十六条): the events of an expert's
decisions are sealed (the actor and the reason kept apart, for supervisors), and a round's
event holds only digests.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from evaluation.models import Panel, PanelSeat, PanelState, SeatKind, SeatState
from evaluation.panel.draw import round_draw, round_payload
from evaluation.panel.errors import CONFLICT, PanelRefused
from evaluation.panel.refusals import refusals_logged
from monitoring.alerts import alert_raise
from monitoring.clock import database_now
from monitoring.services import PLATFORM, Sealed, record_event
from monitoring.transitions import apply_transition

REASON_LENGTH = 1000
# While the panel is being formed; a revealed panel's seats are history.
FORMING = (PanelState.DRAWN, PanelState.COMPLETE)


def _locked_own_seat(acting: Acting, seat_id: UUID) -> tuple[Panel, PanelSeat]:
    """The panel (locked first, so that rounds are numbered one at a time) and the seat, which
    must be the acting user's expert seat."""
    seat = PanelSeat.objects.filter(pk=seat_id).first()
    if seat is None or seat.user_id != acting.user.pk or seat.kind != SeatKind.EXPERT:
        raise PermissionDenied(_("This is not a seat of yours on a panel."))
    panel = (
        Panel.objects.select_related("tender__project__tenderee", "tender__project__agent")
        .select_for_update(of=("self",))
        .get(pk=seat.panel_id)
    )
    if panel.state not in FORMING:
        raise PanelRefused(
            "conflict",
            _("The panel is %(state)s: its seats no longer change.")
            % {"state": panel.get_state_display()},
            status=CONFLICT,
            field="seat",
        )
    return panel, seat


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PanelRefused(message=_("Give the reason."), field="reason")
    if len(reason) > REASON_LENGTH:
        raise PanelRefused(
            message=_("The reason has more than %(length)d characters.")
            % {"length": REASON_LENGTH},
            field="reason",
        )
    return reason


def _sealed(panel: Panel, seat: PanelSeat, **fields: str) -> Sealed:
    return Sealed(tender_id=str(panel.tender_id), fields={"expert": str(seat.expert_id), **fields})


def _complete_if_full(panel: Panel) -> None:
    states = list(panel.seats.values_list("state", flat=True))
    confirmed = states.count(SeatState.CONFIRMED)
    if panel.state == PanelState.DRAWN and confirmed == panel.size:
        apply_transition(
            panel, "complete", actor=PLATFORM, action="panel.completed", payload={"size": confirmed}
        )


def _replace(panel: Panel, seat: PanelSeat, *, why: str) -> None:
    """Draw one expert of the seat's specialty in a new round; a pool with nobody left leaves a
    vacancy, which supervisors are alerted to."""
    result = round_draw(panel=panel, requests=[(seat.specialty, 1)], reason=why)
    record_event(
        actor=PLATFORM,
        action="panel.redrawn",
        object_type="evaluation.panel",
        object_id=str(panel.pk),
        payload={**round_payload(result), "replaces": str(seat.pk)},
    )
    if result.shortfall:
        alert_raise(
            kind="panel_vacancy",
            severity="warning",
            object_type="evaluation.panel",
            object_id=str(panel.pk),
            tender_id=str(panel.tender_id),
            message=_(
                "No eligible expert of %(specialty)s is left to replace a seat: the panel has a "
                "vacancy."
            )
            % {"specialty": seat.specialty},
            evidence={"round": result.draw.number, "specialty": seat.specialty},
        )


@refusals_logged
@transaction.atomic
def seat_confirm(*, acting: Acting, seat_id: UUID) -> PanelSeat:
    """The drawn expert accepts its seat."""
    panel, seat = _locked_own_seat(acting, seat_id)
    seat = apply_transition(
        seat,
        "confirm",
        actor=acting.as_actor(Role.EXPERT),
        action="panel_seat.confirmed",
        arguments=[database_now()],
        changed_fields=["decided_at"],
        payload={"panel": str(panel.pk)},
        sealed=_sealed(panel, seat),
    )
    _complete_if_full(panel)
    return seat


@refusals_logged
@transaction.atomic
def seat_decline(*, acting: Acting, seat_id: UUID, reason: str) -> PanelSeat:
    """The drawn expert declines, with its reason; a replacement is drawn at once."""
    panel, seat = _locked_own_seat(acting, seat_id)
    reason = _reason(reason)
    seat = apply_transition(
        seat,
        "decline",
        actor=acting.as_actor(Role.EXPERT),
        action="panel_seat.declined",
        arguments=[reason, database_now()],
        changed_fields=["reason", "decided_at"],
        payload={"panel": str(panel.pk)},
        sealed=_sealed(panel, seat, reason=reason),
    )
    _replace(panel, seat, why="replaces a declined seat")
    return seat


@refusals_logged
@transaction.atomic
def seat_recuse(*, acting: Acting, seat_id: UUID, reason: str) -> PanelSeat:
    """A confirmed expert withdraws (a conflict found late, 条例 第四十六条); its conclusions are
    void (条例 第四十八条, for the session to apply). The panel reopens and a replacement is
    drawn."""
    panel, seat = _locked_own_seat(acting, seat_id)
    reason = _reason(reason)
    seat = apply_transition(
        seat,
        "recuse",
        actor=acting.as_actor(Role.EXPERT),
        action="panel_seat.recused",
        arguments=[reason, database_now()],
        changed_fields=["reason", "decided_at"],
        payload={"panel": str(panel.pk)},
        sealed=_sealed(panel, seat, reason=reason),
    )
    if panel.state == PanelState.COMPLETE:
        panel = apply_transition(
            panel, "reopen", actor=PLATFORM, action="panel.reopened", payload={"seat": str(seat.pk)}
        )
    _replace(panel, seat, why="replaces a recused seat")
    return seat
