"""The screens across tenders as pure functions over hand-made histories (no database)."""

import datetime as dt

import pytest

from supervision.collusion import rules
from supervision.collusion.across import (
    AwardedTender,
    chance_at_least,
    losing_to_same_winner,
    repeat_winners,
)

MOMENT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def awarded(tender: str, winner: str, *, bids: int = 6, tenderee: str = "T") -> AwardedTender:
    return AwardedTender(tender, tenderee, winner, MOMENT, bids)


@pytest.mark.parametrize(
    ("probabilities", "count", "chance"),
    [
        ([0.5, 0.5], 1, 0.75),
        ([0.5, 0.5], 2, 0.25),
        ([0.2] * 5, 5, 0.2**5),
        # 6·0.2⁵·0.8 + 0.2⁶: five or six of six.
        ([0.2] * 6, 5, 0.001536 + 0.000064),
        # Unequal trials: 1 − (1 − 0.5)(1 − 0.25) for at least one.
        ([0.5, 0.25], 1, 0.625),
        ([0.3], 0, 1.0),
        ([0.3], 2, 0.0),
    ],
)
def test_the_chance_of_at_least_so_many_wins(probabilities, count, chance):
    assert chance_at_least(probabilities, count) == pytest.approx(chance)


def test_a_winner_of_six_of_a_bidders_last_ten_losses_is_found_and_a_runner_up_is_not():
    losses = [awarded(f"t{i}", "Y" if i < 6 else "Z") for i in range(10)]

    [finding] = losing_to_same_winner({"X": losses})

    assert (finding.rule, finding.subject_id, finding.winner_id) == (
        rules.LOSING_TO_SAME_WINNER,
        "X",
        "Y",
    )
    assert [tender.tender_id for tender in finding.tenders] == [f"t{i}" for i in range(6)]
    assert finding.considered == 10
    # Ten trials at 1/5 (tenders of six bids), at least six.
    assert finding.chance == pytest.approx(0.006369, abs=1e-6)


def test_five_of_ten_losses_to_one_winner_among_six_bidders_are_what_chance_gives():
    # Ten trials at 1/5, at least five: ≈ 0.033, above 0.01.
    losses = [awarded(f"t{i}", "Y" if i < 5 else f"Z{i}") for i in range(10)]

    assert losing_to_same_winner({"X": losses}) == []


def test_five_of_ten_losses_to_one_winner_among_eleven_bidders_are_not():
    losses = [awarded(f"t{i}", "Y" if i < 5 else f"Z{i}", bids=11) for i in range(10)]

    [finding] = losing_to_same_winner({"X": losses})

    # 10 trials at 1/10, at least 5: ≈ 0.0016.
    assert finding.chance == pytest.approx(0.001635, abs=1e-6)


def test_only_the_first_ten_of_a_tenderees_awards_are_counted():
    awards = [awarded(f"t{i}", "W" if i >= 6 else f"V{i}") for i in range(12)]

    assert repeat_winners({"T": awards}) == []
    [finding] = repeat_winners({"T": awards[6:] + awards[:6]})
    assert (finding.subject_id, finding.winner_id, len(finding.tenders)) == ("T", "W", 6)
