"""The tenderee (or its agent) requests a panel, once the bid deadline has passed; the seed is
committed, then the panel is drawn (docs/evaluation.md, "The pool and the draw").

Two durable transactions (never nested in a caller's), in this order: the first checks the
request against the law and the pool, creates the panel with the seed wrapped and logs the
seed's SHA-256 (`panel.seed_committed`), and commits; the second draws round 1 from that seed.
So the log holds the commitment before any expert is drawn, and the seed cannot be chosen
after the pool is seen.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role, RoleMembership
from evaluation.models import Panel, PanelSeat, PanelState, SeatKind, SeatState
from evaluation.panel.draw import round_draw, round_payload
from evaluation.panel.errors import CONFLICT, PanelRefused
from evaluation.panel.refusals import refusals_logged
from evaluation.panel.seed import seed_new, seed_wrap
from evaluation.panel.snapshot import draw_scope, eligible_counts
from evaluation.pool.checks import PoolRefused, checked_region, checked_specialties
from monitoring.clock import database_now
from monitoring.services import record_event
from monitoring.transitions import apply_transition
from trading.law.checks import check_panel
from trading.models import Tender, TenderState
from trading.services import manager_role

# The bidders are known only once the deadline has passed (办法 第21条), and the panel must sit
# before the evaluation starts.
REQUESTABLE_STATES = (TenderState.BIDDING_CLOSED, TenderState.OPENING, TenderState.OPENED)
# check_panel's fields, as the request names them.
LAW_FIELDS = {"members": "size", "experts": "representatives"}
FIRST_DRAW = "first draw"


@dataclass(frozen=True)
class SpecialtyRequest:
    specialty: str
    count: int


def _specialty_requests(specialties: Sequence[Any]) -> list[SpecialtyRequest]:
    """[{"specialty", "count"}] or [(specialty, count)] → checked requests, in order."""
    pairs = []
    for item in specialties or ():
        if isinstance(item, dict):
            pairs.append((item.get("specialty"), item.get("count")))
        elif isinstance(item, list | tuple) and len(item) == 2:
            pairs.append((item[0], item[1]))
        else:
            raise PanelRefused(
                message=_("Give each specialty with its count."), field="specialties"
            )
    try:
        codes = checked_specialties([code for code, _count in pairs])
    except PoolRefused as refusal:
        raise PanelRefused(message=refusal.message, field="specialties") from None
    if len(codes) != len(pairs):
        raise PanelRefused(message=_("Name each specialty once."), field="specialties")
    requests = []
    for code, count in zip(codes, (count for _code, count in pairs), strict=True):
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise PanelRefused(
                message=_("The count of %(specialty)s must be a whole number of at least 1.")
                % {"specialty": code},
                field="specialties",
            )
        requests.append(SpecialtyRequest(code, count))
    return requests


def _representatives(tender: Tender, representative_ids: Sequence[UUID]) -> list[Any]:
    """The users named, each acting for the tenderee (招标人代表)."""
    wanted = {str(user_id) for user_id in representative_ids}
    if len(wanted) != len(representative_ids):
        raise PanelRefused(message=_("Name each representative once."), field="representatives")
    memberships = RoleMembership.objects.filter(
        role=Role.TENDEREE, organisation_id=tender.project.tenderee_id, user_id__in=wanted
    ).select_related("user")
    users = {str(membership.user_id): membership.user for membership in memberships}
    missing = wanted - users.keys()
    if missing:
        raise PanelRefused(
            message=_("A representative must act for the tenderee %(tenderee)s: %(ids)s does not.")
            % {"tenderee": tender.project.tenderee.name, "ids": ", ".join(sorted(missing))},
            field="representatives",
        )
    return [users[str(user_id)] for user_id in representative_ids]


def _check_law(tender: Tender, *, size: int, representatives: int) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise PanelRefused(message=_("The size must be a whole number."), field="size")
    violations = check_panel(
        tender.project.regime,
        members=size,
        experts=size - representatives,
        budget_fen=tender.estimated_price_fen or 0,
    )
    if violations:
        first = violations[0]
        raise PanelRefused(message=first.message, field=LAW_FIELDS.get(first.field, first.field))


def _check_pool(
    tender: Tender, *, requests: list[SpecialtyRequest], region: str, experts: int
) -> None:
    """Refuse a pool that cannot fill the panel before anything is committed. A necessary
    condition: each specialty has its count, and all have enough experts together."""
    scope = draw_scope(tender=tender, region=region, now=database_now())
    counts, together = eligible_counts(
        scope=scope, specialties=[request.specialty for request in requests]
    )
    for request in requests:
        found = counts[request.specialty]
        if found < request.count:
            values = {"found": found, "specialty": request.specialty, "count": request.count}
            if region:
                message = _(
                    "The pool has %(found)s eligible experts of %(specialty)s in region "
                    "%(region)s; the panel needs %(count)s."
                ) % {**values, "region": region}
            else:
                message = (
                    _(
                        "The pool has %(found)s eligible experts of %(specialty)s; the panel needs "
                        "%(count)s."
                    )
                    % values
                )
            raise PanelRefused("pool_too_small", message, status=CONFLICT, field="specialties")
    if together < experts:
        raise PanelRefused(
            "pool_too_small",
            _(
                "The pool has %(found)s eligible experts for these specialties; the panel "
                "needs %(count)s."
            )
            % {"found": together, "count": experts},
            status=CONFLICT,
            field="specialties",
        )


@transaction.atomic(durable=True)
def _commit(
    *,
    acting: Acting,
    tender_id: UUID,
    specialties: Sequence[Any],
    region: str,
    size: int,
    representative_ids: Sequence[UUID],
) -> tuple[Panel, str]:
    tender = (
        Tender.objects.select_related("project__tenderee", "project__agent")
        .select_for_update(of=("self",))
        .filter(pk=tender_id)
        .first()
    )
    if tender is None:
        raise PanelRefused("not_found", _("No tender has this id."), status=404, field="tender")
    role = manager_role(acting, tender.project)
    if tender.state not in REQUESTABLE_STATES:
        raise PanelRefused(
            "conflict",
            _(
                "A panel is requested once the bid deadline has passed, when the bidders are "
                "known; the tender is %(state)s."
            )
            % {"state": tender.get_state_display()},
            status=CONFLICT,
            field="tender",
        )
    if Panel.objects.filter(tender=tender).exists():
        raise PanelRefused(
            "conflict", _("The tender has a panel already."), status=CONFLICT, field="tender"
        )
    requests = _specialty_requests(specialties)
    try:
        region = checked_region(region or "", required=False)
    except PoolRefused as refusal:
        raise PanelRefused(message=refusal.message, field="region") from None
    people = _representatives(tender, list(representative_ids))
    _check_law(tender, size=size, representatives=len(people))
    experts = size - len(people)
    total = sum(request.count for request in requests)
    if total != experts:
        raise PanelRefused(
            message=_(
                "The specialties' counts add up to %(total)s; a panel of %(size)s with "
                "%(representatives)s representatives needs %(experts)s experts."
            )
            % {"total": total, "size": size, "representatives": len(people), "experts": experts},
            field="specialties",
        )
    _check_pool(tender, requests=requests, region=region, experts=experts)
    now = database_now()
    panel = Panel(
        tender=tender,
        requested_by=acting.user,
        requested_at=now,
        specialties=[{"specialty": item.specialty, "count": item.count} for item in requests],
        region=region,
        size=size,
    )
    seed_wrap(panel, seed_new())
    panel.save(force_insert=True)
    # 招标人代表: named by the tenderee, not invited; they sit from the request.
    PanelSeat.objects.bulk_create(
        PanelSeat(
            panel=panel,
            kind=SeatKind.REPRESENTATIVE,
            user=person,
            state=SeatState.CONFIRMED,
            decided_at=now,
        )
        for person in people
    )
    record_event(
        actor=acting.as_actor(role),
        action="panel.seed_committed",
        object_type="evaluation.panel",
        object_id=str(panel.pk),
        to_state=PanelState.COMMITTED,
        payload={
            "tender": str(tender.pk),
            "seed_sha256": panel.seed_sha256,
            "size": size,
            "specialties": panel.specialties,
            "region": region,
            "representatives": [str(person.pk) for person in people],
        },
    )
    return panel, role


@transaction.atomic(durable=True)
def _first_draw(*, panel_id: UUID, acting: Acting, role: str) -> Panel:
    panel = (
        Panel.objects.select_related("tender__project__tenderee", "tender__project__agent")
        .select_for_update(of=("self",))
        .get(pk=panel_id)
    )
    requests = [(item["specialty"], item["count"]) for item in panel.specialties]
    result = round_draw(panel=panel, requests=requests, reason=FIRST_DRAW)
    if result.shortfall:
        # The pool changed since the check, or experts holding several specialties were drawn
        # for one: nothing of this round is kept (the transaction rolls back).
        raise PanelRefused(
            "pool_too_small",
            _("The pool could not fill %(count)s of the panel's seats: request the panel again.")
            % {"count": result.shortfall},
            status=CONFLICT,
            field="specialties",
        )
    return apply_transition(
        panel,
        "record_draw",
        actor=acting.as_actor(role),
        action="panel.drawn",
        payload=round_payload(result),
    )


@transaction.atomic
def _abandon(*, panel_id: UUID, acting: Acting, role: str, refusal: PanelRefused) -> None:
    """A committed panel whose first draw failed is removed, so that the tenderee may request
    again with a new seed; the log keeps its commitment and why it was abandoned."""
    panel = Panel.objects.select_for_update().filter(pk=panel_id).first()
    if panel is None or panel.state != PanelState.COMMITTED or panel.draws.exists():
        return
    record_event(
        actor=acting.as_actor(role),
        action="panel.abandoned",
        object_type="evaluation.panel",
        object_id=str(panel.pk),
        from_state=panel.state,
        payload={
            "tender": str(panel.tender_id),
            "seed_sha256": panel.seed_sha256,
            "message": refusal.message,
        },
    )
    panel.seats.all().delete()
    panel.delete()


@refusals_logged
def panel_request(
    *,
    acting: Acting,
    tender_id: UUID,
    specialties: Sequence[Any],
    region: str = "",
    size: int,
    representative_ids: Sequence[UUID] = (),
) -> Panel:
    """Request and draw the panel of a tender: `specialties` as [{"specialty", "count"}] in
    order, `region` an administrative division code (or ""), `size` the members in all,
    `representative_ids` the tenderee's people who sit on it. Not to be called inside a
    transaction (RuntimeError: both are durable): the seed's commitment commits before the
    draw."""
    panel, role = _commit(
        acting=acting,
        tender_id=tender_id,
        specialties=specialties,
        region=region,
        size=size,
        representative_ids=representative_ids,
    )
    try:
        return _first_draw(panel_id=panel.pk, acting=acting, role=role)
    except PanelRefused as refusal:
        _abandon(panel_id=panel.pk, acting=acting, role=role, refusal=refusal)
        raise
