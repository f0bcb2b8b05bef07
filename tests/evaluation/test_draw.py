"""The draw: a committed seed, then a panel anyone can replay (docs/evaluation.md)."""

import pytest

from evaluation.models import PanelDraw, PanelSeat, PanelState, SeatKind, SeatState
from evaluation.panel.algorithm import draw_round, seed_sha256
from evaluation.panel.request import panel_request
from evaluation.panel.seed import seed_unwrap
from monitoring.models import Event
from tests.evaluation.draw_setup import SPECIALTY, pool, tender_past_deadline

pytestmark = pytest.mark.django_db


def test_a_draw_replayed_from_its_seed_gives_the_same_panel_and_the_seed_was_logged_first():
    tender = tender_past_deadline()
    pool(12)

    panel = panel_request(
        acting=tender.acting,
        tender_id=tender.pk,
        specialties=[{"specialty": SPECIALTY, "count": 5}],
        size=5,
    )

    assert panel.state == PanelState.DRAWN
    seed = seed_unwrap(panel)
    assert seed_sha256(seed) == panel.seed_sha256
    draw = PanelDraw.objects.get(panel=panel)
    replayed = draw_round(
        seed=seed, number=1, requests=[(SPECIALTY, 5)], snapshot=draw.pool_snapshot
    )
    assert replayed == draw.drawn
    seated = PanelSeat.objects.filter(panel=panel, kind=SeatKind.EXPERT)
    assert sorted(str(seat.expert_id) for seat in seated) == sorted(draw.drawn[SPECIALTY])
    assert {seat.state for seat in seated} == {SeatState.DRAWN}
    committed = Event.objects.get(action="panel.seed_committed", object_id=str(panel.pk))
    drawn = Event.objects.get(action="panel.drawn", object_id=str(panel.pk))
    assert committed.payload["seed_sha256"] == panel.seed_sha256
    assert committed.sequence < drawn.sequence
    assert drawn.payload["pool_sha256"] == draw.pool_sha256
