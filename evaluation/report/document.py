"""The evaluation report's document, generated from the data and never typed: the panel, the
opening record's digest, every bid with its outcome and grounds, each member's scores and the
consolidated ones, the ranking, the candidates (at most the law's number) and, once written,
the dissent. Its canonical JSON is what every member signs (条例 第五十三条)."""

import hashlib
from collections import defaultdict
from typing import Any

from evaluation.models import (
    BidEvaluation,
    BidOutcome,
    EvaluationSession,
    PanelSeat,
    Score,
    SeatState,
)
from monitoring.clock import database_now
from trading.law.regimes import policy_for
from trading.law.rules import CANDIDATES_MAXIMUM

REPORT_VERSION = 1
# Where the law sets no maximum (government procurement), the report still names at most three.
DEFAULT_CANDIDATES = 3


def candidates_allowed(regime: str) -> int:
    policy = policy_for(regime)
    if policy.has(CANDIDATES_MAXIMUM):
        return int(policy.rule(CANDIDATES_MAXIMUM).number)
    return DEFAULT_CANDIDATES


def _member(seat: PanelSeat) -> dict[str, Any]:
    return {
        "seat": str(seat.pk),
        "name": seat.user.full_name or seat.user.get_username(),
        "kind": seat.kind,
        "specialty": seat.specialty,
        "state": seat.state,
    }


def _bid(item: BidEvaluation) -> dict[str, Any]:
    return {
        "bid": str(item.bid_id),
        "code": item.code,
        "bidder": item.bid.bidder.name,
        "uscc": item.bid.bidder.uscc,
        "price_fen": item.price_fen,
        "outcome": item.outcome,
        "rejection_grounds": item.rejection_grounds,
        "price_explanation": item.price_explanation,
        "price_explanation_accepted": item.price_explanation_accepted,
        "price_score": None if item.price_score is None else str(item.price_score),
        "price_working": item.price_working,
        "total_score": None if item.total_score is None else str(item.total_score),
        "rank": item.rank,
    }


def report_document(session: EvaluationSession) -> dict[str, Any]:
    tender = session.tender
    seats = list(
        PanelSeat.objects.filter(panel_id=session.panel_id)
        .exclude(state=SeatState.DECLINED)
        .select_related("user")
        .order_by("user__username")
    )
    bids = list(
        BidEvaluation.objects.filter(session=session)
        .select_related("bid__bidder")
        .order_by("rank", "code")
    )
    scores: dict[str, list[dict[str, Any]]] = defaultdict(list)
    codes = {item.bid_id: item.code for item in bids}
    rows = (
        Score.objects.filter(session=session, seat__state=SeatState.CONFIRMED)
        .order_by("seat__user__username", "bid_id", "criterion")
        .values_list("seat_id", "bid_id", "criterion", "points", "flag_reason")
    )
    for seat_id, bid_id, criterion, points, flag_reason in rows.iterator(chunk_size=5000):
        scores[str(seat_id)].append(
            {
                "bid": codes[bid_id],
                "criterion": criterion,
                "points": str(points),
                "flag_reason": flag_reason,
            }
        )
    ranked = [item for item in bids if item.outcome == BidOutcome.QUALIFIED and item.rank]
    ranked.sort(key=lambda item: item.rank or 0)
    record = getattr(tender, "opening", None)
    return {
        "purpose": "evaluation report",
        "version": REPORT_VERSION,
        "tender": {
            "id": str(tender.pk),
            "title": tender.title,
            "project": tender.project.code,
            "regime": tender.project.regime,
            "evaluation_method": tender.evaluation_method,
            "ceiling_price_fen": tender.ceiling_price_fen,
        },
        "opening_record_sha256": hashlib.sha256(bytes(record.record_document)).hexdigest()
        if record is not None and record.record_document
        else "",
        "session": {
            "id": str(session.pk),
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "leader": str(session.leader_id) if session.leader_id else "",
        },
        "panel": [_member(seat) for seat in seats],
        "bids": [_bid(item) for item in bids],
        "scores": {seat: entries for seat, entries in scores.items()},
        "ranking": [item.code for item in ranked],
        "candidates": [
            {
                "rank": item.rank,
                "bid": str(item.bid_id),
                "uscc": item.bid.bidder.uscc,
                "name": item.bid.bidder.name,
                "price_fen": item.price_fen,
                "score": None if item.total_score is None else str(item.total_score),
            }
            for item in ranked[: candidates_allowed(tender.project.regime)]
        ],
        "generated_at": database_now().isoformat(),
    }
