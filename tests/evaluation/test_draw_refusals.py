"""A draw request that breaks the composition rules, or comes too early, or from the wrong
person, is refused with a message naming the field, an event, and nothing changed."""

import pytest
from django.http import Http404

from accounts.models import Role
from config.errors import Refusal
from evaluation.models import Panel, PanelSeat
from evaluation.panel.request import panel_request
from monitoring.models import Event, SealedIdentity
from tests.evaluation.draw_setup import SPECIALTY, pool, tender_past_deadline, tenderee_person
from tests.factories import MembershipFactory
from trading.services import Acting

pytestmark = pytest.mark.django_db


def request(tender, *, acting=None, size=5, counts=None, representatives=(), region=""):
    counts = counts if counts is not None else [size - len(representatives)]
    specialties = [
        {"specialty": f"{SPECIALTY[:-1]}{index}", "count": count}
        for index, count in enumerate(counts, start=1)
    ]
    return panel_request(
        acting=acting or tender.acting,
        tender_id=tender.pk,
        specialties=specialties,
        region=region,
        size=size,
        representative_ids=[person.pk for person in representatives],
    )


def refused(tender, **arguments) -> Refusal:
    before = Event.objects.count()
    with pytest.raises(Refusal) as caught:
        request(tender, **arguments)
    assert not Panel.objects.filter(tender=tender).exists()
    assert not PanelSeat.objects.filter(panel__tender=tender).exists()
    events = list(Event.objects.filter(sequence__gt=before).order_by("sequence"))
    assert [event.action for event in events] == ["panel.refused"]
    assert events[0].object_id == str(tender.pk)
    assert events[0].payload["message"] == caught.value.message
    assert events[0].payload["field"] == caught.value.field
    return caught.value


@pytest.fixture
def tender():
    tender = tender_past_deadline()
    for index in range(1, 4):
        pool(8, specialty=f"{SPECIALTY[:-1]}{index}")
    return tender


def test_an_even_panel_is_refused(tender):
    refusal = refused(tender, size=6)
    assert refusal.field == "size"
    assert refusal.message == (
        "members: the panel must have an odd number of members (招标投标法 第三十七条); it has 6"
    )


def test_a_panel_of_three_is_refused(tender):
    refusal = refused(tender, size=3)
    assert refusal.field == "size"
    assert refusal.message.startswith("members: the panel needs at least 5 members")


def test_more_than_a_third_of_representatives_is_refused(tender):
    people = [tenderee_person(tender) for _ in range(2)]
    refusal = refused(tender, size=5, representatives=people)
    assert refusal.field == "representatives"
    assert "at least 2/3 of the panel must be experts" in refusal.message
    assert "it is 3 of 5" in refusal.message


def test_a_third_of_representatives_is_allowed(tender):
    people = [tenderee_person(tender) for _ in range(3)]
    panel = request(tender, size=9, representatives=people)
    assert panel.seats.filter(kind="representative").count() == 3


def test_government_procurement_from_ten_million_yuan_needs_seven(tender):
    large = tender_past_deadline(regime="government_procurement", estimated_price_fen=10_000_000_00)
    refusal = refused(large, size=5)
    assert refusal.field == "size"
    assert "at least 7 members for a budget of 10,000,000 yuan or more" in refusal.message
    assert request(large, size=7, counts=[4, 3]).size == 7


def test_government_procurement_below_ten_million_yuan_may_have_five(tender):
    small = tender_past_deadline(regime="government_procurement", estimated_price_fen=9_999_999_99)
    assert request(small, size=5).size == 5


def test_counts_that_do_not_fill_the_experts_seats_are_refused(tender):
    refusal = refused(tender, size=5, counts=[2, 2])
    assert refusal.field == "specialties"
    assert refusal.message == (
        "The specialties' counts add up to 4; a panel of 5 with 0 representatives needs 5 experts."
    )


def test_a_malformed_specialty_code_is_refused(tender):
    with pytest.raises(Refusal) as caught:
        panel_request(
            acting=tender.acting,
            tender_id=tender.pk,
            specialties=[{"specialty": "a01", "count": 5}],
            size=5,
        )
    assert caught.value.field == "specialties"
    assert "a01 is not a specialty code" in caught.value.message


def test_a_representative_who_does_not_act_for_the_tenderee_is_refused(tender):
    stranger = MembershipFactory(role=Role.BIDDER, organisation=tender.bidders[0]).user
    refusal = refused(tender, size=5, representatives=[stranger])
    assert refusal.field == "representatives"
    assert str(stranger.pk) in refusal.message


def test_a_pool_too_small_to_fill_the_panel_is_refused_before_the_seed_is_committed(tender):
    refusal = refused(tender, size=9, counts=[9])
    assert (refusal.code, refusal.status, refusal.field) == ("pool_too_small", 409, "specialties")
    assert refusal.message == (
        f"The pool has 8 eligible experts of {SPECIALTY}; the panel needs 9."
    )
    assert not Event.objects.filter(action="panel.seed_committed").exists()


def test_a_region_without_enough_experts_is_refused(tender):
    refusal = refused(tender, region="310000")
    assert refusal.code == "pool_too_small"
    assert "in region 310000" in refusal.message


def test_a_request_before_the_deadline_is_refused_and_its_event_sealed():
    tender = tender_past_deadline(state="published", deadline_in_days=2)
    pool(5)
    before = Event.objects.count()

    with pytest.raises(Refusal) as caught:
        request(tender)

    assert caught.value.field == "tender"
    assert "once the bid deadline has passed" in caught.value.message
    assert not Panel.objects.exists()
    event = Event.objects.get(sequence__gt=before)
    # Before the deadline the log must not tie a person to the tender (办法 第21条).
    assert (event.action, event.object_id, event.actor_id) == ("panel.refused", "", None)
    assert SealedIdentity.objects.get(event=event).tender_id == str(tender.pk)


def test_a_bidder_cannot_request_a_panel(tender):
    bidder = Acting(user=MembershipFactory(role=Role.BIDDER, organisation=tender.bidders[0]).user)
    before = Event.objects.count()

    with pytest.raises(Http404):  # another organisation's tender: told it does not exist
        request(tender, acting=bidder)

    assert not Panel.objects.exists()
    event = Event.objects.get(sequence__gt=before)
    assert (event.action, event.actor, event.payload["code"]) == (
        "panel.refused",
        bidder.user,
        "not_found",
    )


def test_a_second_panel_for_a_tender_is_refused(tender):
    request(tender)
    with pytest.raises(Refusal) as caught:
        request(tender)
    assert (caught.value.status, caught.value.field) == (409, "tender")
    assert Panel.objects.filter(tender=tender).count() == 1
