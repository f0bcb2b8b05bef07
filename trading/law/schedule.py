"""The check of a tender's schedule against the law: publication, documents, clarifications, the
bid deadline, the decryption window. Every violation is returned, none raised."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext

from trading.law.periods import days_elapsed, period_last_day, unit_words
from trading.law.regimes import policy_for
from trading.law.rules import (
    AMENDMENT_NOTICE,
    DECRYPTION_WINDOW,
    DOCUMENTS_AVAILABLE,
    ISSUE_TO_DEADLINE,
    Policy,
    Regime,
    Rule,
    Violation,
    platform_violation,
)
from trading.law.working_days import HolidayCalendar, local, local_date, resolve_calendar


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
    actual = days_elapsed(rule, start, end, calendar)
    message = gettext(
        "%(field)s: must be at least %(number)s %(unit)s after %(what)s (%(source)s); "
        "it is %(actual)s %(unit)s"
    ) % {
        "field": field_name,
        "number": rule.number,
        "unit": unit_words(rule),
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
            platform_violation(
                "documents_from",
                gettext(
                    "documents_from: the documents cannot be issued before the notice is published"
                ),
            )
        )
    if documents_until < documents_from:
        violations.append(
            platform_violation(
                "documents_until",
                gettext(
                    "documents_until: the documents cannot stop being available "
                    "before they are issued"
                ),
            )
        )
    if documents_until > bid_deadline:
        violations.append(
            platform_violation(
                "documents_until",
                gettext(
                    "documents_until: the documents cannot stay available after the bid deadline"
                ),
            )
        )
    if clarification_cutoff >= bid_deadline:
        violations.append(
            platform_violation(
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
            last_day=period_last_day(policy, available, available_from, cal),
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
        last_day=period_last_day(policy, issue, documents_from, cal),
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
