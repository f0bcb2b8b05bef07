"""The alert rules as data: each with its code, family, legal source, severity policy, validity
dates and parameters; `configured_rules()` applies the settings' overrides and refuses a
misconfigured rule by name (start-up stops: supervision.apps).

The legal source of a rule that applies a number of the law is read from trading/law (the rule
codes in `law_rules`), so that it is cited in one place; the finders that look for breaches
are in timeliness.py, compliance.py and experts.py, and the engine (engine.py) turns what they
find into alerts, once per breach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from monitoring.models import AlertSeverity
from trading.law.regimes import policy_for
from trading.law.rules import (
    AMENDMENT_NOTICE,
    BID_SECURITY_REFUND,
    CANDIDATE_OBJECTION_ANSWER,
    CANDIDATE_PUBLICITY_START,
    CONTRACT_SIGNING,
    DOCUMENT_OBJECTION_ANSWER,
    DOCUMENTS_AVAILABLE,
    ISSUE_TO_DEADLINE,
    MINIMUM_BIDS,
    PANEL_EXPERT_SHARE,
    PANEL_MINIMUM,
    PANEL_MINIMUM_LARGE,
    UNSUCCESSFUL_BID_SECURITY_REFUND,
    Regime,
)
from trading.law.working_days import SHANGHAI


class Family(models.TextChoices):
    TIMELINESS = "timeliness", _("Timeliness")
    COMPLIANCE = "compliance", _("Compliance")
    EXPERTS = "experts", _("Experts")


@dataclass(frozen=True)
class Parameter:
    """A number a rule reads, its default and the range a setting may give it."""

    default: int | float
    minimum: int | float
    maximum: int | float

    @property
    def whole(self) -> bool:
        return isinstance(self.default, int)


@dataclass(frozen=True)
class AlertRule:
    """One alert rule. `severity` is a timeliness rule's colour when overdue (red) and the
    colour of every other rule's alerts; a timeliness rule is yellow from
    `yellow_before_hours` before its due moment. It applies to tenders published from
    `valid_from` to `valid_until` (Asia/Shanghai dates, both included; None: no bound)."""

    code: str
    family: Family
    title: str | Promise
    law_rules: tuple[str, ...] = ()
    source_note: str = ""  # a source that is not a number of trading/law
    severity: str = AlertSeverity.RED
    yellow_before_hours: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    parameters: Mapping[str, int | float] = field(default_factory=dict)
    enabled: bool = True

    def source_for(self, regime: Regime | str) -> str:
        """The rule's legal source in one regime: the sources of its law rules it has."""
        policy = policy_for(regime)
        sources = [policy.rule(code).source for code in self.law_rules if policy.has(code)]
        return _joined([*sources, self.source_note])

    @property
    def source(self) -> str:
        """Every source the rule cites, in both regimes."""
        return _joined([self.source_for(regime) for regime in Regime])

    def severity_at(self, *, now: dt.datetime, due: dt.datetime) -> str | None:
        """A timeliness rule's colour at `now` for an act due before `due`: red once due,
        yellow within `yellow_before_hours` of it, None before."""
        if now >= due:
            return self.severity
        if self.yellow_before_hours is not None and now >= due - dt.timedelta(
            hours=self.yellow_before_hours
        ):
            return AlertSeverity.YELLOW
        return None

    @property
    def yellow_before(self) -> dt.timedelta:
        return dt.timedelta(hours=self.yellow_before_hours or 0)

    def published_in_range(self, prefix: str = "") -> Q:
        """The tenders this rule applies to, as a filter on `<prefix>published_at`."""
        condition = Q()
        if self.valid_from is not None:
            start = dt.datetime.combine(self.valid_from, dt.time(0), tzinfo=SHANGHAI)
            condition &= Q(**{f"{prefix}published_at__gte": start})
        if self.valid_until is not None:
            end = dt.datetime.combine(
                self.valid_until + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI
            )
            condition &= Q(**{f"{prefix}published_at__lt": end})
        return condition

    def number(self, name: str) -> Any:
        return self.parameters[name]


def _joined(sources: list[str]) -> str:
    seen: list[str] = []
    for text in sources:
        for source in text.split("; "):
            if source and source not in seen:
                seen.append(source)
    return "; ".join(seen)


# What each parameter of a rule may be set to (SUPERVISION_ALERT_RULES), with its default.
PARAMETERS: Mapping[str, Mapping[str, Parameter]] = MappingProxyType(
    {
        # A panel member whose points stand this share of the criterion's maximum from the
        # others' mean, on average over a session, is far from the panel in that session;
        # an alert needs `minimum_sessions` such sessions, and `consistent_share` of its own.
        "expert_score_deviation": {
            "deviation_share": Parameter(0.2, 0.01, 1.0),
            "minimum_sessions": Parameter(3, 1, 1000),
            "consistent_share": Parameter(0.5, 0.01, 1.0),
        },
        # The same expert on `minimum_panels` panels of one tenderee within `window_days`.
        "expert_repeat_tenderee": {
            "minimum_panels": Parameter(3, 2, 1000),
            "window_days": Parameter(365, 1, 3660),
        },
    }
)


def _defaults(code: str) -> Mapping[str, int | float]:
    return MappingProxyType({name: p.default for name, p in PARAMETERS.get(code, {}).items()})


# A yellow card one day before the due moment, by default (SUPERVISION_ALERT_RULES overrides).
YELLOW_BEFORE_HOURS = 24

RULES: tuple[AlertRule, ...] = (
    AlertRule(
        code="publicity_start",
        family=Family.TIMELINESS,
        title=_("Candidate publicity not started within 3 days of the evaluation report"),
        law_rules=(CANDIDATE_PUBLICITY_START,),
        yellow_before_hours=YELLOW_BEFORE_HOURS,
    ),
    AlertRule(
        code="contract_signing",
        family=Family.TIMELINESS,
        title=_("Contract not signed within 30 days of the award notice"),
        law_rules=(CONTRACT_SIGNING,),
        yellow_before_hours=YELLOW_BEFORE_HOURS,
    ),
    AlertRule(
        code="bid_security_refund",
        family=Family.TIMELINESS,
        title=_("Bid security not refunded in time"),
        law_rules=(BID_SECURITY_REFUND, UNSUCCESSFUL_BID_SECURITY_REFUND),
        yellow_before_hours=YELLOW_BEFORE_HOURS,
    ),
    AlertRule(
        code="objection_answer",
        family=Family.TIMELINESS,
        title=_("Objection not answered in time"),
        law_rules=(DOCUMENT_OBJECTION_ANSWER, CANDIDATE_OBJECTION_ANSWER),
        yellow_before_hours=YELLOW_BEFORE_HOURS,
    ),
    AlertRule(
        code="evaluation_overtime",
        family=Family.TIMELINESS,
        title=_("Evaluation session over its time"),
        # The tenderee sets a reasonable evaluation time; the session's window is that time.
        source_note="招标投标法实施条例 第四十八条",
        yellow_before_hours=YELLOW_BEFORE_HOURS,
    ),
    AlertRule(
        code="minimum_bids",
        family=Family.COMPLIANCE,
        title=_("Opened with fewer valid bids than the minimum"),
        law_rules=(MINIMUM_BIDS,),
    ),
    AlertRule(
        code="panel_composition",
        family=Family.COMPLIANCE,
        title=_("Unlawful evaluation panel"),
        law_rules=(PANEL_MINIMUM, PANEL_EXPERT_SHARE, PANEL_MINIMUM_LARGE),
    ),
    AlertRule(
        code="schedule",
        family=Family.COMPLIANCE,
        title=_("Tender schedule breaking a rule"),
        law_rules=(DOCUMENTS_AVAILABLE, ISSUE_TO_DEADLINE, AMENDMENT_NOTICE),
    ),
    AlertRule(
        code="expert_score_deviation",
        family=Family.EXPERTS,
        title=_("Expert's scores consistently far from the panel's"),
        source_note="财政部令第87号 第六十四条",
        severity=AlertSeverity.YELLOW,
        parameters=_defaults("expert_score_deviation"),
    ),
    AlertRule(
        code="expert_repeat_tenderee",
        family=Family.EXPERTS,
        title=_("Same expert repeatedly on one tenderee's panels"),
        # Experts are drawn at random (条例 第四十六条): a pattern says the draw was bent.
        source_note="招标投标法实施条例 第四十六条",
        severity=AlertSeverity.YELLOW,
        parameters=_defaults("expert_repeat_tenderee"),
    ),
)


class RuleMisconfigured(ImproperlyConfigured):
    """A rule or its setting is wrong: start-up stops, naming the rule."""


COMMON_KEYS = frozenset({"enabled", "valid_from", "valid_until"})


def _date(code: str, key: str, value: object) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES: rule {code!r}: {key} must be an ISO date "
            f"(YYYY-MM-DD) or null, not {value!r}"
        )
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES: rule {code!r}: {key}={value!r} is not an ISO date "
            "(YYYY-MM-DD)"
        ) from None


def _number(code: str, key: str, spec: Parameter, value: object) -> int | float:
    # bool is an int to Python, never a count to a person.
    wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
    if not wrong_type and spec.whole and not isinstance(value, int):
        wrong_type = True
    if wrong_type:
        kind = "a whole number" if spec.whole else "a number"
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES: rule {code!r}: {key} must be {kind}, not {value!r}"
        )
    assert isinstance(value, int | float)
    if not spec.minimum <= value <= spec.maximum:
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES: rule {code!r}: {key}={value} is outside "
            f"{spec.minimum}…{spec.maximum}"
        )
    return value


def _overridden(rule: AlertRule, override: object) -> AlertRule:
    code = rule.code
    if not isinstance(override, Mapping):
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES: rule {code!r}: expected an object of settings, "
            f"not {override!r}"
        )
    specs = PARAMETERS.get(code, {})
    allowed = COMMON_KEYS | specs.keys()
    allowed |= {"yellow_before_hours"} if rule.family == Family.TIMELINESS else {"severity"}
    unknown = sorted(set(override) - allowed)
    if unknown:
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES: rule {code!r} has no setting {', '.join(unknown)}: "
            f"it takes {', '.join(sorted(allowed))}"
        )
    changes: dict[str, Any] = {}
    if "enabled" in override:
        if not isinstance(override["enabled"], bool):
            raise RuleMisconfigured(
                f"SUPERVISION_ALERT_RULES: rule {code!r}: enabled must be true or false, "
                f"not {override['enabled']!r}"
            )
        changes["enabled"] = override["enabled"]
    for key in ("valid_from", "valid_until"):
        if key in override:
            changes[key] = _date(code, key, override[key])
    if "yellow_before_hours" in override:
        changes["yellow_before_hours"] = _number(
            code, "yellow_before_hours", Parameter(0, 0, 24 * 365), override["yellow_before_hours"]
        )
    if "severity" in override:
        if override["severity"] not in AlertSeverity.values:
            raise RuleMisconfigured(
                f"SUPERVISION_ALERT_RULES: rule {code!r}: severity must be one of "
                f"{', '.join(AlertSeverity.values)}, not {override['severity']!r}"
            )
        changes["severity"] = override["severity"]
    numbers = {
        key: _number(code, key, specs[key], override[key]) for key in specs if key in override
    }
    if numbers:
        changes["parameters"] = MappingProxyType({**rule.parameters, **numbers})
    return replace(rule, **changes)


def _checked(rule: AlertRule) -> AlertRule:
    if (
        rule.valid_from is not None
        and rule.valid_until is not None
        and rule.valid_from > rule.valid_until
    ):
        raise RuleMisconfigured(
            f"alert rule {rule.code!r}: valid_from {rule.valid_from.isoformat()} is after "
            f"valid_until {rule.valid_until.isoformat()}"
        )
    if (rule.family == Family.TIMELINESS) != (rule.yellow_before_hours is not None):
        raise RuleMisconfigured(
            f"alert rule {rule.code!r}: a timeliness rule, and only one, has yellow_before_hours"
        )
    for code in rule.law_rules:
        if not any(policy_for(regime).has(code) for regime in Regime):
            raise RuleMisconfigured(f"alert rule {rule.code!r}: no regime has the rule {code!r}")
    return rule


def configured_rules(overrides: Mapping[str, object] | None = None) -> tuple[AlertRule, ...]:
    """The registry with the overrides applied (SUPERVISION_ALERT_RULES by default), every rule
    checked; RuleMisconfigured names the first rule that is wrong."""
    if overrides is None:
        overrides = getattr(settings, "SUPERVISION_ALERT_RULES", {})
    if not isinstance(overrides, Mapping):
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES must map rule codes to settings, not {overrides!r}"
        )
    codes = [rule.code for rule in RULES]
    if len(set(codes)) != len(codes):
        raise RuleMisconfigured("alert rules: a rule code appears twice in the registry")
    unknown = sorted(set(overrides) - set(codes))
    if unknown:
        raise RuleMisconfigured(
            f"SUPERVISION_ALERT_RULES names the unknown rule {unknown[0]!r}: the rules are "
            f"{', '.join(codes)}"
        )
    return tuple(
        _checked(_overridden(rule, overrides[rule.code]) if rule.code in overrides else rule)
        for rule in RULES
    )


def rule_by_code(code: str) -> AlertRule | None:
    return next((rule for rule in configured_rules() if rule.code == code), None)


@dataclass(frozen=True)
class Breach:
    """What a finder found: one breach of a rule on one object, with its severity now.

    `key` identifies the breach for the rule (one alert per key, whatever the runs); `objects`
    and `events` are the evidence: the objects read, as (object type, id), and the events
    behind them, found by the engine among those objects' events."""

    key: str
    object_type: str
    object_id: str
    tender_id: str
    severity: str
    message: str
    source: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    objects: tuple[tuple[str, str], ...] = ()
