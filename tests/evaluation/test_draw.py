"""The draw: a committed seed, then a panel anyone can replay (docs/evaluation.md)."""

import pytest
from django.db import connection
from django.test import override_settings

from evaluation.models import Panel, PanelDraw, PanelSeat, PanelState, SeatKind, SeatState
from evaluation.panel.algorithm import draw_round, seed_sha256, snapshot_sha256
from evaluation.panel.request import panel_request
from evaluation.panel.seed import seed_unwrap
from monitoring.models import Event
from tests.evaluation.draw_setup import (
    SPECIALTY,
    complete_panel,
    pool,
    request_five,
    tender_past_deadline,
    tenderee_person,
)
from tests.evaluation.factories import ExpertConflictFactory, ExpertFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_draw_replayed_from_its_seed_gives_the_same_panel_and_the_seed_was_logged_first():
    tender = tender_past_deadline()
    pool(12)

    panel = request_five(tender)

    assert panel.state == PanelState.DRAWN
    seed = seed_unwrap(panel)
    assert seed_sha256(seed) == panel.seed_sha256
    draw = PanelDraw.objects.get(panel=panel)
    replayed = draw_round(
        seed=seed, number=1, requests=[(SPECIALTY, 5)], snapshot=draw.pool_snapshot
    )
    assert replayed == draw.drawn
    assert len(draw.drawn[SPECIALTY]) == 5
    assert draw.pool_sha256 == snapshot_sha256(draw.pool_snapshot)
    assert draw.requests == [{"specialty": SPECIALTY, "count": 5}]
    seated = PanelSeat.objects.filter(panel=panel, kind=SeatKind.EXPERT)
    assert sorted(str(seat.expert_id) for seat in seated) == sorted(draw.drawn[SPECIALTY])
    assert {seat.state for seat in seated} == {SeatState.DRAWN}
    committed = Event.objects.get(action="panel.seed_committed", object_id=str(panel.pk))
    drawn = Event.objects.get(action="panel.drawn", object_id=str(panel.pk))
    assert committed.payload["seed_sha256"] == panel.seed_sha256
    assert committed.sequence < drawn.sequence
    assert drawn.payload["pool_sha256"] == draw.pool_sha256
    assert drawn.payload["round"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_seeds_commitment_is_its_own_transaction_committed_before_the_draws():
    tender = tender_past_deadline()
    pool(8)

    panel = request_five(tender)

    committed = Event.objects.get(action="panel.seed_committed", object_id=str(panel.pk))
    drawn = Event.objects.get(action="panel.drawn", object_id=str(panel.pk))
    with connection.cursor() as cursor:
        # xmin: the transaction that wrote the row. Two, the commitment's first.
        cursor.execute(
            "SELECT id, xmin::text::bigint FROM monitoring_event WHERE id IN (%s, %s)",
            [committed.pk, drawn.pk],
        )
        transactions = dict(cursor.fetchall())
    assert transactions[committed.pk] < transactions[drawn.pk]


def test_a_request_inside_a_callers_transaction_is_refused_so_the_seed_commits_first():
    from django.db import transaction

    tender = tender_past_deadline()
    pool(5)

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        request_five(tender)

    assert not Panel.objects.filter(tender=tender).exists()


def test_the_seed_is_stored_only_wrapped_until_the_reveal():
    tender = tender_past_deadline()
    pool(5)

    panel = request_five(tender)

    seed = seed_unwrap(panel)
    assert panel.seed == ""
    assert seed not in bytes(panel.seed_wrapped)
    assert seed.hex() not in str(Event.objects.filter(object_id=str(panel.pk)).values("payload"))


def test_the_agent_requests_a_panel_too():
    tender = tender_past_deadline()
    pool(5)

    panel = request_five(tender, acting=tender.agent_acting)

    committed = Event.objects.get(action="panel.seed_committed", object_id=str(panel.pk))
    assert committed.role == "agent"
    assert panel.requested_by == tender.agent_acting.user


def test_no_employee_of_a_bidder_the_tenderee_or_the_agent_is_drawn():
    tender = tender_past_deadline()
    project = tender.project
    excluded = [
        ExpertFactory(employer_uscc=tender.bidders[0].uscc),
        ExpertFactory(employer_uscc=project.tenderee.uscc),
        ExpertFactory(employer_uscc=project.agent.uscc),
        ExpertConflictFactory(uscc=tender.bidders[1].uscc).expert,
        ExpertConflictFactory(kind="person", person_name="张三", uscc=project.agent.uscc).expert,
        ExpertFactory(state="suspended"),
        ExpertFactory(state="blacklisted"),
        ExpertFactory(region="310101"),
        ExpertFactory(specialties=["B020202"]),
    ]
    # A person acting for a bidder is excluded whatever employer it declares.
    acting_for_bidder = ExpertFactory()
    MembershipFactory(user=acting_for_bidder.user, organisation=tender.bidders[2])
    excluded.append(acting_for_bidder)
    eligible = pool(5)

    panel = request_five(tender, region="110000")

    draw = PanelDraw.objects.get(panel=panel)
    assert draw.pool_snapshot == {SPECIALTY: sorted(str(expert.pk) for expert in eligible)}
    assert not {str(expert.pk) for expert in excluded} & set(draw.drawn[SPECIALTY])


def test_a_withdrawn_or_superseded_bidders_employee_may_be_drawn():
    tender = tender_past_deadline(bidders=3)
    from bids.models import Bid

    Bid.objects.filter(tender=tender, bidder=tender.bidders[0]).update(state="withdrawn")
    former = ExpertFactory(employer_uscc=tender.bidders[0].uscc)
    pool(4)

    panel = request_five(tender)

    assert str(former.pk) in PanelDraw.objects.get(panel=panel).pool_snapshot[SPECIALTY]


@override_settings(EVALUATION_DRAW_REPEAT_LIMIT=2, EVALUATION_DRAW_REPEAT_DAYS=90)
def test_an_expert_drawn_twice_for_the_same_tenderee_is_not_drawn_a_third_time():
    first = tender_past_deadline()
    experts = pool(5)
    for _ in range(2):
        request_five(tender_past_deadline(tenderee=first.project.tenderee))
    pool(5)  # fresh experts, so that a third panel can be drawn

    panel = request_five(first)

    snapshot = PanelDraw.objects.get(panel=panel).pool_snapshot[SPECIALTY]
    assert not {str(expert.pk) for expert in experts} & set(snapshot)
    assert len(snapshot) == 5


@override_settings(EVALUATION_DRAW_REPEAT_LIMIT=1, EVALUATION_DRAW_REPEAT_DAYS=90)
def test_a_declined_seat_does_not_count_towards_the_repeat_limit_nor_another_tenderee():
    from evaluation.panel.seats import seat_decline
    from trading.services import Acting

    earlier = tender_past_deadline()
    experts = pool(6)
    earlier_panel = request_five(earlier)
    seat = PanelSeat.objects.filter(panel=earlier_panel, kind=SeatKind.EXPERT).first()
    seat_decline(acting=Acting(user=seat.user), seat_id=seat.pk, reason="出差")
    later = tender_past_deadline(tenderee=earlier.project.tenderee)
    other_tenderee = tender_past_deadline()

    snapshot_other = PanelDraw.objects.get(panel=request_five(other_tenderee)).pool_snapshot
    pool(4)
    snapshot_later = PanelDraw.objects.get(panel=request_five(later)).pool_snapshot

    assert set(snapshot_other[SPECIALTY]) == {str(expert.pk) for expert in experts}
    assert str(seat.expert_id) in snapshot_later[SPECIALTY]


def test_representatives_sit_confirmed_and_the_experts_fill_the_rest():
    tender = tender_past_deadline()
    representative = tenderee_person(tender)
    pool(6)

    panel = panel_request(
        acting=tender.acting,
        tender_id=tender.pk,
        specialties=[{"specialty": SPECIALTY, "count": 4}],
        size=5,
        representative_ids=[representative.pk],
    )

    seats = PanelSeat.objects.filter(panel=panel)
    assert seats.filter(kind=SeatKind.EXPERT, state=SeatState.DRAWN).count() == 4
    seated = seats.get(kind=SeatKind.REPRESENTATIVE)
    assert (seated.user, seated.state, seated.expert) == (representative, "confirmed", None)


def test_two_specialties_are_drawn_in_request_order_and_an_expert_holding_both_once():
    tender = tender_past_deadline()
    both = [ExpertFactory(specialties=[SPECIALTY, "A030101"]) for _ in range(3)]
    pool(2)
    pool(2, specialty="A030101")

    panel = panel_request(
        acting=tender.acting,
        tender_id=tender.pk,
        specialties=[{"specialty": "A030101", "count": 2}, {"specialty": SPECIALTY, "count": 3}],
        size=5,
    )

    draw = PanelDraw.objects.get(panel=panel)
    assert draw.requests == [
        {"specialty": "A030101", "count": 2},
        {"specialty": SPECIALTY, "count": 3},
    ]
    ids = draw.drawn["A030101"] + draw.drawn[SPECIALTY]
    assert len(ids) == len(set(ids)) == 5
    assert {str(expert.pk) for expert in both} <= set(draw.pool_snapshot["A030101"])


def test_a_complete_panel_is_revealed_with_its_seed_in_clear():
    from evaluation.panel.reveal import panel_reveal
    from monitoring.services import PLATFORM

    tender = tender_past_deadline()
    pool(5)
    panel = complete_panel(tender)
    seed = seed_unwrap(panel)

    revealed = panel_reveal(panel_id=panel.pk, actor=PLATFORM)

    assert revealed.state == PanelState.REVEALED
    assert revealed.seed == seed.hex()
    event = Event.objects.get(action="panel.revealed", object_id=str(panel.pk))
    assert (event.from_state, event.to_state) == ("complete", "revealed")
    assert event.payload["seed"] == seed.hex()
    assert Panel.objects.get(pk=panel.pk).revealed_at is not None


def test_a_first_draw_that_cannot_fill_the_panel_abandons_its_commitment_on_record():
    from config.errors import Refusal

    # Two experts hold both specialties, three only the first: the second specialty is filled
    # only if the first draws none of the two, which most seeds do not.
    for attempt in range(20):
        tender = tender_past_deadline()
        ExpertFactory.create_batch(2, specialties=["Y0" + str(attempt), "Z0" + str(attempt)])
        ExpertFactory.create_batch(3, specialties=["Y0" + str(attempt)])
        try:
            panel_request(
                acting=tender.acting,
                tender_id=tender.pk,
                specialties=[
                    {"specialty": "Y0" + str(attempt), "count": 3},
                    {"specialty": "Z0" + str(attempt), "count": 2},
                ],
                size=5,
            )
        except Refusal as error:
            refusal = error
            break
    else:
        pytest.fail("twenty seeds in a row filled the panel")

    assert (refusal.code, refusal.field) == ("pool_too_small", "specialties")
    assert not Panel.objects.filter(tender=tender).exists()
    assert not PanelDraw.objects.filter(panel__tender=tender).exists()
    actions = list(
        Event.objects.filter(action__startswith="panel.")
        .order_by("-sequence")
        .values_list("action", flat=True)[:3]
    )
    assert actions == ["panel.refused", "panel.abandoned", "panel.seed_committed"]
    abandoned = Event.objects.filter(action="panel.abandoned").latest("sequence")
    committed = Event.objects.filter(action="panel.seed_committed").latest("sequence")
    assert abandoned.payload["seed_sha256"] == committed.payload["seed_sha256"]
    assert abandoned.object_id == committed.object_id
