"""The draw record: everything needed to replay a panel's draw, public once it is revealed.

    GET /api/v1/tenders/<tender id>/panel/draw-record     (404 until the panel is revealed)

Three queries whatever the pool's size. `evaluation.panel.replay` checks a record offline.
"""

from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _

from evaluation.models import Panel, PanelState
from evaluation.panel.algorithm import ALGORITHM_NAME, ALGORITHM_VERSION, drawn_sha256

ALGORITHM_TEXT = {
    "name": ALGORITHM_NAME,
    "version": ALGORITHM_VERSION,
    "sub_seed": "SHA-256(seed || round number as 4 bytes big-endian)",
    "order": (
        "for each request in order, the specialty's eligible ids sorted by "
        "HMAC-SHA256(key=sub-seed, message=UTF-8(specialty) || 0x00 || UTF-8(id)), "
        "then the id; the first `count` not taken earlier in the round are drawn"
    ),
    "digest": "SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8)",
    "replay": "python -m evaluation.panel.replay draw-record.json",
}


def draw_record_of(panel: Panel, *, seed: bytes | None) -> dict[str, Any]:
    """The record of `panel`; `seed` in clear when revealed (or read by a supervisor)."""
    draws = list(panel.draws.order_by("number"))
    seats = list(panel.seats.select_related("user", "draw").order_by("kind", "draw__number"))
    return {
        "algorithm": ALGORITHM_TEXT,
        "tender": str(panel.tender_id),
        "panel": str(panel.pk),
        "size": panel.size,
        "region": panel.region,
        "specialties": panel.specialties,
        "requested_at": panel.requested_at.isoformat(),
        "seed_sha256": panel.seed_sha256,
        "seed": seed.hex() if seed is not None else None,
        "revealed_at": panel.revealed_at.isoformat() if panel.revealed_at else None,
        "rounds": [
            {
                "number": draw.number,
                "drawn_at": draw.drawn_at.isoformat(),
                "reason": draw.reason,
                "requests": draw.requests,
                "pool_snapshot": draw.pool_snapshot,
                "pool_sha256": draw.pool_sha256,
                "drawn": draw.drawn,
                "drawn_sha256": drawn_sha256(draw.drawn),
            }
            for draw in draws
        ],
        "members": [
            {
                "kind": seat.kind,
                "name": seat.user.full_name or seat.user.get_username(),
                "expert": str(seat.expert_id) if seat.expert_id else None,
                "specialty": seat.specialty,
                "round": seat.draw.number if seat.draw else None,
                "state": seat.state,
            }
            for seat in seats
        ],
    }


def panel_draw_record(*, tender_id: UUID) -> dict[str, Any]:
    """The public record of a tender's draw: Http404 until its panel is revealed, so that
    before then nobody learns even whether a panel was drawn."""
    panel = Panel.objects.filter(tender_id=tender_id, state=PanelState.REVEALED).first()
    if panel is None:
        raise Http404(_("No revealed panel for this tender."))
    return draw_record_of(panel, seed=bytes.fromhex(panel.seed))
