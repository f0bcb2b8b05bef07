"""Timeliness rules: an act the law gives a period is yellow before it is due, red when overdue
(or done late). Each finder reads the periods of trading/law that no other app calls: the
publicity start (条例 第五十四条), the contract (法 第四十六条), the refund of bid security
(条例 第五十七条, 令87 第三十八条), the answer to an objection (条例 第二十二条, 第五十四条), and
the evaluation session's window (条例 第四十八条).

Each returns the breaches at `now`; a row already red for the rule is not read again.
"""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from evaluation.models import EvaluationReport, EvaluationSession, ReportState, SessionState
from monitoring.models import Alert, AlertSeverity, Event
from supervision.rules.common import iso, not_yet_red, shown
from supervision.rules.registry import AlertRule, Breach
from trading.law.periods import bid_security_refund_due, publicity_window
from trading.law.regimes import policy_for
from trading.law.rules import (
    CANDIDATE_OBJECTION_ANSWER,
    CANDIDATE_PUBLICITY_START,
    DOCUMENT_OBJECTION_ANSWER,
    Regime,
)
from trading.models import (
    Award,
    CandidateObjection,
    DocumentObjection,
    ObjectionState,
    Tender,
    TenderState,
)

# Where the platform learns that bid security went back: an event the tenderee's side records
# (payload "recipients": "winner" | "others"). No service records it yet (docs/supervision.md).
REFUND_ACTION = "bid_security.refunded"
TENDER = "trading.tender"


def publicity_start(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """Works: the candidate publicity must start within 3 days of the report (its signing)."""
    reports = (
        EvaluationReport.objects.filter(
            state=ReportState.SIGNED,
            signed_at__isnull=False,
            session__tender__project__regime=Regime.WORKS,
        )
        .filter(rule.published_in_range("session__tender__"))
        # Pending (no publicity yet) or possibly late (published at least 3 days after).
        .filter(
            Q(session__tender__state=TenderState.EVALUATING)
            | Q(
                session__tender__candidate_publicity__published_at__gte=F("signed_at")
                + dt.timedelta(days=3)
            )
        )
        .filter(not_yet_red(rule, TENDER, outer="session__tender_id"))
        .select_related(
            "session__tender", "session__tender__project", "session__tender__candidate_publicity"
        )
    )
    breaches = []
    for report in reports:
        tender = report.session.tender
        regime = tender.project.regime
        assert report.signed_at is not None
        latest_start, _end = publicity_window(regime, report_at=report.signed_at)
        publicity = getattr(tender, "candidate_publicity", None)
        source = policy_for(regime).rule(CANDIDATE_PUBLICITY_START).source
        facts = {
            "report_signed_at": iso(report.signed_at),
            "due": iso(latest_start),
        }
        if publicity is not None:
            if publicity.published_at < latest_start:
                continue
            severity = rule.severity
            message = _(
                "The candidate publicity of %(tender)s started at %(published)s, after "
                "%(due)s (%(source)s): the report was signed at %(report)s."
            )
            facts["published_at"] = iso(publicity.published_at)
        else:
            found = rule.severity_at(now=now, due=latest_start)
            if found is None:
                continue
            severity = found
            message = _(
                "The candidate publicity of %(tender)s must start before %(due)s "
                "(%(source)s): the report was signed at %(report)s and nothing is published."
            )
        breaches.append(
            Breach(
                key=f"{TENDER}:{tender.pk}",
                object_type=TENDER,
                object_id=str(tender.pk),
                tender_id=str(tender.pk),
                severity=severity,
                message=message
                % {
                    "tender": tender.title,
                    "due": shown(latest_start),
                    "source": source,
                    "report": shown(report.signed_at),
                    "published": shown(publicity.published_at if publicity else None),
                },
                source=source,
                facts=facts,
                objects=(
                    (TENDER, str(tender.pk)),
                    ("evaluation.evaluationreport", str(report.pk)),
                    ("evaluation.evaluationsession", str(report.session_id)),
                ),
            )
        )
    return breaches


def contract_signing(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """The contract must be signed within 30 days of the award notice (法 第四十六条)."""
    awards = (
        Award.objects.filter(rule.published_in_range("tender__"))
        .filter(
            Q(tender__state=TenderState.AWARDED, contract_due__lte=now + rule.yellow_before)
            | Q(tender__contract__signed_at__gte=F("contract_due"))
        )
        .filter(not_yet_red(rule, TENDER, outer="tender_id"))
        .select_related("tender", "tender__project", "tender__contract")
    )
    breaches = []
    for award in awards:
        tender = award.tender
        source = rule.source_for(tender.project.regime)
        contract = getattr(tender, "contract", None)
        facts = {
            "award_notice_at": iso(award.award_notice_at),
            "due": iso(award.contract_due),
        }
        objects = [(TENDER, str(tender.pk))]
        if contract is not None:
            if contract.signed_at < award.contract_due:
                continue
            severity = rule.severity
            message = _(
                "The contract of %(tender)s was signed at %(signed)s, after %(due)s "
                "(%(source)s): the award notice was issued at %(notice)s."
            )
            facts["signed_at"] = iso(contract.signed_at)
            objects.append(("trading.contract", str(contract.pk)))
        else:
            found = rule.severity_at(now=now, due=award.contract_due)
            if found is None:
                continue
            severity = found
            message = _(
                "The contract of %(tender)s must be signed before %(due)s (%(source)s): the "
                "award notice was issued at %(notice)s and no contract is registered."
            )
        breaches.append(
            Breach(
                key=f"{TENDER}:{tender.pk}",
                object_type=TENDER,
                object_id=str(tender.pk),
                tender_id=str(tender.pk),
                severity=severity,
                message=message
                % {
                    "tender": tender.title,
                    "signed": shown(contract.signed_at if contract else None),
                    "due": shown(award.contract_due),
                    "source": source,
                    "notice": shown(award.award_notice_at),
                },
                source=source,
                facts=facts,
                objects=tuple(objects),
            )
        )
    return breaches


def bid_security_refund(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """Bid security goes back within 5 days of the contract (works, 条例 第五十七条), or of the
    award notice to the bidders that did not win (令87 第三十八条)."""
    red_counts = Alert.objects.filter(
        kind=rule.code,
        object_type=TENDER,
        severity=AlertSeverity.RED,
    ).values("object_id")
    tenders = (
        Tender.objects.filter(
            bid_security_fen__gt=0,
            award_decision__isnull=False,
            state__in=[TenderState.AWARDED, TenderState.CONTRACTED, TenderState.ARCHIVED],
        )
        .filter(rule.published_in_range())
        .select_related("project", "award_decision", "contract")
    )
    # Both refunds already red: nothing left to find (two alerts per tender at most).
    settled = {
        row["object_id"]
        for row in red_counts.annotate(reds=Count("id")).filter(reds__gte=2).values("object_id")
    }
    rows = [tender for tender in tenders if str(tender.pk) not in settled]
    refunded = _refunds_recorded([str(tender.pk) for tender in rows])
    breaches = []
    for tender in rows:
        contract = getattr(tender, "contract", None)
        award = tender.award_decision
        for refund in bid_security_refund_due(
            tender.project.regime,
            award_notice_at=award.award_notice_at,
            contract_signed_at=contract.signed_at if contract else None,
        ):
            if refund.due is None:
                continue
            done_at = refunded.get((str(tender.pk), refund.recipients))
            if done_at is not None and done_at < refund.due:
                continue
            severity = rule.severity if done_at else rule.severity_at(now=now, due=refund.due)
            if severity is None:
                continue
            who = _("the winner") if refund.recipients == "winner" else _("the other bidders")
            message = (
                _(
                    "The bid security of %(tender)s went back to %(who)s at %(done)s, after "
                    "%(due)s (%(source)s)."
                )
                if done_at
                else _(
                    "The bid security of %(tender)s must go back to %(who)s before %(due)s "
                    "(%(source)s): no refund is recorded."
                )
            )
            breaches.append(
                Breach(
                    key=f"{TENDER}:{tender.pk}:{refund.recipients}",
                    object_type=TENDER,
                    object_id=str(tender.pk),
                    tender_id=str(tender.pk),
                    severity=severity,
                    message=message
                    % {
                        "tender": tender.title,
                        "who": who,
                        "done": shown(done_at),
                        "due": shown(refund.due),
                        "source": refund.source,
                    },
                    source=refund.source,
                    facts={
                        "recipients": refund.recipients,
                        "due": iso(refund.due),
                        "security_fen": tender.bid_security_fen,
                        "refunded_at": iso(done_at),
                    },
                    objects=((TENDER, str(tender.pk)),),
                )
            )
    return breaches


def _refunds_recorded(tender_ids: list[str]) -> dict[tuple[str, str], dt.datetime]:
    refunds: dict[tuple[str, str], dt.datetime] = {}
    for object_id, payload, occurred_at in Event.objects.filter(
        action=REFUND_ACTION, object_type=TENDER, object_id__in=tender_ids
    ).values_list("object_id", "payload", "occurred_at"):
        recipients = payload.get("recipients") if isinstance(payload, dict) else None
        if isinstance(recipients, str):
            # The moment the tenderee says the money went back (trading.bid_security), never
            # later than when it said so.
            claimed = payload.get("refunded_at")
            moment = (
                min(dt.datetime.fromisoformat(claimed), occurred_at) if claimed else occurred_at
            )
            refunds.setdefault((object_id, recipients), moment)
    return refunds


def objection_answer(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """An objection to the tender documents is answered within 3 days (条例 第二十二条), one to
    the evaluation result within 3 days (条例 第五十四条); government procurement 7 working
    days (政府采购法 第五十三条). The author is not named: before the deadline it is secret."""
    breaches: list[Breach] = []
    kinds: Iterable[tuple[type[DocumentObjection] | type[CandidateObjection], str, str]] = (
        (DocumentObjection, "trading.documentobjection", DOCUMENT_OBJECTION_ANSWER),
        (CandidateObjection, "trading.candidateobjection", CANDIDATE_OBJECTION_ANSWER),
    )
    for model, object_type, law_rule in kinds:
        objections = (
            model.objects.filter(rule.published_in_range("tender__"))
            .filter(
                Q(state=ObjectionState.RAISED, answer_due__lte=now + rule.yellow_before)
                | Q(state=ObjectionState.ANSWERED, answered_at__gte=F("answer_due"))
            )
            .filter(not_yet_red(rule, object_type))
            .select_related("tender", "tender__project")
        )
        for objection in objections:
            tender = objection.tender
            policy = policy_for(tender.project.regime)
            source = policy.rule(law_rule).source if policy.has(law_rule) else rule.source
            if objection.state == ObjectionState.ANSWERED:
                severity: str | None = rule.severity
                message = _(
                    "An objection on %(tender)s raised at %(raised)s was answered at "
                    "%(answered)s, after %(due)s (%(source)s)."
                )
            else:
                severity = rule.severity_at(now=now, due=objection.answer_due)
                message = _(
                    "An objection on %(tender)s raised at %(raised)s must be answered before "
                    "%(due)s (%(source)s): it is not answered."
                )
            if severity is None:
                continue
            breaches.append(
                Breach(
                    key=f"{object_type}:{objection.pk}",
                    object_type=object_type,
                    object_id=str(objection.pk),
                    tender_id=str(tender.pk),
                    severity=severity,
                    message=message
                    % {
                        "tender": tender.title,
                        "raised": shown(objection.raised_at),
                        "answered": shown(objection.answered_at),
                        "due": shown(objection.answer_due),
                        "source": source,
                    },
                    source=source,
                    facts={
                        "raised_at": iso(objection.raised_at),
                        "due": iso(objection.answer_due),
                        "answered_at": iso(objection.answered_at),
                    },
                    objects=((object_type, str(objection.pk)), (TENDER, str(tender.pk))),
                )
            )
    return breaches


def evaluation_overtime(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """The session must report within its window (the evaluation time, 条例 第四十八条)."""
    object_type = "evaluation.evaluationsession"
    sessions = (
        EvaluationSession.objects.filter(rule.published_in_range("tender__"))
        .exclude(
            tender__state__in=[TenderState.CANCELLED, TenderState.FAILED, TenderState.ARCHIVED]
        )
        .filter(
            (~Q(state=SessionState.REPORTED) & Q(ends_at__lte=now + rule.yellow_before))
            | Q(state=SessionState.REPORTED, reported_at__gt=F("ends_at"))
        )
        .filter(not_yet_red(rule, object_type))
        .select_related("tender", "tender__project")
    )
    breaches = []
    for session in sessions:
        source = rule.source_for(session.tender.project.regime)
        if session.state == SessionState.REPORTED:
            severity: str | None = rule.severity
            message = _(
                "The evaluation of %(tender)s reported at %(reported)s, after its window ended "
                "at %(due)s (%(source)s)."
            )
        else:
            severity = rule.severity_at(now=now, due=session.ends_at)
            message = _(
                "The evaluation of %(tender)s must report before %(due)s (%(source)s): it is "
                "at %(state)s."
            )
        if severity is None:
            continue
        breaches.append(
            Breach(
                key=f"{object_type}:{session.pk}",
                object_type=object_type,
                object_id=str(session.pk),
                tender_id=str(session.tender_id),
                severity=severity,
                message=message
                % {
                    "tender": session.tender.title,
                    "reported": shown(session.reported_at),
                    "due": shown(session.ends_at),
                    "source": source,
                    "state": SessionState(session.state).label,
                },
                source=source,
                facts={
                    "state": session.state,
                    "due": iso(session.ends_at),
                    "reported_at": iso(session.reported_at),
                },
                objects=((object_type, str(session.pk)), (TENDER, str(session.tender_id))),
            )
        )
    return breaches
