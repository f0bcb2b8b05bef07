"""The screens across tenders, over the history of awarded tenders (pure: no database).

- A bidder that keeps losing to the same winner (cover bidding, 陪标; 条例 第三十九条（二）（三）):
  among a bidder's last LOSING_WINDOW losses, one winner won at least
  LOSING_TO_SAME_WINNER_MINIMUM.
- One organisation winning most of a tenderee's tenders (favouritism; 条例 第四十一条（五）（六）):
  among the tenderee's last TENDEREE_WINDOW awarded tenders, one winner won at least
  REPEAT_WINS_MINIMUM, or a share of at least REPEAT_SHARE_MINIMUM of a shorter history.

Each only when chance would rarely give it (thresholds.ACROSS_CHANCE_MAXIMUM): in tenders of two
or three bidders a bidder loses to the same few by construction. The windows are read by the
database (history.py), most recent first; here they are counted.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from supervision.collusion import thresholds
from supervision.collusion.rules import LOSING_TO_SAME_WINNER, REPEAT_WINNER, RULES


@dataclass(frozen=True)
class AwardedTender:
    """One awarded tender as the screens across tenders see it."""

    tender_id: str
    tenderee_id: str
    winner_id: str
    decided_at: datetime
    # Bids in the tender at its deadline (the bids a collusion screen reads).
    bids: int
    title: str = ""
    project_code: str = ""
    price_fen: int = 0


@dataclass(frozen=True)
class AcrossFinding:
    """A pattern across tenders: its rule, whom it concerns (the bidder that keeps losing, or
    the tenderee), the winner, the tenders behind it (the winner's wins among those read, most
    recent first), how many tenders were read and the chance of as many wins."""

    rule: str
    subject_id: str
    winner_id: str
    tenders: tuple[AwardedTender, ...]
    considered: int
    chance: float

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    @property
    def source(self) -> str:
        return RULES[self.rule].source

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two findings the same pattern: rule, subject, winner."""
        return self.rule, self.subject_id, self.winner_id


def chance_at_least(probabilities: Sequence[float], count: int) -> float:
    """P(at least `count` successes) of independent trials with these probabilities (the
    Poisson binomial distribution), by the exact recurrence over the trials: O(n²), n ≤ 10."""
    if count <= 0:
        return 1.0
    # distribution[k]: the probability of exactly k successes in the trials seen so far.
    distribution = [1.0]
    for probability in probabilities:
        probability = min(max(probability, 0.0), 1.0)
        following = [0.0] * (len(distribution) + 1)
        for successes, mass in enumerate(distribution):
            following[successes] += mass * (1 - probability)
            following[successes + 1] += mass * probability
        distribution = following
    return min(1.0, sum(distribution[count:]))


def _most_wins(tenders: Sequence[AwardedTender]) -> list[tuple[str, int]]:
    """Each winner with its wins, most first (ties by id, for a stable order)."""
    counts = Counter(tender.winner_id for tender in tenders)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def losing_to_same_winner(losses: Mapping[str, Sequence[AwardedTender]]) -> list[AcrossFinding]:
    """`losses` maps a bidder to its last losses (most recent first, at most LOSING_WINDOW):
    a finding per (bidder, winner) where the winner won at least the minimum of them, and
    chance, each tender's winner any of the other bidders (1/(bids − 1)), rarely would."""
    findings = []
    for loser, tenders in losses.items():
        window = list(tenders)[: thresholds.LOSING_WINDOW]
        trials = [1 / max(tender.bids - 1, 1) for tender in window]
        for winner, wins in _most_wins(window):
            if wins < thresholds.LOSING_TO_SAME_WINNER_MINIMUM:
                break
            chance = chance_at_least(trials, wins)
            if chance <= thresholds.ACROSS_CHANCE_MAXIMUM:
                findings.append(
                    AcrossFinding(
                        LOSING_TO_SAME_WINNER,
                        loser,
                        winner,
                        tuple(tender for tender in window if tender.winner_id == winner),
                        len(window),
                        chance,
                    )
                )
    return sorted(findings, key=lambda finding: finding.key)


def _repeats(wins: int, awards: int) -> bool:
    if wins >= thresholds.REPEAT_WINS_MINIMUM:
        return True
    return (
        awards >= thresholds.REPEAT_SHARE_AWARDS_MINIMUM
        and wins / awards >= thresholds.REPEAT_SHARE_MINIMUM
    )


def repeat_winners(awards: Mapping[str, Sequence[AwardedTender]]) -> list[AcrossFinding]:
    """`awards` maps a tenderee to its last awarded tenders (most recent first, at most
    TENDEREE_WINDOW): a finding per (tenderee, winner) where the winner won at least the
    minimum, or the share, of them, and chance, each tender's winner any of its bidders
    (1/bids), rarely would."""
    findings = []
    for tenderee, tenders in awards.items():
        window = list(tenders)[: thresholds.TENDEREE_WINDOW]
        trials = [1 / max(tender.bids, 1) for tender in window]
        for winner, wins in _most_wins(window):
            if not _repeats(wins, len(window)):
                break
            chance = chance_at_least(trials, wins)
            if chance <= thresholds.ACROSS_CHANCE_MAXIMUM:
                findings.append(
                    AcrossFinding(
                        REPEAT_WINNER,
                        tenderee,
                        winner,
                        tuple(tender for tender in window if tender.winner_id == winner),
                        len(window),
                        chance,
                    )
                )
    return sorted(findings, key=lambda finding: finding.key)
