"""The law as data: every legal duration and threshold of a regime, each with its source.

Two regimes share the platform (docs/law-policy.md lists every rule):

- ``works``: 工程建设项目招标投标 under 招标投标法 (2017), 招标投标法实施条例 (2019) and
  电子招标投标办法 (2013);
- ``government_procurement``: 政府采购 under 政府采购法 (2014), 政府采购法实施条例 (2015) and
  财政部令第87号 (政府采购货物和服务招标投标管理办法, 2017).

A change in the law is a change of the ``_WORKS_RULES`` / ``_GOVERNMENT_PROCUREMENT_RULES`` data
below. The checks return every ``Violation`` they find and never raise for a rule break, so a
page can show them all at once; they raise only for a programming error (an unknown regime, a
naive datetime, a rule the regime does not have).

Days are counted as trading/calendar.py says: by Asia/Shanghai dates, the first day not counted,
a last day on a holiday or weekend moved to the next working day, a period ending at 24:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trading.calendar import (
    SHANGHAI,
    HolidayCalendar,
    end_of_day,
    local,
    local_date,
    resolve_calendar,
)


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


def _rules(*rules: Rule) -> Mapping[str, Rule]:
    by_code = {rule.code: rule for rule in rules}
    if len(by_code) != len(rules):
        raise ValueError("a rule code appears twice in one regime")
    return MappingProxyType(by_code)


# 工程建设项目招标投标: 招标投标法 (法), 招标投标法实施条例 (条例).
_WORKS_RULES = _rules(
    Rule(
        DOCUMENTS_AVAILABLE,
        5,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第十六条",
        _("tender documents are on sale for at least 5 days"),
        "招标文件的发售期不得少于5日",
        counted_from="documents_from",
    ),
    Rule(
        ISSUE_TO_DEADLINE,
        20,
        Unit.CALENDAR_DAYS,
        "招标投标法 第二十四条",
        _("at least 20 days from the first issue of the documents to the bid deadline"),
        "自招标文件开始发出之日起至投标人提交投标文件截止之日止，最短不得少于二十日",
        counted_from="documents_from",
    ),
    Rule(
        AMENDMENT_NOTICE,
        15,
        Unit.CALENDAR_DAYS,
        "招标投标法 第二十三条; 招标投标法实施条例 第二十一条",
        _(
            "a clarification or amendment at least 15 days before the bid deadline, "
            "otherwise the deadline moves"
        ),
        "澄清或者修改应当在投标截止时间至少15日前通知；不足15日的，应当顺延投标截止时间",
    ),
    Rule(
        DOCUMENT_OBJECTION_CUTOFF,
        10,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第二十二条",
        _("objections to the tender documents are raised at least 10 days before the deadline"),
        "对招标文件有异议的，应当在投标截止时间10日前提出",
    ),
    Rule(
        DOCUMENT_OBJECTION_ANSWER,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第二十二条",
        _("an objection is answered within 3 days; the procedure is suspended until then"),
        "招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动",
    ),
    Rule(
        MINIMUM_BIDS,
        3,
        Unit.COUNT,
        "招标投标法 第二十八条; 招标投标法实施条例 第四十四条",
        _("with fewer than 3 bids there is no opening; the tender is repeated"),
        "投标人少于3个的，不得开标；招标人应当重新招标",
    ),
    Rule(
        PANEL_MINIMUM,
        5,
        Unit.COUNT,
        "招标投标法 第三十七条",
        _("the evaluation panel has at least 5 members, an odd number"),
        "评标委员会成员人数为五人以上单数",
    ),
    Rule(
        PANEL_EXPERT_SHARE,
        Fraction(2, 3),
        Unit.FRACTION,
        "招标投标法 第三十七条",
        _("experts are at least two thirds of the panel"),
        "技术、经济等方面的专家不得少于成员总数的三分之二",
    ),
    Rule(
        CANDIDATES_MAXIMUM,
        3,
        Unit.COUNT,
        "招标投标法实施条例 第五十三条",
        _("at most 3 winning candidates, ranked"),
        "中标候选人应当不超过3个，并标明排序",
    ),
    Rule(
        CANDIDATE_PUBLICITY_START,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十四条",
        _("the candidates are published within 3 days of receiving the evaluation report"),
        "招标人应当自收到评标报告之日起3日内公示中标候选人",
    ),
    Rule(
        CANDIDATE_PUBLICITY_DURATION,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十四条",
        _("the candidate publicity lasts at least 3 days"),
        "公示期不得少于3日",
    ),
    Rule(
        CANDIDATE_OBJECTION_ANSWER,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十四条",
        _(
            "an objection to the evaluation result is answered within 3 days; "
            "the procedure is suspended until then"
        ),
        "招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动",
    ),
    Rule(
        CONTRACT_SIGNING,
        30,
        Unit.CALENDAR_DAYS,
        "招标投标法 第四十六条",
        _("the contract is signed within 30 days of the award notice"),
        "自中标通知书发出之日起三十日内订立书面合同",
    ),
    Rule(
        AWARD_REPORT,
        15,
        Unit.CALENDAR_DAYS,
        "招标投标法 第四十七条",
        _("a report to the supervising authority within 15 days of the award"),
        "自确定中标人之日起十五日内，向有关行政监督部门提交招标投标情况的书面报告",
    ),
    Rule(
        COMPLAINT_WINDOW,
        10,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第六十条",
        _(
            "a complaint is filed within 10 days of knowing of the breach "
            "(time spent on a prior objection not counted)"
        ),
        "自知道或者应当知道之日起10日内投诉；异议答复期间不计算在内",
    ),
    Rule(
        COMPLAINT_ACCEPTANCE,
        3,
        Unit.WORKING_DAYS,
        "招标投标法实施条例 第六十一条",
        _("a complaint is accepted or refused within 3 working days of receipt"),
        "自收到投诉之日起3个工作日内决定是否受理投诉",
    ),
    Rule(
        COMPLAINT_DECISION,
        30,
        Unit.WORKING_DAYS,
        "招标投标法实施条例 第六十一条",
        _(
            "a complaint is decided within 30 working days of acceptance "
            "(inspection, testing, appraisal and expert review not counted)"
        ),
        "自受理投诉之日起30个工作日内作出书面处理决定",
    ),
    Rule(
        BID_SECURITY_MAXIMUM,
        2,
        Unit.PERCENT,
        "招标投标法实施条例 第二十六条",
        # xgettext:no-python-format
        _("bid security is at most 2% of the estimated price"),
        "投标保证金不得超过招标项目估算价的2%",
    ),
    Rule(
        BID_SECURITY_REFUND,
        5,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十七条",
        _(
            "bid security is refunded to the winner and to every other bidder within 5 days "
            "of signing the contract"
        ),
        "最迟应当在书面合同签订后5日内向中标人和未中标的投标人退还投标保证金及银行同期存款利息",
        counted_from="contract_signed_at",
    ),
    Rule(
        WITHDRAWN_BID_SECURITY_REFUND,
        5,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第三十五条",
        _("the security of a withdrawn bid is refunded within 5 days of the withdrawal notice"),
        "自收到投标人书面撤回通知之日起5日内退还",
    ),
)

# 政府采购 (goods and services by tender): 政府采购法, 政府采购法实施条例, 财政部令第87号.
_GOVERNMENT_PROCUREMENT_RULES = _rules(
    Rule(
        NOTICE_DURATION,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第十六条",
        _("a tender notice stays published for 5 working days"),
        "招标公告、资格预审公告的公告期限为5个工作日",
    ),
    Rule(
        DOCUMENTS_AVAILABLE,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第十八条",
        _("tender documents are provided for at least 5 working days from the notice"),
        "提供期限自招标公告、资格预审公告发布之日起计算不得少于5个工作日",
        counted_from="published_at",
    ),
    Rule(
        ISSUE_TO_DEADLINE,
        20,
        Unit.CALENDAR_DAYS,
        "政府采购法 第三十五条",
        _("at least 20 days from the first issue of the documents to the bid deadline"),
        "自招标文件开始发出之日起至投标人提交投标文件截止之日止，不得少于二十日",
        counted_from="documents_from",
    ),
    Rule(
        AMENDMENT_NOTICE,
        15,
        Unit.CALENDAR_DAYS,
        "财政部令第87号 第二十七条",
        _(
            "a clarification or amendment at least 15 days before the bid deadline, "
            "otherwise the deadline moves"
        ),
        "应当在投标截止时间至少15日前通知；不足15日的，应当顺延提交投标文件的截止时间",
    ),
    Rule(
        DOCUMENT_OBJECTION_WINDOW,
        7,
        Unit.WORKING_DAYS,
        "政府采购法 第五十二条",
        _("a challenge (质疑) is raised within 7 working days of knowing of the harm"),
        "在知道或者应知其权益受到损害之日起七个工作日内，以书面形式向采购人提出质疑",
    ),
    Rule(
        DOCUMENT_OBJECTION_ANSWER,
        7,
        Unit.WORKING_DAYS,
        "政府采购法 第五十三条",
        _("a challenge is answered within 7 working days"),
        "采购人应当在收到供应商的书面质疑后七个工作日内作出答复",
    ),
    Rule(
        MINIMUM_BIDS,
        3,
        Unit.COUNT,
        "政府采购法 第三十六条",
        _("with fewer than 3 qualified and responsive suppliers the tender fails"),
        "符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的，应予废标",
    ),
    Rule(
        PANEL_MINIMUM,
        5,
        Unit.COUNT,
        "财政部令第87号 第四十七条",
        _("the evaluation panel has at least 5 members, an odd number"),
        "评标委员会成员人数应当为5人以上单数",
    ),
    Rule(
        PANEL_EXPERT_SHARE,
        Fraction(2, 3),
        Unit.FRACTION,
        "财政部令第87号 第四十七条",
        _("experts are at least two thirds of the panel"),
        "评审专家不得少于成员总数的三分之二",
    ),
    Rule(
        PANEL_MINIMUM_LARGE,
        7,
        Unit.COUNT,
        "财政部令第87号 第四十七条",
        _(
            "at least 7 members, an odd number, for a budget of 10 million yuan or more, "
            "a technically complex project or one of wide social impact"
        ),
        "采购预算金额在1000万元以上、技术复杂或者社会影响较大的，评标委员会成员人数应当为7人以上单数",
    ),
    Rule(
        LARGE_BUDGET,
        10_000_000,
        Unit.YUAN,
        "财政部令第87号 第四十七条",
        _("the budget from which the panel needs 7 members"),
        "采购预算金额在1000万元以上",
    ),
    Rule(
        AWARD_DECISION,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第六十八条",
        _("the purchaser chooses the winner within 5 working days of receiving the report"),
        "采购人应当自收到评标报告之日起5个工作日内，在评标报告确定的中标候选人名单中按顺序确定中标人",
    ),
    Rule(
        RESULT_ANNOUNCEMENT_START,
        2,
        Unit.WORKING_DAYS,
        "财政部令第87号 第六十九条",
        _("the result is announced within 2 working days of choosing the winner"),
        "自中标人确定之日起2个工作日内，在省级以上财政部门指定的媒体上公告中标结果",
    ),
    Rule(
        RESULT_ANNOUNCEMENT_DURATION,
        1,
        Unit.WORKING_DAYS,
        "财政部令第87号 第六十九条",
        _("the result announcement lasts 1 working day"),
        "中标公告期限为1个工作日",
    ),
    Rule(
        CONTRACT_SIGNING,
        30,
        Unit.CALENDAR_DAYS,
        "政府采购法 第四十六条",
        _("the contract is signed within 30 days of the award notice"),
        "应当在中标、成交通知书发出之日起三十日内签订政府采购合同",
    ),
    Rule(
        CONTRACT_FILING,
        7,
        Unit.WORKING_DAYS,
        "政府采购法 第四十七条",
        _(
            "a copy of the contract is filed with the supervising authority "
            "within 7 working days of signing"
        ),
        "采购合同自签订之日起七个工作日内，将合同副本报同级政府采购监督管理部门和有关部门备案",
    ),
    Rule(
        COMPLAINT_WINDOW,
        15,
        Unit.WORKING_DAYS,
        "政府采购法 第五十五条",
        _("a complaint is filed within 15 working days after the challenge answer period ends"),
        "可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉",
    ),
    Rule(
        COMPLAINT_DECISION,
        30,
        Unit.WORKING_DAYS,
        "政府采购法 第五十六条",
        _("a complaint is decided within 30 working days of receipt"),
        "应当在收到投诉后三十个工作日内，对投诉事项作出处理决定",
    ),
    Rule(
        BID_SECURITY_MAXIMUM,
        2,
        Unit.PERCENT,
        "政府采购法实施条例 第三十三条",
        # xgettext:no-python-format
        _("bid security is at most 2% of the budget"),
        "投标保证金不得超过采购项目预算金额的2%",
    ),
    Rule(
        BID_SECURITY_REFUND,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第三十八条",
        _("the winner's bid security is refunded within 5 working days of signing the contract"),
        "自采购合同签订之日起5个工作日内退还中标人的投标保证金或者转为中标人的履约保证金",
        counted_from="contract_signed_at",
    ),
    Rule(
        UNSUCCESSFUL_BID_SECURITY_REFUND,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第三十八条",
        _(
            "the bid security of the bidders that did not win is refunded within 5 working days "
            "of the award notice"
        ),
        "自中标通知书发出之日起5个工作日内退还未中标人的投标保证金",
        counted_from="award_notice_at",
    ),
    Rule(
        WITHDRAWN_BID_SECURITY_REFUND,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第三十八条",
        _("the security of a withdrawn bid is refunded within 5 working days of the notice"),
        "自收到投标人书面撤回通知之日起5个工作日内，退还已收取的投标保证金",
    ),
)

_POLICIES = {
    Regime.WORKS: Policy(
        regime=Regime.WORKS,
        rules=_WORKS_RULES,
        rolls_forward=True,
        rolls_forward_source="民法典 第二百零三条",
    ),
    Regime.GOVERNMENT_PROCUREMENT: Policy(
        regime=Regime.GOVERNMENT_PROCUREMENT,
        rules=_GOVERNMENT_PROCUREMENT_RULES,
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


# --- day arithmetic on the policy's terms ------------------------------------------------------


def _last_day(policy: Policy, rule: Rule, start: dt.datetime, calendar: HolidayCalendar) -> dt.date:
    """The last day of the period ``rule`` counted forwards from ``start``."""
    return calendar.last_day(
        local_date(start),
        int(rule.number),
        working=rule.working,
        roll_forward=policy.rolls_forward,
    )


def _elapsed(rule: Rule, start: dt.datetime, end: dt.datetime, calendar: HolidayCalendar) -> int:
    if rule.working:
        return calendar.working_days_between(local_date(start), local_date(end))
    return (local_date(end) - local_date(start)).days


def _unit_words(rule: Rule) -> str:
    return gettext("working days") if rule.working else gettext("days")


def due(
    regime: Regime | str,
    rule_code: str,
    *,
    start: dt.datetime,
    calendar: HolidayCalendar | None = None,
) -> dt.datetime:
    """The exclusive end (24:00 of the last day) of the period ``rule_code`` started by ``start``:
    an act due "within n days of start" is on time when it happens before this instant."""
    policy = policy_for(regime)
    rule = policy.rule(rule_code)
    if not rule.is_period:
        raise RuleNotApplicable(f"the rule {rule_code!r} is not a period")
    return end_of_day(_last_day(policy, rule, start, resolve_calendar(calendar)))


# --- checks ----------------------------------------------------------------------------------


def _order(field_name: str, message: str, code: str = SCHEDULE_ORDER) -> Violation:
    return Violation(field_name, code, message, gettext("platform rule"))


def _too_soon(
    *,
    field_name: str,
    rule: Rule,
    what: str,
    start: dt.datetime,
    end: dt.datetime,
    last_day: dt.date,
    policy: Policy,
    calendar: HolidayCalendar,
) -> Violation | None:
    """A violation when ``end`` falls before the last day of the period ``rule`` from ``start``."""
    if local_date(end) >= last_day:
        return None
    actual = _elapsed(rule, start, end, calendar)
    message = gettext(
        "%(field)s: must be at least %(number)s %(unit)s after %(what)s (%(source)s); "
        "it is %(actual)s %(unit)s"
    ) % {
        "field": field_name,
        "number": rule.number,
        "unit": _unit_words(rule),
        "what": what,
        "source": rule.source,
        "actual": actual,
    }
    if actual >= rule.number:
        message += gettext(
            ", and the last day of the period falls on a non-working day, so the period runs "
            "to %(last_day)s (%(roll_source)s)"
        ) % {"last_day": last_day.isoformat(), "roll_source": policy.rolls_forward_source}
    return Violation(field_name, rule.code, message, rule.source)


def check_schedule(
    regime: Regime | str,
    *,
    published_at: dt.datetime,
    documents_from: dt.datetime,
    documents_until: dt.datetime,
    clarification_cutoff: dt.datetime,
    bid_deadline: dt.datetime,
    decryption_window_minutes: int,
    calendar: HolidayCalendar | None = None,
) -> list[Violation]:
    """Every violation of a tender schedule: its order, then the legal minimums."""
    policy = policy_for(regime)
    cal = resolve_calendar(calendar)
    for moment in (
        published_at,
        documents_from,
        documents_until,
        clarification_cutoff,
        bid_deadline,
    ):
        local(moment)  # refuses a naive datetime
    violations: list[Violation] = []

    if documents_from < published_at:
        violations.append(
            _order(
                "documents_from",
                gettext(
                    "documents_from: the documents cannot be issued before the notice is published"
                ),
            )
        )
    if documents_until < documents_from:
        violations.append(
            _order(
                "documents_until",
                gettext(
                    "documents_until: the documents cannot stop being available "
                    "before they are issued"
                ),
            )
        )
    if documents_until > bid_deadline:
        violations.append(
            _order(
                "documents_until",
                gettext(
                    "documents_until: the documents cannot stay available after the bid deadline"
                ),
            )
        )
    if clarification_cutoff >= bid_deadline:
        violations.append(
            _order(
                "clarification_cutoff",
                gettext("clarification_cutoff: must be before the bid deadline"),
            )
        )
    if decryption_window_minutes <= 0:
        violations.append(
            Violation(
                "decryption_window_minutes",
                DECRYPTION_WINDOW,
                gettext("decryption_window_minutes: must be more than 0 minutes; it is %(minutes)s")
                % {"minutes": decryption_window_minutes},
                gettext("platform rule"),
            )
        )

    available = policy.rule(DOCUMENTS_AVAILABLE)
    available_from = published_at if available.counted_from == "published_at" else documents_from
    if documents_until >= documents_from:
        found = _too_soon(
            field_name="documents_until",
            rule=available,
            what=(
                gettext("the notice is published")
                if available.counted_from == "published_at"
                else gettext("the documents are first issued")
            ),
            start=available_from,
            end=documents_until,
            last_day=_last_day(policy, available, available_from, cal),
            policy=policy,
            calendar=cal,
        )
        if found:
            violations.append(found)

    issue = policy.rule(ISSUE_TO_DEADLINE)
    found = _too_soon(
        field_name="bid_deadline",
        rule=issue,
        what=gettext("the documents are first issued"),
        start=documents_from,
        end=bid_deadline,
        last_day=_last_day(policy, issue, documents_from, cal),
        policy=policy,
        calendar=cal,
    )
    if found:
        violations.append(found)

    # A clarification at the cutoff must not have to move the deadline (counted backwards
    # from the fixed deadline, so no rolling forward: see docs/law-policy.md).
    amendment = policy.rule(AMENDMENT_NOTICE)
    if clarification_cutoff < bid_deadline:
        before = (local_date(bid_deadline) - local_date(clarification_cutoff)).days
        if before < amendment.number:
            violations.append(
                Violation(
                    "clarification_cutoff",
                    amendment.code,
                    gettext(
                        "clarification_cutoff: must be at least %(number)s days before the bid "
                        "deadline (%(source)s), or a clarification at the cutoff moves the "
                        "deadline; it is %(actual)s days"
                    )
                    % {"number": amendment.number, "source": amendment.source, "actual": before},
                    amendment.source,
                )
            )
    return violations


def deadline_after_amendment(
    regime: Regime | str, *, amended_at: dt.datetime, bid_deadline: dt.datetime
) -> dt.datetime:
    """The bid deadline after a clarification or amendment issued at ``amended_at``: unchanged
    when it is at least the legal minimum before (by dates), otherwise moved to the earliest day
    that is, at the same time of day (Asia/Shanghai)."""
    rule = policy_for(regime).rule(AMENDMENT_NOTICE)
    amended_day = local_date(amended_at)
    deadline = local(bid_deadline)
    if (deadline.date() - amended_day).days >= rule.number:
        return bid_deadline
    earliest = amended_day + dt.timedelta(days=int(rule.number))
    return dt.datetime.combine(earliest, deadline.timetz().replace(tzinfo=None), tzinfo=SHANGHAI)


def objection_to_documents_allowed(
    regime: Regime | str,
    *,
    at: dt.datetime,
    bid_deadline: dt.datetime,
    documents_received_at: dt.datetime | None = None,
    calendar: HolidayCalendar | None = None,
) -> bool:
    """Whether an objection (异议; 质疑 in government procurement) to the tender documents may
    still be raised at ``at``.

    Works (条例 第二十二条): up to 10 days before the deadline, by dates. Government procurement
    (政府采购法 第五十二条): within 7 working days of receiving the documents, which is then
    required; the law ties it to the documents, not to the deadline.
    """
    policy = policy_for(regime)
    if policy.has(DOCUMENT_OBJECTION_CUTOFF):
        rule = policy.rule(DOCUMENT_OBJECTION_CUTOFF)
        return (local_date(bid_deadline) - local_date(at)).days >= rule.number
    if documents_received_at is None:
        raise TypeError(
            f"the {policy.regime.value} regime counts objections from documents_received_at"
        )
    return at < due(
        policy.regime, DOCUMENT_OBJECTION_WINDOW, start=documents_received_at, calendar=calendar
    )


def objection_answer_due(
    regime: Regime | str, *, raised_at: dt.datetime, calendar: HolidayCalendar | None = None
) -> dt.datetime:
    """When the answer to an objection to the documents is due (exclusive, 24:00 of the last
    day). In the works regime the procedure is suspended until the answer (条例 第二十二条)."""
    return due(regime, DOCUMENT_OBJECTION_ANSWER, start=raised_at, calendar=calendar)


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
            _order(
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
            _order(
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


def _window(
    policy: Policy,
    start_rule: Rule,
    duration_rule: Rule,
    *,
    trigger: dt.datetime,
    published_at: dt.datetime | None,
    calendar: HolidayCalendar,
) -> tuple[dt.datetime, dt.datetime]:
    latest_day = _last_day(policy, start_rule, trigger, calendar)
    first_day = local_date(published_at) if published_at is not None else latest_day
    last_day = calendar.last_day(
        first_day,
        int(duration_rule.number),
        working=duration_rule.working,
        roll_forward=policy.rolls_forward,
    )
    return end_of_day(latest_day), end_of_day(last_day)


def publicity_window(
    regime: Regime | str,
    *,
    report_at: dt.datetime,
    published_at: dt.datetime | None = None,
    calendar: HolidayCalendar | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """Candidate publicity (works, 条例 第五十四条): ``(latest_start, minimum_end)``.

    ``latest_start``: publish before this instant (24:00 of the 3rd day after the report).
    ``minimum_end``: the publicity may not end before this instant; counted from the day of
    ``published_at``, or, when not given yet, from the last day it may start.
    Government procurement has no candidate publicity: see ``result_announcement_window``.
    """
    policy = policy_for(regime)
    return _window(
        policy,
        policy.rule(CANDIDATE_PUBLICITY_START),
        policy.rule(CANDIDATE_PUBLICITY_DURATION),
        trigger=report_at,
        published_at=published_at,
        calendar=resolve_calendar(calendar),
    )


def result_announcement_window(
    regime: Regime | str,
    *,
    winner_determined_at: dt.datetime,
    published_at: dt.datetime | None = None,
    calendar: HolidayCalendar | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """Result announcement (government procurement, 令87 第六十九条): ``(latest_start,
    minimum_end)`` as in publicity_window, in working days."""
    policy = policy_for(regime)
    return _window(
        policy,
        policy.rule(RESULT_ANNOUNCEMENT_START),
        policy.rule(RESULT_ANNOUNCEMENT_DURATION),
        trigger=winner_determined_at,
        published_at=published_at,
        calendar=resolve_calendar(calendar),
    )


def contract_due(
    regime: Regime | str, *, award_notice_at: dt.datetime, calendar: HolidayCalendar | None = None
) -> dt.datetime:
    """The contract must be signed before this instant (24:00 of the 30th day, rolled forward)."""
    return due(regime, CONTRACT_SIGNING, start=award_notice_at, calendar=calendar)


@dataclass(frozen=True)
class RefundDue:
    """When bid security is due back to whom: an exclusive instant (24:00 of the last day), or
    None while the event the period counts from has not happened."""

    recipients: str  # "winner", "others" (the bidders that did not win)
    due: dt.datetime | None
    rule_code: str
    source: str


def bid_security_refund_due(
    regime: Regime | str,
    *,
    award_notice_at: dt.datetime | None,
    contract_signed_at: dt.datetime | None,
    calendar: HolidayCalendar | None = None,
) -> list[RefundDue]:
    """When the bid security is due back to the winner and to the other bidders.

    Works (条例 第五十七条): to both within 5 days of signing the contract. Government
    procurement (令87 第三十八条): to the bidders that did not win within 5 working days of the
    award notice, to the winner within 5 working days of signing the contract.
    """
    policy = policy_for(regime)
    starts = {"award_notice_at": award_notice_at, "contract_signed_at": contract_signed_at}
    others_rule = policy.rules.get(UNSUCCESSFUL_BID_SECURITY_REFUND) or policy.rule(
        BID_SECURITY_REFUND
    )
    refunds = []
    for recipients, rule in (("winner", policy.rule(BID_SECURITY_REFUND)), ("others", others_rule)):
        start = starts[rule.counted_from]
        refunds.append(
            RefundDue(
                recipients=recipients,
                due=None
                if start is None
                else due(policy.regime, rule.code, start=start, calendar=calendar),
                rule_code=rule.code,
                source=rule.source,
            )
        )
    return refunds


def rules_table(regimes: Iterable[Regime] = tuple(Regime)) -> list[tuple[Regime, Rule]]:
    """Every rule of every regime, in declaration order (for docs and an admin page)."""
    return [(regime, rule) for regime in regimes for rule in policy_for(regime)]
