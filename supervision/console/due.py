"""A tender's next legal due date (`next_due`), worked out from its state and its data with the
periods of trading/law: the bid deadline, the opening at the deadline, the decryption window,
the evaluation's window, the start of the candidate publicity within 3 days of the report,
its end, the award, the contract within 30 days of the award notice, the refund of bid
security, and any objection waiting for its answer.

It reads only the tender and the relations the console's list loads with it
(`console_tenders`: one query for every row), so it costs no query there; on a tender loaded
alone, the two objection dates cost one query each.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Min
from django.utils.translation import gettext as _

from bids.models import OpeningState
from evaluation.models import ReportState, SessionState
from monitoring.models import AlertSeverity
from trading.law.periods import bid_security_refund_due, due, publicity_window
from trading.law.regimes import policy_for
from trading.law.rules import (
    AWARD_DECISION,
    CANDIDATE_OBJECTION_ANSWER,
    CANDIDATE_PUBLICITY_DURATION,
    CANDIDATE_PUBLICITY_START,
    CONTRACT_SIGNING,
    DOCUMENT_OBJECTION_ANSWER,
    ISSUE_TO_DEADLINE,
    Policy,
)
from trading.models import CandidateObjection, DocumentObjection, ObjectionState, Tender
from trading.models import TenderState as State

# 招标投标法 第三十四条: the opening takes place at the bid deadline, in public.
OPENING_SOURCE = "招标投标法 第三十四条"
# 电子招标投标办法 第三十一条: a bid not decrypted in time is treated as revoked or withdrawn.
DECRYPTION_SOURCE = "电子招标投标办法 第三十一条"
# 招标投标法实施条例 第四十八条: the tenderee sets a reasonable evaluation time.
EVALUATION_SOURCE = "招标投标法实施条例 第四十八条"

# Annotations `console_tenders` puts on each tender: the earliest answer due of its
# unanswered objections (to the documents, to the evaluation result).
DOCUMENT_OBJECTION_DUE = "open_document_objection_due"
CANDIDATE_OBJECTION_DUE = "open_candidate_objection_due"

# The console colours a due date yellow this long before it, red once passed.
YELLOW_BEFORE = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Due:
    """What is due next on a tender, by when (an exclusive instant), under which source."""

    code: str
    label: str
    at: dt.datetime
    source: str

    def severity(self, now: dt.datetime) -> str:
        if now >= self.at:
            return AlertSeverity.RED
        if now >= self.at - YELLOW_BEFORE:
            return AlertSeverity.YELLOW
        return ""


def _related(instance: Any, name: str) -> Any:
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(instance, name, None) if instance is not None else None


def _source(policy: Policy, code: str) -> str:
    return policy.rule(code).source if policy.has(code) else ""


def _objection_due(tender: Tender, name: str) -> dt.datetime | None:
    if hasattr(tender, name):
        return getattr(tender, name)
    model = DocumentObjection if name == DOCUMENT_OBJECTION_DUE else CandidateObjection
    return model.objects.filter(tender=tender, state=ObjectionState.RAISED).aggregate(
        due=Min("answer_due")
    )["due"]


def next_due(tender: Tender) -> Due | None:
    """The earliest legal due date ahead of the tender in its state, or None (a draft, a
    suspended tender, one that has ended, or one waiting on nobody's period)."""
    policy = policy_for(tender.project.regime)
    found: list[Due] = []
    state = tender.state
    if state == State.PUBLISHED and tender.bid_deadline:
        found.append(
            Due(
                "bid_deadline",
                _("Bid deadline"),
                tender.bid_deadline,
                _source(policy, ISSUE_TO_DEADLINE),
            )
        )
        answer_due = _objection_due(tender, DOCUMENT_OBJECTION_DUE)
        if answer_due:
            found.append(
                Due(
                    "objection_answer",
                    _("Answer to an objection to the documents"),
                    answer_due,
                    _source(policy, DOCUMENT_OBJECTION_ANSWER),
                )
            )
    elif state == State.BIDDING_CLOSED and tender.bid_deadline:
        found.append(Due("opening", _("Opening"), tender.bid_deadline, OPENING_SOURCE))
    elif state == State.OPENING:
        found.extend(_opening_due(tender))
    elif state == State.EVALUATING:
        found.extend(_evaluation_due(tender, policy))
    elif state == State.PUBLICIZING:
        publicity = _related(tender, "candidate_publicity")
        if publicity is not None:
            found.append(
                Due(
                    "publicity_end",
                    _("Candidate publicity ends; the award may follow"),
                    publicity.ends_at,
                    _source(policy, CANDIDATE_PUBLICITY_DURATION),
                )
            )
        answer_due = _objection_due(tender, CANDIDATE_OBJECTION_DUE)
        if answer_due:
            found.append(
                Due(
                    "objection_answer",
                    _("Answer to an objection to the evaluation result"),
                    answer_due,
                    _source(policy, CANDIDATE_OBJECTION_ANSWER),
                )
            )
    elif state == State.AWARDED:
        award = _related(tender, "award_decision")
        if award is not None:
            found.append(
                Due(
                    "contract_signing",
                    _("Contract signed"),
                    award.contract_due,
                    _source(policy, CONTRACT_SIGNING),
                )
            )
    elif state == State.CONTRACTED:
        found.extend(_refund_due(tender))
    return min(found, key=lambda item: item.at) if found else None


def _opening_due(tender: Tender) -> list[Due]:
    session = _related(tender, "opening")
    opening_state = getattr(session, "state", OpeningState.SIGN_IN)
    if opening_state == OpeningState.DECRYPTING and session.decryption_ends_at:
        return [
            Due(
                "decryption_window",
                _("Decryption window ends"),
                session.decryption_ends_at,
                DECRYPTION_SOURCE,
            )
        ]
    if opening_state == OpeningState.READING and session.confirmation_ends_at:
        return [
            Due(
                "confirmations",
                _("Bidders confirm the opening record"),
                session.confirmation_ends_at,
                _("platform rule"),
            )
        ]
    if opening_state == OpeningState.SIGN_IN and tender.bid_deadline:
        return [Due("opening", _("Opening"), tender.bid_deadline, OPENING_SOURCE)]
    return []


def _evaluation_due(tender: Tender, policy: Policy) -> list[Due]:
    session = _related(tender, "evaluation")
    report = _related(session, "report")
    signed_at = getattr(report, "signed_at", None)
    if report is not None and report.state == ReportState.SIGNED and signed_at:
        if policy.has(CANDIDATE_PUBLICITY_START):
            latest_start, _end = publicity_window(policy.regime, report_at=signed_at)
            return [
                Due(
                    "publicity_start",
                    _("Candidate publicity starts"),
                    latest_start,
                    _source(policy, CANDIDATE_PUBLICITY_START),
                )
            ]
        if policy.has(AWARD_DECISION):
            return [
                Due(
                    "award_decision",
                    _("Award decided"),
                    due(policy.regime, AWARD_DECISION, start=signed_at),
                    _source(policy, AWARD_DECISION),
                )
            ]
    if session is not None and session.state != SessionState.REPORTED:
        return [
            Due(
                "evaluation_report",
                _("Evaluation reported"),
                session.ends_at,
                EVALUATION_SOURCE,
            )
        ]
    return []


def _refund_due(tender: Tender) -> list[Due]:
    if not tender.bid_security_fen:
        return []
    award = _related(tender, "award_decision")
    contract = _related(tender, "contract")
    refunds = bid_security_refund_due(
        tender.project.regime,
        award_notice_at=getattr(award, "award_notice_at", None),
        contract_signed_at=getattr(contract, "signed_at", None),
    )
    return [
        Due(
            "bid_security_refund",
            _("Bid security refunded to the winner")
            if refund.recipients == "winner"
            else _("Bid security refunded to the other bidders"),
            refund.due,
            refund.source,
        )
        for refund in refunds
        if refund.due is not None
    ]
