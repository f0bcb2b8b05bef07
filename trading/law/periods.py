"""When a legal period ends: `due` and the periods the services ask about (an amendment, an
objection, publicity, the result announcement, the contract, refunds of bid security).

Days are counted as working_days.py says: by Asia/Shanghai dates, the first day not counted, a
last day on a holiday or weekend moved to the next working day, a period ending at 24:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext

from trading.law.regimes import policy_for
from trading.law.rules import (
    AMENDMENT_NOTICE,
    BID_SECURITY_REFUND,
    CANDIDATE_PUBLICITY_DURATION,
    CANDIDATE_PUBLICITY_START,
    CONTRACT_SIGNING,
    DOCUMENT_OBJECTION_ANSWER,
    DOCUMENT_OBJECTION_CUTOFF,
    DOCUMENT_OBJECTION_WINDOW,
    RESULT_ANNOUNCEMENT_DURATION,
    RESULT_ANNOUNCEMENT_START,
    UNSUCCESSFUL_BID_SECURITY_REFUND,
    Policy,
    Regime,
    Rule,
    RuleNotApplicable,
)
from trading.law.working_days import (
    SHANGHAI,
    HolidayCalendar,
    end_of_day,
    local,
    local_date,
    resolve_calendar,
)


def period_last_day(
    policy: Policy, rule: Rule, start: dt.datetime, calendar: HolidayCalendar
) -> dt.date:
    """The last day of the period ``rule`` counted forwards from ``start``."""
    return calendar.last_day(
        local_date(start),
        int(rule.number),
        working=rule.working,
        roll_forward=policy.rolls_forward,
    )


def days_elapsed(
    rule: Rule, start: dt.datetime, end: dt.datetime, calendar: HolidayCalendar
) -> int:
    """Whole days (or working days) from ``start`` to ``end``, by Asia/Shanghai dates."""
    if rule.working:
        return calendar.working_days_between(local_date(start), local_date(end))
    return (local_date(end) - local_date(start)).days


def unit_words(rule: Rule) -> str:
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
    return end_of_day(period_last_day(policy, rule, start, resolve_calendar(calendar)))


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


def _window(
    policy: Policy,
    start_rule: Rule,
    duration_rule: Rule,
    *,
    trigger: dt.datetime,
    published_at: dt.datetime | None,
    calendar: HolidayCalendar,
) -> tuple[dt.datetime, dt.datetime]:
    latest_day = period_last_day(policy, start_rule, trigger, calendar)
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
