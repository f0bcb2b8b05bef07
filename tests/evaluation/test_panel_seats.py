"""Drawn experts confirm or decline; a decline or a recusal draws a recorded replacement; the
panel is complete when every seat is confirmed."""

import pytest
from django.core.exceptions import PermissionDenied

from config.errors import Refusal
from evaluation.models import PanelDraw, PanelSeat, PanelState, SeatState
from evaluation.panel.algorithm import draw_round
from evaluation.panel.reveal import panel_reveal
from evaluation.panel.seats import seat_confirm, seat_decline, seat_recuse
from evaluation.panel.seed import seed_unwrap
from monitoring.models import Alert, Event, SealedIdentity
from monitoring.services import PLATFORM
from monitoring.transitions import TransitionRefused
from tests.evaluation.draw_setup import (
    SPECIALTY,
    complete_panel,
    confirm_all,
    pool,
    request_five,
    seat_of,
    tender_past_deadline,
)
from tests.evaluation.factories import ExpertFactory
from trading.services import Acting

pytestmark = pytest.mark.django_db


def as_expert(seat) -> Acting:
    return Acting(user=seat.user)


def test_the_panel_is_complete_when_every_seat_is_confirmed():
    tender = tender_past_deadline()
    pool(5)
    panel = request_five(tender)

    confirm_all(panel)

    panel.refresh_from_db()
    assert panel.state == PanelState.COMPLETE
    assert set(panel.seats.values_list("state", flat=True)) == {SeatState.CONFIRMED}
    completed = Event.objects.get(action="panel.completed", object_id=str(panel.pk))
    assert (completed.from_state, completed.to_state, completed.role) == (
        "drawn",
        "complete",
        "platform",
    )


def test_a_confirmation_is_logged_sealed_so_that_the_log_names_no_expert():
    tender = tender_past_deadline()
    pool(5)
    seat = seat_of(request_five(tender))

    seat_confirm(acting=as_expert(seat), seat_id=seat.pk)

    event = Event.objects.get(action="panel_seat.confirmed", object_id=str(seat.pk))
    assert (event.actor, event.actor_label, event.from_state, event.to_state) == (
        None,
        "sealed",
        "drawn",
        "confirmed",
    )
    sealed = SealedIdentity.objects.get(event=event)
    assert (sealed.actor, sealed.tender_id, sealed.fields) == (
        seat.user,
        str(tender.pk),
        {"expert": str(seat.expert_id)},
    )


def test_a_decline_draws_a_replacement_in_a_recorded_round():
    tender = tender_past_deadline()
    pool(8)
    panel = request_five(tender)
    seat = seat_of(panel)

    seat_decline(acting=as_expert(seat), seat_id=seat.pk, reason="当日出差，无法到场")

    seat.refresh_from_db()
    assert (seat.state, seat.reason) == (SeatState.DECLINED, "当日出差，无法到场")
    second = PanelDraw.objects.get(panel=panel, number=2)
    assert second.requests == [{"specialty": SPECIALTY, "count": 1}]
    assert second.reason == "replaces a declined seat"
    first_drawn = set(PanelDraw.objects.get(panel=panel, number=1).drawn[SPECIALTY])
    assert len(second.pool_snapshot[SPECIALTY]) == 3
    assert not first_drawn & set(second.pool_snapshot[SPECIALTY])
    assert second.drawn == draw_round(
        seed=seed_unwrap(panel),
        number=2,
        requests=[(SPECIALTY, 1)],
        snapshot=second.pool_snapshot,
    )
    replacement = PanelSeat.objects.get(draw=second)
    assert (replacement.state, replacement.specialty) == (SeatState.DRAWN, SPECIALTY)
    assert str(replacement.expert_id) == second.drawn[SPECIALTY][0]
    redrawn = Event.objects.get(action="panel.redrawn", object_id=str(panel.pk))
    assert (redrawn.payload["round"], redrawn.payload["replaces"]) == (2, str(seat.pk))
    assert redrawn.payload["pool_sha256"] == second.pool_sha256
    declined = Event.objects.get(action="panel_seat.declined", object_id=str(seat.pk))
    assert declined.sequence < redrawn.sequence
    assert SealedIdentity.objects.get(event=declined).fields["reason"] == "当日出差，无法到场"


def test_a_decline_without_a_reason_is_refused_and_nothing_changes():
    tender = tender_past_deadline()
    pool(6)
    panel = request_five(tender)
    seat = seat_of(panel)
    before = Event.objects.count()

    with pytest.raises(Refusal) as caught:
        seat_decline(acting=as_expert(seat), seat_id=seat.pk, reason="  ")

    assert caught.value.field == "reason"
    seat.refresh_from_db()
    assert seat.state == SeatState.DRAWN
    assert PanelDraw.objects.filter(panel=panel).count() == 1
    event = Event.objects.get(sequence__gt=before)
    assert (event.action, event.actor, event.object_id) == ("panel.refused", None, "")
    assert SealedIdentity.objects.get(event=event).tender_id == str(tender.pk)


def test_an_expert_cannot_decide_on_another_experts_seat():
    tender = tender_past_deadline()
    pool(5)
    seat = seat_of(request_five(tender))
    stranger = ExpertFactory()

    with pytest.raises(PermissionDenied):
        seat_confirm(acting=Acting(user=stranger.user), seat_id=seat.pk)

    seat.refresh_from_db()
    assert seat.state == SeatState.DRAWN
    assert Event.objects.filter(action="panel.refused").count() == 1


def test_a_seat_is_confirmed_once():
    tender = tender_past_deadline()
    pool(5)
    seat = seat_of(request_five(tender))
    seat_confirm(acting=as_expert(seat), seat_id=seat.pk)

    with pytest.raises(TransitionRefused):
        seat_confirm(acting=as_expert(seat), seat_id=seat.pk)


def test_a_recusal_reopens_a_complete_panel_and_draws_a_replacement():
    tender = tender_past_deadline()
    pool(6)
    panel = complete_panel(tender)
    seat = seat_of(panel, state=SeatState.CONFIRMED)

    seat_recuse(acting=as_expert(seat), seat_id=seat.pk, reason="发现与投标人存在利害关系")

    panel.refresh_from_db()
    seat.refresh_from_db()
    assert (panel.state, seat.state) == (PanelState.DRAWN, SeatState.RECUSED)
    assert Event.objects.filter(action="panel.reopened", object_id=str(panel.pk)).exists()
    replacement = PanelSeat.objects.get(draw__number=2, panel=panel)
    assert replacement.state == SeatState.DRAWN
    seat_confirm(acting=as_expert(replacement), seat_id=replacement.pk)
    panel.refresh_from_db()
    assert panel.state == PanelState.COMPLETE


def test_a_decline_with_nobody_left_leaves_a_vacancy_and_alerts_supervisors():
    tender = tender_past_deadline()
    pool(5)
    panel = request_five(tender)
    seat = seat_of(panel)

    seat_decline(acting=as_expert(seat), seat_id=seat.pk, reason="身体原因")

    second = PanelDraw.objects.get(panel=panel, number=2)
    assert (second.pool_snapshot, second.drawn) == ({SPECIALTY: []}, {SPECIALTY: []})
    alert = Alert.objects.get(kind="panel_vacancy")
    assert (alert.tender_id, alert.object_id) == (str(tender.pk), str(panel.pk))
    assert panel.seats.filter(state__in=["drawn", "confirmed"]).count() == 4


def test_seats_of_a_revealed_panel_no_longer_change():
    tender = tender_past_deadline()
    pool(5)
    panel = complete_panel(tender)
    panel_reveal(panel_id=panel.pk, actor=PLATFORM)
    seat = seat_of(panel, state=SeatState.CONFIRMED)

    with pytest.raises(Refusal) as caught:
        seat_recuse(acting=as_expert(seat), seat_id=seat.pk, reason="迟到的回避")

    assert caught.value.status == 409
    seat.refresh_from_db()
    assert seat.state == SeatState.CONFIRMED


def test_a_panel_that_is_not_complete_is_not_revealed():
    tender = tender_past_deadline()
    pool(5)
    panel = request_five(tender)

    with pytest.raises(TransitionRefused):
        panel_reveal(panel_id=panel.pk, actor=PLATFORM)
    panel.refresh_from_db()
    assert (panel.state, panel.seed) == (PanelState.DRAWN, "")
