"""Who may be drawn (回避), as pure data: the reference the SQL filter (panel/snapshot.py) is
tested against, and what docs/evaluation.md states. No Django here.

An expert is eligible for a specialty of a panel when it is active, holds the specialty, works
in the requested region (if any), is not employed by, has declared no conflict with, and acts
for none of the excluded organisations (the tender's bidders, the tenderee, the agent:
招标投标法实施条例 第四十六条, 评标委员会和评标方法暂行规定 第十二条), has been drawn for the same
tenderee fewer than the repeat limit within the period (a local rule of the platform), and has
no seat on this panel yet (a decline or recusal is not drawn again).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ACTIVE = "active"


def region_prefix(region: str) -> str:
    """An administrative division code names its area by its leading digits: 310000 (上海市)
    holds every 31xxxx, 310100 every 3101xx, 310101 itself."""
    prefix = region
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


@dataclass(frozen=True)
class Candidate:
    """An expert as the rules see it."""

    id: str
    state: str
    specialties: Sequence[str]
    region: str
    employer_uscc: str
    conflict_usccs: frozenset[str] = frozenset()
    # The organisations the person holds a role for (tenderee, agent, bidder memberships).
    organisation_usccs: frozenset[str] = frozenset()
    # Seats for the same tenderee within the period, other than declined ones.
    recent_seats: int = 0
    seated_on_panel: bool = False


@dataclass(frozen=True)
class Exclusions:
    organisations: frozenset[str]
    region: str = ""
    # Seats for the same tenderee within the period from which an expert is not drawn; 0: none.
    repeat_limit: int = 3


def eligible(candidate: Candidate, specialty: str, exclusions: Exclusions) -> bool:
    excluded = exclusions.organisations
    return (
        candidate.state == ACTIVE
        and specialty in candidate.specialties
        and candidate.region.startswith(region_prefix(exclusions.region))
        and candidate.employer_uscc not in excluded
        and not (candidate.conflict_usccs & excluded)
        and not (candidate.organisation_usccs & excluded)
        and (exclusions.repeat_limit <= 0 or candidate.recent_seats < exclusions.repeat_limit)
        and not candidate.seated_on_panel
    )


def snapshot_of(
    candidates: Iterable[Candidate], specialties: Sequence[str], exclusions: Exclusions
) -> dict[str, list[str]]:
    """{specialty: sorted ids of the eligible}: a round's snapshot."""
    pool = list(candidates)
    return {
        specialty: sorted(
            candidate.id for candidate in pool if eligible(candidate, specialty, exclusions)
        )
        for specialty in specialties
    }
