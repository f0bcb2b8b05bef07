"""The session as each caller may see it. A member sees the bids by code, the criteria of the
current stage, its own verdicts and scores and its flagged scores; the tenderee sees the
progress and never a score before the report (条例 第四十六条 keeps the panel secret too); a
bidder asked to explain its price sees that request. Anyone else: nothing exists. A member's
read passes the closed area's gate, which records it."""

from typing import Any
from uuid import UUID

from accounts.acting import Acting
from evaluation.errors import NotOnPanel
from evaluation.models import (
    BidEvaluation,
    EvaluationReport,
    EvaluationSession,
    PanelSeat,
    ReviewVerdict,
    Score,
    SeatState,
    SessionState,
)
from evaluation.room.access import room_enter
from evaluation.session.common import bidder_of
from evaluation.session.review import criteria_of
from evaluation.session.scheme import scored_criteria
from trading.selectors import user_manages_project

REVIEWS = (SessionState.QUALIFICATION, SessionState.RESPONSIVENESS)


def _session(tender_id: UUID | str) -> EvaluationSession:
    session = (
        EvaluationSession.objects.select_related("tender__project")
        .filter(tender_id=tender_id)
        .first()
    )
    if session is None:
        raise NotOnPanel(message=f"no evaluation session of tender {tender_id}")
    return session


def _common(session: EvaluationSession) -> dict[str, Any]:
    return {
        "tender": str(session.tender_id),
        "state": session.state,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
    }


def _report(session: EvaluationSession) -> dict[str, Any] | None:
    report = EvaluationReport.objects.filter(session=session).first()
    if report is None:
        return None
    return {
        "id": str(report.pk),
        "state": report.state,
        "document_sha256": report.document_sha256,
        "signatures": report.signatures.count(),
    }


def _member_view(session: EvaluationSession, seat: PanelSeat) -> dict[str, Any]:
    bids = list(BidEvaluation.objects.filter(session=session).order_by("code"))
    criteria: list[dict[str, Any]] = []
    if session.state in REVIEWS:
        criteria = [
            {"code": item.code, "name": item.name, "source": item.source}
            for item in criteria_of(session, session.state)
        ]
    elif session.state in (SessionState.SCORING, SessionState.CONSOLIDATION):
        criteria = [
            {
                "code": item.code,
                "name": item.name,
                "minimum": str(item.minimum),
                "maximum": str(item.maximum),
                "objective": item.objective,
            }
            for item in scored_criteria(session.tender)
        ]
    seats = PanelSeat.objects.filter(panel_id=session.panel_id, state=SeatState.CONFIRMED)
    # 双信封: no price is shown before the technical result is signed.
    prices_open = not session.tender.two_envelopes or session.technical_signed_at
    return {
        **_common(session),
        "seat": str(seat.pk),
        "leader": str(session.leader_id) if session.leader_id else None,
        "is_leader": session.leader_id == seat.pk,
        "members": [{"seat": str(item.pk), "kind": item.kind} for item in seats],
        "bids": [
            {
                "bid": str(item.bid_id),
                "code": item.code,
                "price_fen": item.price_fen if prices_open else None,
                "outcome": item.outcome,
                "rejection_grounds": item.rejection_grounds,
                "price_explanation_requested": item.price_explanation_requested_at is not None,
                "price_explanation": item.price_explanation,
                "total_score": None if item.total_score is None else str(item.total_score),
                "rank": item.rank,
            }
            for item in bids
        ],
        "criteria": criteria,
        "my_verdicts": [
            {
                "bid": str(verdict.bid_id),
                "stage": verdict.stage,
                "criterion": verdict.criterion,
                "passed": verdict.passed,
                "reason": verdict.reason,
            }
            for verdict in ReviewVerdict.objects.filter(seat=seat).order_by("recorded_at")
        ],
        "my_scores": [
            {
                "bid": str(score.bid_id),
                "criterion": score.criterion,
                "points": str(score.points),
                "flagged": score.flagged,
                "flag_reason": score.flag_reason,
            }
            for score in Score.objects.filter(seat=seat).order_by("bid_id", "criterion")
        ],
        "report": _report(session),
    }


def _progress_view(session: EvaluationSession) -> dict[str, Any]:
    bids = BidEvaluation.objects.filter(session=session)
    return {
        **_common(session),
        "bids": bids.count(),
        "rejected": bids.filter(outcome="rejected").count(),
        "report": _report(session),
    }


def session_seen(*, acting: Acting, tender_id: UUID | str) -> dict[str, Any]:
    session = _session(tender_id)
    seat = PanelSeat.objects.filter(
        panel_id=session.panel_id, user=acting.user, state=SeatState.CONFIRMED
    ).first()
    if seat is not None and session.state == SessionState.REPORTED:
        # The closed area is shut once the report is signed: a member sees only that.
        return {**_common(session), "seat": str(seat.pk), "report": _report(session)}
    if seat is not None:
        # A member reads the session inside the closed area only: the gate records the view.
        room_enter(acting=acting, tender_id=session.tender_id, what="session")
        return _member_view(session, seat)
    if user_manages_project(user=acting.user, project=session.tender.project):
        return _progress_view(session)
    bidder = bidder_of(acting)
    if bidder is not None:
        item = BidEvaluation.objects.filter(session=session, bid__bidder=bidder).first()
        if item is not None and item.price_explanation_requested_at is not None:
            return {
                **_common(session),
                "price_explanation_requested": True,
                "price_explanation": item.price_explanation,
                "price_explanation_accepted": item.price_explanation_accepted,
            }
    raise NotOnPanel(message=f"no evaluation session of tender {tender_id}")
