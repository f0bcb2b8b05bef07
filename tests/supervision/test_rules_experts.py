"""Expert rules across tenders: scores consistently far from the rest of the panel, and the same
expert repeatedly on one tenderee's panels; read on revealed panels only (条例 第四十六条)."""

import datetime as dt
from decimal import Decimal

import pytest

from evaluation.models import EvaluationSession, Panel, PanelSeat, PanelState, Score, SeatState
from monitoring.models import Alert
from supervision.rules.engine import rules_evaluate
from supervision.rules.experts import criterion_maxima
from tests.evaluation.factories import ExpertFactory, PanelSeatFactory
from tests.evaluation.stories import opened_tender
from tests.factories import ProjectFactory, comprehensive_scoring_scheme
from tests.supervision.console_stories import (
    clock_at,
    complete_panel,
    published_tender,
    shanghai,
)
from trading.models import TenderState


def seat_for(panel: Panel, expert) -> PanelSeat:
    seat = PanelSeatFactory(panel=panel, expert=expert)
    PanelSeat.objects.filter(pk=seat.pk).update(state=SeatState.CONFIRMED)
    return seat


def scored_evaluation(expert, *, expert_points: int, revealed: bool = True) -> EvaluationSession:
    """An evaluation where four experts give each bid 30 of 40 on the technical criterion and
    `expert` gives `expert_points`."""
    story = opened_tender(members=4)
    panel = story.panel
    seats = [*story.seats, seat_for(panel, expert)]
    Panel.objects.filter(pk=panel.pk).update(
        state=PanelState.REVEALED if revealed else PanelState.COMPLETE
    )
    moment = shanghai("2026-03-02 10:00")
    session = EvaluationSession.objects.create(
        tender=story.tender,
        panel=panel,
        starts_at=moment,
        ends_at=moment + dt.timedelta(hours=8),
        convened_at=moment,
    )
    for bid in story.bids:
        for seat in seats:
            Score.objects.create(
                session=session,
                seat=seat,
                bid=bid,
                criterion="c1",
                points=Decimal(expert_points if seat.expert_id == expert.pk else 30),
                recorded_at=moment,
            )
    return session


def test_criterion_maxima_are_read_by_code_and_by_name():
    assert criterion_maxima(comprehensive_scoring_scheme()) == {
        "c1": Decimal(40),
        "技术方案": Decimal(40),
        "c2": Decimal(10),
        "商务": Decimal(10),
        "c3": Decimal(50),
        "价格": Decimal(50),
    }


@pytest.mark.django_db
def test_an_expert_far_from_the_panel_in_three_evaluations_is_a_yellow_card(settings):
    leaning, steady = ExpertFactory(), ExpertFactory()
    sessions = [scored_evaluation(leaning, expert_points=10) for _ in range(3)]
    scored_evaluation(steady, expert_points=31)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
        rules_evaluate()
    alert = Alert.objects.get(kind="expert_score_deviation")
    assert (alert.object_type, alert.object_id, alert.severity, alert.tender_id) == (
        "evaluation.expert",
        str(leaning.pk),
        "yellow",
        "",
    )
    # |10 − 30| / 40 = 0.5 of the criterion's maximum, in each of the three evaluations.
    assert sorted(item["session"] for item in alert.evidence["facts"]["sessions"]) == sorted(
        str(session.pk) for session in sessions
    )
    assert {item["mean_deviation_share"] for item in alert.evidence["facts"]["sessions"]} == {
        "0.5000"
    }
    assert leaning.user.get_username() not in alert.message


@pytest.mark.django_db
def test_two_far_evaluations_are_not_yet_a_pattern(settings):
    leaning = ExpertFactory()
    for _ in range(2):
        scored_evaluation(leaning, expert_points=10)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    assert not Alert.objects.filter(kind="expert_score_deviation").exists()


@pytest.mark.django_db
def test_panels_not_yet_revealed_are_not_read(settings):
    leaning = ExpertFactory()
    for _ in range(3):
        scored_evaluation(leaning, expert_points=10, revealed=False)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    assert not Alert.objects.filter(kind="expert_score_deviation").exists()


@pytest.mark.django_db
def test_the_same_expert_on_three_panels_of_one_tenderee_is_a_yellow_card(settings):
    project = ProjectFactory()
    expert = ExpertFactory()
    tenders = []
    for number in range(3):
        tender = published_tender(TenderState.PUBLICIZING, project=project, lot_number=number + 1)
        panel = complete_panel(tender, members=4)
        seat_for(panel, expert)
        Panel.objects.filter(pk=panel.pk).update(
            state=PanelState.REVEALED, requested_at=shanghai("2026-03-02 10:00")
        )
        tenders.append(tender)
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
        rules_evaluate()
    alert = Alert.objects.get(kind="expert_repeat_tenderee")
    assert alert.breach_key == (f"evaluation.expert:{expert.pk}:tenderee:{project.tenderee_id}")
    assert sorted(alert.evidence["facts"]["tenders"]) == sorted(str(t.pk) for t in tenders)
    assert project.tenderee.name in alert.message


@pytest.mark.django_db
def test_panels_older_than_the_window_do_not_count(settings):
    settings.SUPERVISION_ALERT_RULES = {"expert_repeat_tenderee": {"window_days": 30}}
    project = ProjectFactory()
    expert = ExpertFactory()
    for number, requested in enumerate(
        ["2026-01-02 10:00", "2026-03-20 10:00", "2026-03-25 10:00"]
    ):
        tender = published_tender(TenderState.PUBLICIZING, project=project, lot_number=number + 1)
        panel = complete_panel(tender, members=4)
        seat_for(panel, expert)
        Panel.objects.filter(pk=panel.pk).update(
            state=PanelState.REVEALED, requested_at=shanghai(requested)
        )
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        rules_evaluate()
    assert not Alert.objects.filter(kind="expert_repeat_tenderee").exists()
