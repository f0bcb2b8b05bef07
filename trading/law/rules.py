"""The vocabulary of the law as data: the regimes, the rule codes, a `Rule` (a number of the law
with its unit and source), a regime's `Policy`, and the `Violation` a check returns.

The rules themselves are in works.py and government_procurement.py, one table per regime;
regimes.py gives the policy of a regime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Regime(models.TextChoices):
    WORKS = "works", _("Works tendering (招标投标法)")
    GOVERNMENT_PROCUREMENT = "government_procurement", _("Government procurement (政府采购法)")


class Unit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
    COUNT = "count", _("count")
    PERCENT = "percent", _("percent")
    FRACTION = "fraction", _("fraction")
    YUAN = "yuan", _("yuan")
    POINTS = "points", _("points")


# Rule codes: the same code means the same rule in both regimes, with its own number and source.
DOCUMENTS_AVAILABLE = "documents_available"
ISSUE_TO_DEADLINE = "issue_to_deadline"
AMENDMENT_NOTICE = "amendment_notice"
NOTICE_DURATION = "notice_duration"
DOCUMENT_OBJECTION_CUTOFF = "document_objection_cutoff"
DOCUMENT_OBJECTION_WINDOW = "document_objection_window"
DOCUMENT_OBJECTION_ANSWER = "document_objection_answer"
MINIMUM_BIDS = "minimum_bids"
PANEL_MINIMUM = "panel_minimum"
PANEL_EXPERT_SHARE = "panel_expert_share"
PANEL_MINIMUM_LARGE = "panel_minimum_large"
LARGE_BUDGET = "large_budget"
CANDIDATES_MAXIMUM = "candidates_maximum"
CANDIDATE_PUBLICITY_START = "candidate_publicity_start"
CANDIDATE_PUBLICITY_DURATION = "candidate_publicity_duration"
CANDIDATE_OBJECTION_ANSWER = "candidate_objection_answer"
AWARD_DECISION = "award_decision"
RESULT_ANNOUNCEMENT_START = "result_announcement_start"
RESULT_ANNOUNCEMENT_DURATION = "result_announcement_duration"
CONTRACT_SIGNING = "contract_signing"
AWARD_REPORT = "award_report"
CONTRACT_FILING = "contract_filing"
COMPLAINT_WINDOW = "complaint_window"
COMPLAINT_ACCEPTANCE = "complaint_acceptance"
COMPLAINT_DECISION = "complaint_decision"
BID_SECURITY_MAXIMUM = "bid_security_maximum"
BID_SECURITY_REFUND = "bid_security_refund"
UNSUCCESSFUL_BID_SECURITY_REFUND = "unsuccessful_bid_security_refund"
WITHDRAWN_BID_SECURITY_REFUND = "withdrawn_bid_security_refund"
PRICE_WEIGHT_GOODS = "price_weight_goods"
PRICE_WEIGHT_SERVICES = "price_weight_services"
PRICE_LOWEST_BENCHMARK = "price_lowest_benchmark"
PRICE_DROPS = "price_drops"

# Consistency of a schedule (not a statute): named so a page can show it like the others.
SCHEDULE_ORDER = "schedule_order"
INVALID_VALUE = "invalid_value"
DECRYPTION_WINDOW = "decryption_window"

FEN_PER_YUAN = 100


@dataclass(frozen=True)
class Rule:
    """One number of the law: ``number`` ``unit``, from ``source``."""

    code: str
    number: int | Fraction
    unit: Unit
    source: str  # the citation in Chinese, e.g. "招标投标法 第二十四条"
    description: str | Promise  # English, translated for pages
    description_zh: str  # the rule as the statute puts it
    counted_from: str = ""  # for a period: the schedule field it is counted from, if not obvious

    @property
    def is_period(self) -> bool:
        return self.unit in (Unit.CALENDAR_DAYS, Unit.WORKING_DAYS)

    @property
    def working(self) -> bool:
        return self.unit == Unit.WORKING_DAYS


@dataclass(frozen=True)
class Violation:
    """A broken rule: which field, which rule, why (naming the rule and the source), where from."""

    field: str
    rule_code: str
    message: str
    source: str


def platform_violation(field_name: str, message: str, code: str = SCHEDULE_ORDER) -> Violation:
    """A broken rule of the platform (an order or a value), not of a statute."""
    return Violation(field_name, code, message, gettext("platform rule"))


class PolicyError(Exception):
    """A programming error in a call to the policy (not a broken rule)."""


class UnknownRegime(PolicyError, ValueError):
    pass


class RuleNotApplicable(PolicyError, LookupError):
    pass


@dataclass(frozen=True)
class Policy:
    """Every rule of one regime, and how its periods treat a last day on a holiday."""

    regime: Regime
    rules: Mapping[str, Rule]
    rolls_forward: bool  # a last day on a holiday or weekend moves to the next working day
    rolls_forward_source: str

    def rule(self, code: str) -> Rule:
        try:
            return self.rules[code]
        except KeyError:
            raise RuleNotApplicable(
                f"the {self.regime.value} regime has no rule {code!r}"
            ) from None

    def has(self, code: str) -> bool:
        return code in self.rules

    def number(self, code: str) -> int | Fraction:
        return self.rule(code).number

    def __iter__(self):
        return iter(self.rules.values())


def rule_table(*rules: Rule) -> Mapping[str, Rule]:
    by_code = {rule.code: rule for rule in rules}
    if len(by_code) != len(rules):
        raise ValueError("a rule code appears twice in one regime")
    return MappingProxyType(by_code)
