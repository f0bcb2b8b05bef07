"""Reading a panel, as each role may (条例 第四十六条: the members are secret until revealed).

* the tenderee and its agent: counts and seat states, never an expert's name (`panel_progress`);
* an expert: its own seats (`expert_seats`);
* a supervisor: everything, each read an event (`panel_disclosure_read`);
* bidders and the public: nothing, until the draw record is public (panel/record.py);
* the session and the report (other use cases, which check their own actors):
  `panel_sitting_seats`.
Each costs a fixed number of queries.
"""

from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role, User
from accounts.selectors import user_has_role
from evaluation.models import Panel, PanelSeat, PanelState, SeatKind, SeatState
from monitoring.services import record_event
from trading.models import Tender
from trading.services import manager_role

# The seats that count towards the panel's size.
SITTING = (SeatState.DRAWN, SeatState.CONFIRMED)


@dataclass(frozen=True)
class SeatLine:
    """A seat as the tenderee sees it: an expert's name only once the panel is revealed."""

    kind: str
    specialty: str
    state: str
    round: int | None
    name: str

    @property
    def state_label(self) -> str:
        return str(SeatState(self.state).label)


@dataclass(frozen=True)
class PanelProgress:
    tender: Tender
    panel: Panel | None
    seats: list[SeatLine] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    rounds: int = 0
    vacancies: int = 0

    @property
    def count_lines(self) -> list[tuple[str, int]]:
        """(state's label, seats in it) for the states some seat is in."""
        return [
            (str(label), self.counts[value])
            for value, label in SeatState.choices
            if self.counts.get(value)
        ]


def _tender(tender_id: UUID) -> Tender:
    tender = (
        Tender.objects.select_related("project__tenderee", "project__agent")
        .filter(pk=tender_id)
        .first()
    )
    if tender is None:
        raise Http404(_("No tender has this id."))
    return tender


def panel_progress(*, acting: Acting, tender_id: UUID) -> PanelProgress:
    """The tenderee's, the agent's or a supervisor's view of the panel: counts and states.
    Http404 for anyone else (bidders included: another organisation's tender is not theirs)."""
    tender = _tender(tender_id)
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        manager_role(acting, tender.project)
    panel = Panel.objects.filter(tender=tender).first()
    if panel is None:
        return PanelProgress(tender=tender, panel=None)
    seats = list(
        panel.seats.select_related("user", "draw").order_by("kind", "specialty", "draw__number")
    )
    revealed = panel.state == PanelState.REVEALED
    lines = [
        SeatLine(
            kind=seat.kind,
            specialty=seat.specialty,
            state=seat.state,
            round=seat.draw.number if seat.draw else None,
            name=str(seat.user) if revealed or seat.kind == SeatKind.REPRESENTATIVE else "",
        )
        for seat in seats
    ]
    counts = Counter(seat.state for seat in seats)
    sitting = sum(counts[state] for state in SITTING)
    return PanelProgress(
        tender=tender,
        panel=panel,
        seats=lines,
        counts={state: counts[state] for state in SeatState.values},
        rounds=len({line.round for line in lines if line.round is not None}),
        vacancies=max(0, panel.size - sitting),
    )


def expert_seats(*, user: User) -> list[PanelSeat]:
    """The user's seats as an expert, newest first, with the tender each is for."""
    return list(
        PanelSeat.objects.filter(user=user, kind=SeatKind.EXPERT)
        .select_related("panel__tender__project__tenderee", "draw")
        .order_by("-draw__drawn_at")
    )


@dataclass(frozen=True)
class DisclosedSeat:
    seat: PanelSeat
    name: str
    employer: str


@dataclass(frozen=True)
class PanelDisclosure:
    panel: Panel
    seats: list[DisclosedSeat]
    rounds: list[dict]


@transaction.atomic
def panel_disclosure_read(*, acting: Acting, tender_id: UUID) -> PanelDisclosure:
    """Who sits on the panel, who declined or recused and why, and each round: for a
    supervisor only, and the read is an event."""
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(
            _("Only a supervisor reads who is on a panel before it is revealed.")
        )
    panel = Panel.objects.filter(tender_id=tender_id).first()
    if panel is None:
        raise Http404(_("The tender has no panel."))
    seats = list(
        panel.seats.select_related("user", "expert", "draw").order_by("kind", "draw__number")
    )
    rounds = list(
        panel.draws.order_by("number").values(
            "number", "drawn_at", "reason", "requests", "pool_sha256", "drawn"
        )
    )
    record_event(
        actor=acting.as_actor(Role.SUPERVISOR),
        action="panel.read",
        object_type="evaluation.panel",
        object_id=str(panel.pk),
        payload={"tender": str(tender_id)},
    )
    return PanelDisclosure(
        panel=panel,
        seats=[
            DisclosedSeat(
                seat=seat,
                name=str(seat.user),
                employer=seat.expert.employer_name if seat.expert else "",
            )
            for seat in seats
        ],
        rounds=rounds,
    )


def panel_sitting_seats(*, panel_id: UUID) -> list[PanelSeat]:
    """The confirmed seats of a panel (experts and representatives) with their users and
    expert profiles. Unchecked: for the session and report use cases, which check their
    actors."""
    return list(
        PanelSeat.objects.filter(panel_id=panel_id, state=SeatState.CONFIRMED)
        .select_related("user", "expert")
        .order_by("kind", "specialty", "user__username")
    )


def tenderee_people(*, tender: Tender) -> QuerySet[User]:
    """Who may sit as the tenderee's representatives: the people acting for the tenderee."""
    return (
        User.objects.filter(
            memberships__role=Role.TENDEREE,
            memberships__organisation_id=tender.project.tenderee_id,
        )
        .distinct()
        .order_by("full_name", "username")
    )
