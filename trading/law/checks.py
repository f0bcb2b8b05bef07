"""Checks of numbers against the law: bids, candidates, the evaluation panel, bid security, the
price score's scheme. Each returns every `Violation` it finds."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext

from trading.law.regimes import policy_for
from trading.law.rules import (
    BID_SECURITY_MAXIMUM,
    CANDIDATES_MAXIMUM,
    FEN_PER_YUAN,
    INVALID_VALUE,
    LARGE_BUDGET,
    MINIMUM_BIDS,
    PANEL_EXPERT_SHARE,
    PANEL_MINIMUM,
    PANEL_MINIMUM_LARGE,
    PRICE_DROPS,
    PRICE_LOWEST_BENCHMARK,
    PRICE_WEIGHT_GOODS,
    PRICE_WEIGHT_SERVICES,
    Regime,
    Violation,
    platform_violation,
)


def required_bids(regime: Regime | str, *, tender_minimum: int = 0) -> int:
    """The number of valid bids a tender needs: the law's minimum, or the tender's own when it
    asks for more (never fewer)."""
    return max(int(policy_for(regime).number(MINIMUM_BIDS)), tender_minimum)


def check_bid_count(
    regime: Regime | str, *, valid_bids: int, tender_minimum: int = 0
) -> list[Violation]:
    """Fewer than the minimum number of bids: no opening (works) or a failed tender (政府采购).
    ``tender_minimum``: the tender's own minimum, applied where it is above the law's."""
    rule = policy_for(regime).rule(MINIMUM_BIDS)
    needed = required_bids(regime, tender_minimum=tender_minimum)
    if valid_bids >= needed:
        return []
    return [
        Violation(
            "bids",
            rule.code,
            gettext("bids: at least %(number)s are needed (%(source)s); there are %(actual)s")
            % {"number": needed, "source": rule.source, "actual": valid_bids},
            rule.source,
        )
    ]


def check_candidates(regime: Regime | str, *, candidates: int) -> list[Violation]:
    """Too many winning candidates (works only; 政府采购 sets no maximum here)."""
    policy = policy_for(regime)
    if not policy.has(CANDIDATES_MAXIMUM):
        return []
    rule = policy.rule(CANDIDATES_MAXIMUM)
    if candidates <= rule.number:
        return []
    return [
        Violation(
            "candidates",
            rule.code,
            gettext("candidates: at most %(number)s (%(source)s); there are %(actual)s")
            % {"number": rule.number, "source": rule.source, "actual": candidates},
            rule.source,
        )
    ]


def check_panel(
    regime: Regime | str,
    *,
    members: int,
    experts: int,
    budget_fen: int,
    complex_or_high_impact: bool = False,
) -> list[Violation]:
    """The size and make-up of an evaluation panel. In government procurement a budget of 10
    million yuan or more (or a complex or high-impact project) needs 7 members."""
    policy = policy_for(regime)
    violations: list[Violation] = []
    minimum = policy.rule(PANEL_MINIMUM)
    needed = int(minimum.number)
    size_rule = minimum
    if policy.has(PANEL_MINIMUM_LARGE):
        threshold_fen = int(policy.number(LARGE_BUDGET)) * FEN_PER_YUAN
        if budget_fen >= threshold_fen or complex_or_high_impact:
            size_rule = policy.rule(PANEL_MINIMUM_LARGE)
            needed = int(size_rule.number)
    if members < needed:
        if size_rule is minimum:
            text = gettext(
                "members: the panel needs at least %(number)s members (%(source)s); "
                "it has %(actual)s"
            )
        else:
            text = gettext(
                "members: the panel needs at least %(number)s members for a budget of "
                "%(threshold)s yuan or more or a complex or high-impact project "
                "(%(source)s); it has %(actual)s"
            )
        violations.append(
            Violation(
                "members",
                size_rule.code,
                text
                % {
                    "number": needed,
                    "source": size_rule.source,
                    "actual": members,
                    "threshold": f"{policy.number(LARGE_BUDGET):,}"
                    if policy.has(LARGE_BUDGET)
                    else "",
                },
                size_rule.source,
            )
        )
    if members % 2 == 0:
        violations.append(
            Violation(
                "members",
                size_rule.code,
                gettext(
                    "members: the panel must have an odd number of members (%(source)s); "
                    "it has %(actual)s"
                )
                % {"source": size_rule.source, "actual": members},
                size_rule.source,
            )
        )
    share = policy.rule(PANEL_EXPERT_SHARE)
    if experts < 0 or experts > members:
        violations.append(
            platform_violation(
                "experts",
                gettext("experts: must be between 0 and the number of members; it is %(actual)s")
                % {"actual": experts},
                INVALID_VALUE,
            )
        )
    elif Fraction(experts) < share.number * members:
        violations.append(
            Violation(
                "experts",
                share.code,
                gettext(
                    "experts: at least %(share)s of the panel must be experts (%(source)s); "
                    "it is %(actual)s of %(members)s"
                )
                % {
                    "share": share.number,
                    "source": share.source,
                    "actual": experts,
                    "members": members,
                },
                share.source,
            )
        )
    return violations


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{cents:02d}"


def check_bid_security(
    regime: Regime | str, *, security_fen: int, estimated_price_fen: int
) -> list[Violation]:
    """Bid security against its ceiling: a share of the estimated price (works, 估算价) or of the
    budget (government procurement, 预算金额), passed as ``estimated_price_fen``."""
    policy = policy_for(regime)
    rule = policy.rule(BID_SECURITY_MAXIMUM)
    if security_fen < 0:
        return [
            platform_violation(
                "bid_security_fen",
                gettext("bid_security_fen: cannot be negative; it is %(actual)s yuan")
                % {"actual": _yuan(security_fen)},
                INVALID_VALUE,
            )
        ]
    # Exact in integers: security / price ≤ percent / 100.
    if security_fen * 100 <= int(rule.number) * estimated_price_fen:
        return []
    ceiling_fen = int(rule.number) * estimated_price_fen // 100
    return [
        Violation(
            "bid_security_fen",
            rule.code,
            gettext(
                "bid_security_fen: bid security must not exceed %(number)s%% of %(base)s "
                "(%(source)s), i.e. %(ceiling)s yuan; it is %(actual)s yuan"
            )
            % {
                "number": rule.number,
                "source": rule.source,
                "ceiling": _yuan(ceiling_fen),
                "actual": _yuan(security_fen),
                "base": gettext("the estimated price")
                if policy.regime == Regime.WORKS
                else gettext("the budget"),
            },
            rule.source,
        )
    ]


# The price weight's rule by category; a category not listed (works) has no minimum here.
PRICE_WEIGHT_RULES = {"goods": PRICE_WEIGHT_GOODS, "services": PRICE_WEIGHT_SERVICES}
LOWEST_PRICE_BENCHMARK = "lowest_price_benchmark"  # the formula's name in a tender's scheme


def _shown(number: int | Fraction | Decimal) -> str:
    """A weight as a page shows it: 30, 29.5, or 33.3333 for a third of a hundred."""
    if isinstance(number, Fraction):
        if number.denominator == 1:
            return str(number.numerator)
        number = Decimal(number.numerator) / Decimal(number.denominator)
        return f"{number:.4f}".rstrip("0").rstrip(".")
    return str(number)


def check_price_scheme(
    regime: Regime | str,
    *,
    category: str,
    method: str,
    price_weight_percent: int | Fraction | Decimal,
    drops: bool,
) -> list[Violation]:
    """The price score's scheme in comprehensive scoring: its weight (a percent of the total
    score), its method (``lowest_price_benchmark`` or ``mean_benchmark``) and whether it drops
    the highest and lowest prices (``drops``). Works tendering sets none of these."""
    policy = policy_for(regime)
    violations: list[Violation] = []
    weight_code = PRICE_WEIGHT_RULES.get(category)
    if weight_code and policy.has(weight_code):
        rule = policy.rule(weight_code)
        if price_weight_percent < rule.number:
            violations.append(
                Violation(
                    "price_weight",
                    rule.code,
                    gettext(
                        "price_weight: the price must be at least %(number)s%% of the total "
                        "score for %(category)s (%(source)s); it is %(actual)s%%"
                    )
                    % {
                        "number": rule.number,
                        "category": category,
                        "source": rule.source,
                        "actual": _shown(price_weight_percent),
                    },
                    rule.source,
                )
            )
    if drops and policy.has(PRICE_DROPS):
        rule = policy.rule(PRICE_DROPS)
        violations.append(
            Violation(
                "drops",
                rule.code,
                gettext("drops: the highest and the lowest prices may not be dropped (%(source)s)")
                % {"source": rule.source},
                rule.source,
            )
        )
    if method != LOWEST_PRICE_BENCHMARK and policy.has(PRICE_LOWEST_BENCHMARK):
        rule = policy.rule(PRICE_LOWEST_BENCHMARK)
        violations.append(
            Violation(
                "method",
                rule.code,
                gettext(
                    "method: the price score must take the lowest valid price as its "
                    "benchmark (%(source)s); it is %(actual)s"
                )
                % {"source": rule.source, "actual": method},
                rule.source,
            )
        )
    return violations
