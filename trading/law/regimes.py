"""Which rules apply: the policy of each regime, and every rule of every regime."""

from collections.abc import Iterable

from trading.law.government_procurement import GOVERNMENT_PROCUREMENT_RULES
from trading.law.rules import Policy, Regime, Rule, UnknownRegime
from trading.law.works import WORKS_RULES

_POLICIES = {
    Regime.WORKS: Policy(
        regime=Regime.WORKS,
        rules=WORKS_RULES,
        rolls_forward=True,
        rolls_forward_source="民法典 第二百零三条",
    ),
    Regime.GOVERNMENT_PROCUREMENT: Policy(
        regime=Regime.GOVERNMENT_PROCUREMENT,
        rules=GOVERNMENT_PROCUREMENT_RULES,
        rolls_forward=True,
        rolls_forward_source="财政部令第87号 第八十五条",
    ),
}


def policy_for(regime: Regime | str) -> Policy:
    """The policy of a regime; ``UnknownRegime`` names a value that is not one."""
    try:
        return _POLICIES[Regime(regime)]
    except ValueError:
        known = ", ".join(Regime.values)
        raise UnknownRegime(f"unknown regime {regime!r}: expected one of {known}") from None


def rules_table(regimes: Iterable[Regime] = tuple(Regime)) -> list[tuple[Regime, Rule]]:
    """Every rule of every regime, in declaration order (for docs and an admin page)."""
    return [(regime, rule) for regime in regimes for rule in policy_for(regime)]
