"""One round of drawing, inside the caller's transaction on the locked panel: the snapshot, the
algorithm run from the committed seed, the round recorded (PanelDraw) and its seats created.

The caller writes the event (the first draw moves the panel to `drawn`; a replacement is
`panel.redrawn`) with `round_payload`, which names no expert: only digests and counts.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from evaluation.models import Expert, Panel, PanelDraw, PanelSeat, SeatKind
from evaluation.panel.algorithm import draw_round, drawn_sha256, snapshot_sha256
from evaluation.panel.seed import seed_unwrap
from evaluation.panel.snapshot import draw_scope, eligible_snapshot
from monitoring.clock import database_now


@dataclass(frozen=True)
class Round:
    draw: PanelDraw
    requested: int
    shortfall: int  # seats the pool could not fill


def round_draw(*, panel: Panel, requests: list[tuple[str, int]], reason: str) -> Round:
    """Draw the next round for `requests` ((specialty, count) in order) on the locked panel,
    which comes with its tender, project, tenderee and agent."""
    now = database_now()
    number = (panel.draws.aggregate(last=Max("number"))["last"] or 0) + 1
    scope = draw_scope(tender=panel.tender, region=panel.region, now=now)
    snapshot = eligible_snapshot(
        scope=scope, panel=panel, specialties=[specialty for specialty, _count in requests]
    )
    drawn = draw_round(seed=seed_unwrap(panel), number=number, requests=requests, snapshot=snapshot)
    draw = PanelDraw.objects.create(
        panel=panel,
        number=number,
        drawn_at=now,
        pool_snapshot=snapshot,
        pool_sha256=snapshot_sha256(snapshot),
        requests=[{"specialty": specialty, "count": count} for specialty, count in requests],
        drawn=drawn,
        reason=reason,
    )
    drawn_ids = [expert_id for ids in drawn.values() for expert_id in ids]
    users = {
        str(expert_id): user_id
        for expert_id, user_id in Expert.objects.filter(pk__in=drawn_ids).values_list(
            "id", "user_id"
        )
    }
    PanelSeat.objects.bulk_create(
        PanelSeat(
            panel=panel,
            draw=draw,
            kind=SeatKind.EXPERT,
            expert_id=expert_id,
            user_id=users[expert_id],
            specialty=specialty,
        )
        for specialty, ids in drawn.items()
        for expert_id in ids
    )
    requested = sum(count for _specialty, count in requests)
    return Round(draw=draw, requested=requested, shortfall=requested - len(drawn_ids))


def round_payload(result: Round) -> dict[str, Any]:
    """What the event log keeps of a round before the reveal: digests and counts, no names."""
    draw = result.draw
    return {
        "round": draw.number,
        "requests": draw.requests,
        "pool_sizes": {specialty: len(ids) for specialty, ids in draw.pool_snapshot.items()},
        "pool_sha256": draw.pool_sha256,
        "drawn_sha256": drawn_sha256(draw.drawn),
        "drawn": sum(len(ids) for ids in draw.drawn.values()),
        "shortfall": result.shortfall,
        "reason": draw.reason,
    }
