"""The evaluation factories build rows the database accepts: a session on a panel of five."""

import pytest

from evaluation.models import PanelSeat, SeatState, SessionState
from tests.evaluation.factories import EvaluationSessionFactory, PanelSeatFactory

pytestmark = pytest.mark.django_db


def test_a_session_sits_on_a_panel_of_five_drawn_experts():
    session = EvaluationSessionFactory()
    PanelSeatFactory.create_batch(5, panel=session.panel)

    seats = PanelSeat.objects.filter(panel=session.panel)
    assert session.state == SessionState.CONVENED
    assert [seat.state for seat in seats] == [SeatState.DRAWN] * 5
    assert len({seat.user.expert_profile.pk for seat in seats}) == 5
