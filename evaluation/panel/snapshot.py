"""A round's snapshot: the ids of the experts eligible for each specialty, filtered in SQL.

The rules are those of panel/rules.py (tested against it). One query for the bidders of the
tender, then one per specialty selecting only ids: the cost does not grow with queries as the
pool grows (bench/bench_draw.py measures a pool of 100,000).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import CharField, Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast

from accounts.models import RoleMembership
from bids.models import Bid, BidState
from evaluation.models import (
    Expert,
    ExpertConflict,
    ExpertState,
    Panel,
    PanelSeat,
    SeatKind,
    SeatState,
)
from evaluation.panel.rules import region_prefix
from trading.models import Tender

# The bids whose bidders are known and still in the running when the panel is drawn.
LIVE_BID_STATES = (BidState.SUBMITTED, BidState.DECRYPTED)


@dataclass(frozen=True)
class DrawScope:
    """What a draw for a tender excludes: the organisations, the tenderee's recent panels."""

    organisations: frozenset[str]
    tenderee_id: object
    region: str
    since: datetime
    repeat_limit: int


def draw_scope(*, tender: Tender, region: str, now: datetime) -> DrawScope:
    """The bidders of the tender's live bids, its tenderee and its agent (one query; the tender
    comes with its project, tenderee and agent)."""
    project = tender.project
    bidders = (
        Bid.objects.filter(tender=tender, state__in=LIVE_BID_STATES)
        .values_list("bidder__uscc", flat=True)
        .distinct()
    )
    organisations = {project.tenderee.uscc, *bidders}
    if project.agent is not None:
        organisations.add(project.agent.uscc)
    return DrawScope(
        organisations=frozenset(organisations),
        tenderee_id=project.tenderee_id,
        region=region,
        since=now - timedelta(days=settings.EVALUATION_DRAW_REPEAT_DAYS),
        repeat_limit=settings.EVALUATION_DRAW_REPEAT_LIMIT,
    )


def eligible_experts(*, scope: DrawScope, panel: Panel | None) -> QuerySet[Expert]:
    """Every expert the rules allow for the scope, for any specialty (filter it after)."""
    excluded = list(scope.organisations)
    experts = (
        Expert.objects.filter(state=ExpertState.ACTIVE)
        .exclude(employer_uscc__in=excluded)
        .exclude(Exists(ExpertConflict.objects.filter(expert_id=OuterRef("pk"), uscc__in=excluded)))
        .exclude(
            Exists(
                RoleMembership.objects.filter(
                    user_id=OuterRef("user_id"), organisation__uscc__in=excluded
                )
            )
        )
    )
    prefix = region_prefix(scope.region)
    if prefix:
        experts = experts.filter(region__startswith=prefix)
    if scope.repeat_limit > 0:
        # Uncorrelated: PostgreSQL groups the tenderee's recent seats once, not per expert.
        frequent = (
            PanelSeat.objects.filter(
                kind=SeatKind.EXPERT,
                expert__isnull=False,
                panel__tender__project__tenderee_id=scope.tenderee_id,
                draw__drawn_at__gte=scope.since,
            )
            .exclude(state=SeatState.DECLINED)
            .order_by()
            .values("expert_id")
            .annotate(times=Count("pk"))
            .filter(times__gte=scope.repeat_limit)
            .values("expert_id")
        )
        experts = experts.exclude(pk__in=frequent)
    if panel is not None:
        experts = experts.exclude(
            Exists(PanelSeat.objects.filter(panel_id=panel.pk, expert_id=OuterRef("pk")))
        )
    return experts


def eligible_snapshot(
    *, scope: DrawScope, panel: Panel | None, specialties: list[str]
) -> dict[str, list[str]]:
    """{specialty: sorted ids (text) of the experts eligible for it}. The ids come as text from
    the database and are sorted here, by code point: a database collation never decides."""
    experts = eligible_experts(scope=scope, panel=panel).annotate(
        text_id=Cast("id", output_field=CharField())
    )
    return {
        specialty: sorted(
            experts.filter(specialties__contains=[specialty]).values_list("text_id", flat=True)
        )
        for specialty in specialties
    }


def eligible_counts(*, scope: DrawScope, specialties: list[str]) -> tuple[dict[str, int], int]:
    """({specialty: eligible experts}, experts eligible for any of them), counted in SQL."""
    experts = eligible_experts(scope=scope, panel=None)
    counts = {
        specialty: experts.filter(specialties__contains=[specialty]).count()
        for specialty in specialties
    }
    return counts, experts.filter(specialties__overlap=specialties).count()
