"""The screens across tenders over a seeded history of awarded tenders: a bidder that keeps
losing to the same winner, and one organisation winning most of a tenderee's tenders. Each
pattern is one sealed alert with the tenders behind it, raised once."""

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.acting import Acting
from accounts.models import Role
from monitoring.chain import locked_head
from monitoring.models import Alert, Event
from supervision.collusion import rules
from supervision.collusion.across_services import collusion_screen_across
from supervision.collusion.history import losses_by_bidder
from supervision.console.selectors import console_tenders, tender_events
from tests.factories import MembershipFactory
from tests.supervision.history_seeding import (
    FIRST_AWARD,
    PastTender,
    organisations,
    seed_awarded_history,
)
from trading.models import Tender, TenderState

SEED = 20260316
DAY = dt.timedelta(days=1)


def cover_bidding(loser, winner, *, times: int, others: int = 4, start: int = 0):
    """`times` tenders, each of its own tenderee, where `loser` bids beside `others` bidders
    seen nowhere else and `winner` wins."""
    past = []
    for number in range(times):
        [tenderee] = organisations(1, "招标人")
        past.append(
            PastTender(
                tenderee=tenderee,
                bidders=[winner, loser, *organisations(others)],
                winner=winner,
                decided_at=FIRST_AWARD + (start + number) * DAY,
            )
        )
    return past


def honest_market(rng: random.Random, *, tenders: int = 120, start: int = 0) -> list[PastTender]:
    """Ten tenderees buying from a pool of thirty bidders: six bid on each tender, any of them
    wins."""
    pool = organisations(30)
    tenderees = organisations(10, "招标人")
    past = []
    for number in range(tenders):
        bidders = rng.sample(pool, 6)
        past.append(
            PastTender(
                tenderee=tenderees[number % 10],
                bidders=bidders,
                winner=rng.choice(bidders),
                decided_at=FIRST_AWARD + (start + number) * DAY,
            )
        )
    return past


@pytest.mark.django_db
def test_a_bidder_that_lost_five_times_to_one_winner_is_named_with_the_five_tenders():
    loser, winner = organisations(2)
    past = cover_bidding(loser, winner, times=5)
    tenders = seed_awarded_history(past)

    screening = collusion_screen_across()

    [alert] = screening.alerts_raised
    assert (alert.kind, alert.severity) == (rules.LOSING_TO_SAME_WINNER, "yellow")
    assert (alert.object_type, alert.object_id, alert.tender_id) == (
        "accounts.organisation",
        str(loser.pk),
        "",
    )
    evidence = alert.evidence
    assert evidence["loser"] == {"id": str(loser.pk), "name": loser.name, "uscc": loser.uscc}
    assert evidence["winner"]["id"] == str(winner.pk)
    assert [bidder["id"] for bidder in evidence["bidders"]] == [str(loser.pk), str(winner.pk)]
    assert evidence["source"] == "招标投标法实施条例 第三十九条（二）（三）"
    # Most recent first; each with its award.
    assert [tender["tender"] for tender in evidence["tenders"]] == [
        str(tender.pk) for tender in reversed(tenders)
    ]
    assert evidence["tenders"][0] == {
        "tender": str(tenders[-1].pk),
        "title": tenders[-1].title,
        "project_code": tenders[-1].project.code,
        "decided_at": (FIRST_AWARD + 4 * DAY).isoformat(),
        "winner": str(winner.pk),
        "award_price_fen": 10_000_000_00,
        "bids": 6,
    }
    assert (evidence["wins"], evidence["losses_read"]) == (5, 5)
    # Each tender's winner any of the five others: (1/5)⁵.
    assert evidence["chance"] == pytest.approx(0.2**5, abs=1e-6)
    assert str(loser.name) in alert.message and str(winner.name) in alert.message
    # The bidders seen once lost once each: nothing else is found.
    assert [(finding.rule, finding.subject_id) for finding in screening.findings] == [
        (rules.LOSING_TO_SAME_WINNER, str(loser.pk))
    ]


@pytest.mark.django_db
def test_an_alert_across_tenders_is_sealed_the_log_shows_only_its_kind():
    loser, winner = organisations(2)
    seed_awarded_history(cover_bidding(loser, winner, times=5))

    [alert] = collusion_screen_across().alerts_raised

    event = Event.objects.get(action="alert.raised", object_id=str(alert.pk))
    assert set(event.payload) == {"kind", "severity", "sealed_identity_sha256"}
    assert (event.actor, event.actor_label) == (None, "sealed")
    assert loser.uscc not in str(event.payload)
    assert event.sealed_identity.fields["evidence"] == alert.evidence


@pytest.mark.django_db
def test_four_losses_to_one_winner_are_not_a_pattern():
    loser, winner = organisations(2)
    seed_awarded_history(cover_bidding(loser, winner, times=4))

    screening = collusion_screen_across()

    assert screening.findings == []
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_losing_to_one_winner_among_three_bidders_is_what_chance_gives():
    # Five losses to the same winner, each time one of three bidders: (1/2)⁵ ≈ 3 %.
    loser, winner = organisations(2)
    seed_awarded_history(cover_bidding(loser, winner, times=5, others=1))

    assert collusion_screen_across().findings == []


@pytest.mark.django_db
def test_only_a_bidders_last_ten_losses_count():
    # Five losses to one winner, then six to others: four of the last ten remain.
    loser, winner = organisations(2)
    past = cover_bidding(loser, winner, times=5)
    for number in range(6):
        other = organisations(1)[0]
        past += cover_bidding(loser, other, times=1, start=5 + number)
    tenders = seed_awarded_history(past)

    assert collusion_screen_across().findings == []
    # The database reads the window, not the whole history.
    window = losses_by_bidder(window=10)[str(loser.pk)]
    assert [tender.tender_id for tender in window] == [str(t.pk) for t in tenders[:0:-1]]


@pytest.mark.django_db
def test_a_tenderee_whose_last_six_awards_went_five_times_to_one_winner_is_named():
    [tenderee] = organisations(1, "招标人")
    favourite, other = organisations(2)
    past = [
        PastTender(
            tenderee=tenderee,
            bidders=[favourite if number != 2 else other, *organisations(4)],
            winner=favourite if number != 2 else other,
            decided_at=FIRST_AWARD + number * DAY,
        )
        for number in range(6)
    ]
    tenders = seed_awarded_history(past)

    screening = collusion_screen_across()

    [alert] = screening.alerts_raised
    assert (alert.kind, alert.object_type, alert.object_id) == (
        rules.REPEAT_WINNER,
        "accounts.organisation",
        str(tenderee.pk),
    )
    evidence = alert.evidence
    assert evidence["tenderee"]["uscc"] == tenderee.uscc
    assert evidence["winner"]["uscc"] == favourite.uscc
    assert [bidder["id"] for bidder in evidence["bidders"]] == [str(favourite.pk)]
    assert [tender["tender"] for tender in evidence["tenders"]] == [
        str(tenders[number].pk) for number in (5, 4, 3, 1, 0)
    ]
    assert (evidence["wins"], evidence["awards_read"], evidence["share"]) == (5, 6, 0.8333)
    # Each tender's winner any of its five bidders: P(5 or 6 of 6) = 6·0.2⁵·0.8 + 0.2⁶.
    assert evidence["chance"] == pytest.approx(6 * 0.2**5 * 0.8 + 0.2**6, abs=1e-6)
    assert evidence["source"] == "招标投标法实施条例 第四十一条（五）（六）"


@pytest.mark.django_db
def test_four_of_a_tenderees_four_awards_are_a_share_and_three_of_four_are_not():
    [tenderee, other_tenderee] = organisations(2, "招标人")
    favourite, rival = organisations(2)
    past = [
        PastTender(
            tenderee=tenderee,
            bidders=[favourite, *organisations(4)],
            winner=favourite,
            decided_at=FIRST_AWARD + number * DAY,
        )
        for number in range(4)
    ] + [
        PastTender(
            tenderee=other_tenderee,
            bidders=[rival if number else favourite, *organisations(4)],
            winner=rival if number else favourite,
            decided_at=FIRST_AWARD + number * DAY,
        )
        for number in range(4)
    ]
    seed_awarded_history(past)

    screening = collusion_screen_across()

    assert [
        (finding.rule, finding.subject_id, finding.winner_id) for finding in screening.findings
    ] == [(rules.REPEAT_WINNER, str(tenderee.pk), str(favourite.pk))]


@pytest.mark.django_db
def test_a_cancelled_tender_is_not_read_and_a_contracted_one_is():
    # An award row of a cancelled tender (not a state with an award) is left out.
    loser, winner = organisations(2)
    past = cover_bidding(loser, winner, times=5)
    past[0].state = TenderState.CANCELLED
    seed_awarded_history(past)

    assert collusion_screen_across().findings == []

    past = cover_bidding(loser, winner, times=1, start=10)
    past[0].state = TenderState.CONTRACTED
    seed_awarded_history(past)

    assert len(collusion_screen_across().alerts_raised) == 1


@pytest.mark.django_db
def test_an_honest_history_raises_nothing():
    seed_awarded_history(honest_market(random.Random(SEED)))

    screening = collusion_screen_across()

    assert screening.findings == []
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_a_pattern_is_raised_once_and_again_only_for_a_new_series():
    loser, winner = organisations(2)
    seed_awarded_history(cover_bidding(loser, winner, times=5))
    collusion_screen_across()

    again = collusion_screen_across()
    seed_awarded_history(cover_bidding(loser, winner, times=4, start=5))
    one_short = collusion_screen_across()
    seed_awarded_history(cover_bidding(loser, winner, times=1, start=9))
    new_series = collusion_screen_across()

    assert (len(again.findings), again.alerts_raised) == (1, [])
    assert one_short.alerts_raised == []
    [alert] = new_series.alerts_raised
    assert (alert.evidence["wins"], alert.evidence["losses_read"]) == (10, 10)
    assert Alert.objects.filter(kind=rules.LOSING_TO_SAME_WINNER).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("honest_tenders", [20, 200])
def test_the_screens_across_tenders_read_with_a_fixed_number_of_queries(
    honest_tenders, django_assert_num_queries
):
    rng = random.Random(SEED)
    loser, winner = organisations(2)
    seed_awarded_history(
        honest_market(rng, tenders=honest_tenders)
        + cover_bidding(loser, winner, times=5, start=honest_tenders)
    )

    with transaction.atomic():
        locked_head()  # the event log's head, as on a platform that has logged anything

    # Losses, awards, the organisations named; a savepoint, the lock, the alerts raised
    # before; the alert and its sealed event (8); the savepoint's release.
    with django_assert_num_queries(14):
        screening = collusion_screen_across()

    assert len(screening.alerts_raised) == 1


@pytest.mark.django_db
def test_a_supervisor_may_run_the_screens_across_tenders_and_nobody_else():
    loser, winner = organisations(2)
    seed_awarded_history(cover_bidding(loser, winner, times=5))
    bidder = MembershipFactory(role=Role.BIDDER, organisation=loser).user
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user

    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        collusion_screen_across(acting=Acting(user=bidder))
    assert not Alert.objects.exists()

    [alert] = collusion_screen_across(acting=Acting(user=supervisor)).alerts_raised
    event = Event.objects.get(action="alert.raised", object_id=str(alert.pk))
    assert event.sealed_identity.actor == supervisor


@pytest.mark.django_db
def test_the_console_shows_an_alert_across_tenders_on_each_tender_it_cites():
    loser, winner = organisations(2)
    cited = seed_awarded_history(cover_bidding(loser, winner, times=5))
    [elsewhere] = seed_awarded_history(cover_bidding(*organisations(2), times=1, start=10))
    # The console lists published tenders; the seeded history has only their awards.
    Tender.objects.update(published_at=FIRST_AWARD - 40 * DAY)

    [alert] = collusion_screen_across().alerts_raised

    rows = {row.tender.pk: row for row in console_tenders().rows}
    assert all(rows[tender.pk].alerts == [alert] for tender in cited)
    assert rows[elsewhere.pk].alerts == []
    raised = Event.objects.get(action="alert.raised", object_id=str(alert.pk))
    assert raised in tender_events(cited[0])
    assert raised not in tender_events(elsewhere)
