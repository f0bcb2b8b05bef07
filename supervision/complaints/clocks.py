"""The clocks of a complaint, from the rules of trading/law (their numbers and sources are in
works.py and government_procurement.py; docs/law-policy.md).

- The complaint period (`complaint_window`): works, 10 days of knowing, the time of a prior
  objection not counted (招标投标法实施条例 第六十条); government procurement, 15 working days
  after the challenge's answer period (政府采购法 第五十五条).
- Acceptance (`complaint_acceptance`): works, 3 working days of receipt (条例 第六十一条);
  government procurement has no such rule in the policy (财政部令第94号 was not consulted), so
  no acceptance clock runs there.
- Decision (`complaint_decision`): 30 working days, of acceptance where the regime has an
  acceptance period (条例 第六十一条), otherwise of receipt (政府采购法 第五十六条).

Days are counted as trading.law.working_days counts them: Asia/Shanghai dates, the first day
not counted, working days with the holiday calendar (settings.TRADING_HOLIDAYS and
TRADING_MAKEUP_WORKDAYS), a last day on a holiday rolled forward, each due an exclusive instant
(24:00 of the last day).
"""

import datetime as dt

from trading.law.periods import due
from trading.law.regimes import policy_for
from trading.law.rules import (
    COMPLAINT_ACCEPTANCE,
    COMPLAINT_DECISION,
    COMPLAINT_WINDOW,
    Regime,
    Rule,
)
from trading.law.working_days import local
from trading.models import Objection

# The last instant of a day whose 24:00 is a due instant.
_LAST_INSTANT = dt.timedelta(microseconds=1)


def window_rule(regime: Regime | str) -> Rule:
    return policy_for(regime).rule(COMPLAINT_WINDOW)


def acceptance_rule(regime: Regime | str) -> Rule | None:
    policy = policy_for(regime)
    return policy.rule(COMPLAINT_ACCEPTANCE) if policy.has(COMPLAINT_ACCEPTANCE) else None


def decision_rule(regime: Regime | str) -> Rule:
    return policy_for(regime).rule(COMPLAINT_DECISION)


def counted_after_objection(objection: Objection) -> dt.datetime:
    """Where the complaint period starts after a prior objection: the end of the objection's
    answer period, or its answer when that came later.

    条例 第六十条 leaves the objection's answer period out of the 10 days ("异议答复期间不计算在
    内") and 政府采购法 第五十五条 counts "答复期满后": both readings agree on counting from the end
    of the answer period; where the reading is disputed (an early answer), the platform takes
    the one that gives the complainant more time (docs/law-policy.md, "Counting days").
    """
    end_of_answer_period = objection.answer_due - _LAST_INSTANT
    answered_at = objection.answered_at
    if answered_at is not None and answered_at > end_of_answer_period:
        return answered_at
    return end_of_answer_period


def window_due(regime: Regime | str, *, start: dt.datetime) -> dt.datetime:
    """The end (exclusive) of the period in which a complaint counted from `start` is filed."""
    return due(regime, COMPLAINT_WINDOW, start=start)


def acceptance_due(regime: Regime | str, *, filed_at: dt.datetime) -> dt.datetime | None:
    """When the supervisor must have accepted or refused a complaint filed at `filed_at`; None
    where the regime sets no acceptance period."""
    if acceptance_rule(regime) is None:
        return None
    return due(regime, COMPLAINT_ACCEPTANCE, start=filed_at)


def decision_due(
    regime: Regime | str, *, filed_at: dt.datetime, accepted_at: dt.datetime | None
) -> dt.datetime | None:
    """When the complaint must be decided (upheld or dismissed): counted from its acceptance
    where the regime has an acceptance period (None until then), otherwise from its receipt."""
    if acceptance_rule(regime) is None:
        return due(regime, COMPLAINT_DECISION, start=filed_at)
    if accepted_at is None:
        return None
    return due(regime, COMPLAINT_DECISION, start=accepted_at)


def last_day(moment: dt.datetime) -> str:
    """The last day (Asia/Shanghai, ISO) of a period whose exclusive end is `moment`: a due
    named to a person, "by the end of 2026-10-12"."""
    return (local(moment) - _LAST_INSTANT).date().isoformat()
