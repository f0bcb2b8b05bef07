"""What a screen reports: a `Finding` naming the bidders and the evidence, and the grouping of
bids that share a value into the bidders it links."""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from supervision.collusion.rules import RULES


@dataclass(frozen=True)
class Finding:
    """One sign of collusion: the rule (its code, source and severity), the bidders it names
    (sorted ids, at least two) and the evidence (values, which fields matched, which bids)."""

    rule: str
    bidders: tuple[str, ...]
    evidence: Mapping[str, Any]
    severity: str = ""
    source: str = field(init=False)

    def __post_init__(self) -> None:
        rule = RULES[self.rule]
        object.__setattr__(self, "source", rule.source)
        if not self.severity:
            object.__setattr__(self, "severity", rule.severity)

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        """What makes a finding the same on the next run: its rule and its bidders."""
        return self.rule, self.bidders


def shared_values(
    owners: Iterable[tuple[str, Iterable[Hashable]]],
) -> list[tuple[Hashable, tuple[str, ...]]]:
    """The values held by two or more distinct owners (bidders), with those owners sorted.

    One pass over (owner, values) pairs with a dictionary: O(total number of values).
    """
    holders: dict[Hashable, set[str]] = defaultdict(set)
    for owner, values in owners:
        for value in values:
            holders[value].add(owner)
    return [(value, tuple(sorted(who))) for value, who in holders.items() if len(who) > 1]


def linked_groups(
    matches: Iterable[tuple[Any, tuple[str, ...]]],
) -> list[tuple[tuple[str, ...], list[Any]]]:
    """Join matches that share a bidder (union-find): bidders A–B by one value and B–C by
    another make one group A, B, C with both matches as its evidence."""
    parent: dict[str, str] = {}

    def root(bidder: str) -> str:
        parent.setdefault(bidder, bidder)
        while parent[bidder] != bidder:
            parent[bidder] = parent[parent[bidder]]
            bidder = parent[bidder]
        return bidder

    matches = list(matches)
    for _match, bidders in matches:
        first = root(bidders[0])
        for other in bidders[1:]:
            parent[root(other)] = first
    groups: dict[str, tuple[set[str], list[Any]]] = {}
    for match, bidders in matches:
        members, evidence = groups.setdefault(root(bidders[0]), (set(), []))
        members.update(bidders)
        evidence.append(match)
    return sorted(
        ((tuple(sorted(members)), evidence) for members, evidence in groups.values()),
        key=lambda group: group[0],
    )
