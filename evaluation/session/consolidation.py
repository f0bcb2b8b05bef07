"""Closing the scoring and consolidating (汇总): the price score computed from the tender's
scheme, every expert's scores checked, outliers and disagreements on objective criteria
flagged; each flagged score confirmed or changed with its reason (令87 第六十四条); then the
totals, the ranking and the report. The arithmetic is evaluation.scoring's; this module reads
and writes the rows."""

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.opening.price_envelopes import price_envelopes_open
from evaluation.errors import EvaluationRefused
from evaluation.models import BidEvaluation, BidOutcome, EvaluationSession, Score, SessionState
from evaluation.refusals import refusals_logged
from evaluation.report.services import report_generate
from evaluation.scoring.consolidation import Consolidation, consolidate
from evaluation.scoring.criteria import Criterion, CriterionKind, OutlierRule
from evaluation.scoring.evaluated_price import rank_by_evaluated_price
from evaluation.scoring.flags import FlagKind
from evaluation.scoring.prices import price_scores
from evaluation.scoring.schemes import PriceScheme
from evaluation.session.common import (
    counted_seats,
    in_the_room,
    leader_seat,
    locked_session,
    member_actor,
    member_seat,
    require_state,
    scheme_of,
    sealed_for,
)
from evaluation.session.scheme import price_parameters, price_points, scored_criteria
from evaluation.session.scores import points_of
from monitoring.clock import database_now
from monitoring.services import record_event
from monitoring.transitions import apply_transition

Key = tuple[str, str, str]  # (seat, bid, criterion)
SHOWN_PROBLEMS = 10  # a refusal names the first ten; the page lists each member's own


def _qualified(session: EvaluationSession) -> list[BidEvaluation]:
    return list(
        BidEvaluation.objects.filter(session=session, outcome=BidOutcome.QUALIFIED)
        .select_related("bid")
        .order_by("code")
    )


def _criteria(session: EvaluationSession) -> list[Criterion[str]]:
    return [
        Criterion(
            key=item.code,
            minimum=item.minimum,
            maximum=item.maximum,
            kind=CriterionKind.OBJECTIVE if item.objective else CriterionKind.SUBJECTIVE,
            name=item.name,
        )
        for item in scored_criteria(session.tender)
    ]


def _price_result(session: EvaluationSession, bids: list[BidEvaluation]) -> Any:
    tender = session.tender
    scheme = PriceScheme.from_mapping(price_parameters(tender), full_points=price_points(tender))
    total = sum((item.maximum for item in scored_criteria(tender)), price_points(tender))
    return price_scores(
        scheme,
        {str(item.bid_id): item.price_fen for item in bids},
        regime=tender.project.regime,
        category=tender.category,
        total_points=total,
    )


def _outlier_rule(session: EvaluationSession) -> OutlierRule:
    share = scheme_of(session).get("outlier_share", settings.EVALUATION_OUTLIER_SHARE)
    return OutlierRule(share=Decimal(str(share)))


def two_envelopes(session: EvaluationSession) -> bool:
    """双信封: the price envelope is opened only after the technical result is signed, and
    only for the bids that passed it."""
    return session.tender.two_envelopes


def _consolidation(
    session: EvaluationSession, bids: list[BidEvaluation], *, with_prices: bool = True
) -> tuple[Consolidation[str, str, str], Any]:
    """Run the arithmetic on the counted members' scores; refused while one is missing.
    Without prices (the technical result of two envelopes) every price score is 0."""
    seats = counted_seats(session)
    criteria = _criteria(session)
    scores: dict[str, dict[str, dict[str, Decimal]]] = {str(seat.pk): {} for seat in seats}
    # Plain tuples, not model instances: 36,000 scores load in a fraction of the time.
    rows = Score.objects.filter(
        session=session, seat__in=seats, bid__in=[item.bid_id for item in bids]
    ).values_list("seat_id", "bid_id", "criterion", "points")
    for seat_id, bid_id, criterion, points in rows.iterator(chunk_size=5000):
        scores[str(seat_id)].setdefault(str(bid_id), {})[criterion] = points
    expected = len(seats) * len(bids) * len(criteria)
    found = sum(len(by_criterion) for by_bid in scores.values() for by_criterion in by_bid.values())
    if found != expected:
        raise EvaluationRefused(
            "conflict",
            _("%(missing)s of %(expected)s scores are missing: every member scores every bid")
            % {"missing": expected - found, "expected": expected},
            status=409,
        )
    prices = _price_result(session, bids) if with_prices else None
    result = consolidate(
        criteria=criteria,
        scores=scores,
        price_scores={
            str(item.bid_id): prices.scores[str(item.bid_id)].score if prices else Decimal(0)
            for item in bids
        },
        prices={str(item.bid_id): item.price_fen for item in bids},
        sequence={str(item.bid_id): item.bid.sequence for item in bids},
        outlier=_outlier_rule(session),
    )
    return result, prices


def _flagged_keys(result: Consolidation[str, str, str]) -> dict[Key, str]:
    """(seat, bid, criterion) → the flag's kind, for every score a flag concerns."""
    keys: dict[Key, str] = {}
    for flag in result.flags:
        experts = [flag.expert] if flag.expert is not None else list(flag.scores)
        for expert in experts:
            keys[(str(expert), str(flag.bid), str(flag.criterion.key))] = flag.kind
    return keys


def _sign_technical_result(
    session: EvaluationSession, result: Consolidation[str, str, str], acting: Acting
) -> None:
    """Close the technical envelope: a bid below the scheme's technical pass mark is rejected
    (its price envelope stays closed), and the moment is recorded, after which the price
    envelopes of the others may be opened."""
    pass_mark = Decimal(str(scheme_of(session).get("technical_pass_mark", 0)))
    failing = []
    for entry in result.ranking:
        technical = sum(entry.criterion_means.values(), Decimal(0))
        if technical < pass_mark:
            item = BidEvaluation.objects.get(session=session, bid_id=UUID(str(entry.bid)))
            item.outcome = BidOutcome.REJECTED
            item.rejection_grounds = [
                *item.rejection_grounds,
                {
                    "ground": "technical_below_pass_mark",
                    "source": _("the tender documents"),
                    "stage": "technical",
                    "reason": _("technical score %(score)s is below the pass mark %(mark)s")
                    % {"score": technical, "mark": pass_mark},
                },
            ]
            item.save(update_fields=["outcome", "rejection_grounds"])
            failing.append(item.code)
    session.technical_signed_at = database_now()
    session.save(update_fields=["technical_signed_at"])
    price_envelopes_open(
        tender=session.tender,
        passed=set(
            BidEvaluation.objects.filter(session=session, outcome=BidOutcome.QUALIFIED).values_list(
                "bid_id", flat=True
            )
        ),
    )
    record_event(
        actor=member_actor(acting),
        action="evaluation.technical_result_signed",
        object_type="evaluation.evaluationsession",
        object_id=str(session.pk),
        payload={"below_pass_mark": sorted(failing)},
        sealed=sealed_for(session),
    )


@refusals_logged
@in_the_room
@transaction.atomic
def scoring_close(*, acting: Acting, tender_id: UUID) -> EvaluationSession:
    """The leader closes scoring once every score is in: outliers and disagreements on
    objective criteria are flagged for their members."""
    session = locked_session(tender_id)
    leader_seat(acting, session)
    require_state(session, SessionState.SCORING)
    bids = _qualified(session)
    flagged: dict[Key, str] = {}
    if _criteria(session) and bids:
        result, _prices = _consolidation(session, bids, with_prices=not two_envelopes(session))
        flagged = _flagged_keys(result)
        # One UPDATE for every flagged score, whatever their number.
        Score.objects.filter(
            pk__in=[
                pk
                for pk, seat_id, bid_id, criterion in Score.objects.filter(
                    session=session
                ).values_list("pk", "seat_id", "bid_id", "criterion")
                if (str(seat_id), str(bid_id), criterion) in flagged
            ]
        ).update(flagged=True)
        if two_envelopes(session):
            _sign_technical_result(session, result, acting)
    return apply_transition(
        session,
        "consolidate",
        actor=member_actor(acting),
        action="evaluation.scoring_closed",
        payload={"flagged_scores": len(flagged)},
        sealed=sealed_for(session),
    )


@refusals_logged
@in_the_room
@transaction.atomic
def score_revise(
    *,
    acting: Acting,
    tender_id: UUID,
    bid_id: UUID,
    criterion: str,
    reason: str,
    points: object = None,
) -> Score:
    """A member confirms (no points) or changes its flagged score, with the reason either way
    (令87 第六十四条: 评审因素的客观分不一致或评分畸高、畸低的, 应当复核并书面说明理由)."""
    session = locked_session(tender_id)
    seat = member_seat(acting, session)
    require_state(session, SessionState.CONSOLIDATION)
    score = (
        Score.objects.select_for_update()
        .filter(session=session, seat=seat, bid_id=bid_id, criterion=criterion)
        .first()
    )
    if score is None or not score.flagged:
        raise EvaluationRefused(
            message=_("this score is not flagged: only flagged scores are reviewed"),
            field="criterion",
        )
    if not reason.strip():
        raise EvaluationRefused(message=_("the review needs its reason"), field="reason")
    before = score.points
    if points is not None:
        value = points_of(points)
        ranges = {item.code: item for item in scored_criteria(session.tender)}
        if not ranges[criterion].minimum <= value <= ranges[criterion].maximum:
            raise EvaluationRefused(
                message=_("%(value)s is outside the range %(low)s to %(high)s")
                % {
                    "value": value,
                    "low": ranges[criterion].minimum,
                    "high": ranges[criterion].maximum,
                },
                field="points",
            )
        score.points = value
    score.flag_reason = reason.strip()[:2000]
    score.recorded_at = database_now()
    score.save(update_fields=["points", "flag_reason", "recorded_at"])
    record_event(
        actor=member_actor(acting),
        action="evaluation.score_reviewed",
        object_type="evaluation.evaluationsession",
        object_id=str(session.pk),
        payload={"criterion": criterion, "changed": score.points != before},
        sealed=sealed_for(
            session,
            seat=str(seat.pk),
            bid=str(bid_id),
            before=str(before),
            after=str(score.points),
            reason=score.flag_reason,
        ),
    )
    return score


def _unresolved(session: EvaluationSession, result: Consolidation[str, str, str]) -> list[str]:
    """What still stops consolidation: objective criteria on which the members disagree (they
    must agree), and outlying scores neither confirmed nor changed with a reason."""
    problems = []
    reasons = {
        (str(row.seat_id), str(row.bid_id), row.criterion): row.flag_reason
        for row in Score.objects.filter(session=session, flagged=True)
    }
    codes = dict(BidEvaluation.objects.filter(session=session).values_list("bid_id", "code"))
    for flag in result.flags:
        code = codes.get(UUID(str(flag.bid)), str(flag.bid))
        if flag.kind == FlagKind.OBJECTIVE_DISAGREEMENT:
            problems.append(
                _("%(code)s / %(criterion)s: the members disagree on an objective criterion")
                % {"code": code, "criterion": flag.criterion.label}
            )
        elif not reasons.get((str(flag.expert), str(flag.bid), str(flag.criterion.key))):
            problems.append(
                _("%(code)s / %(criterion)s: an outlying score awaits its member's review")
                % {"code": code, "criterion": flag.criterion.label}
            )
    return problems


def _working(score: Any) -> dict[str, Any]:
    return {
        "benchmark_fen": score.benchmark_fen,
        "deviation_percent": str(score.deviation_percent),
        "score": str(score.score),
        "method": str(score.scheme.method),
    }


@refusals_logged
@in_the_room
@transaction.atomic
def consolidation_close(*, acting: Acting, tender_id: UUID) -> EvaluationSession:
    """The leader closes consolidation: totals and ranks are written, the report generated,
    and the session moves to signing."""
    session = locked_session(tender_id)
    leader_seat(acting, session)
    require_state(session, SessionState.CONSOLIDATION)
    bids = _qualified(session)
    if not bids:
        raise EvaluationRefused(
            "conflict", _("no bid passed the review: there is nothing to rank"), status=409
        )
    by_bid = {str(item.bid_id): item for item in bids}
    if _criteria(session):
        result, prices = _consolidation(session, bids)
        problems = _unresolved(session, result)
        if problems:
            shown = "; ".join(problems[:SHOWN_PROBLEMS])
            if len(problems) > SHOWN_PROBLEMS:
                shown += _("; and %(count)s more") % {"count": len(problems) - SHOWN_PROBLEMS}
            raise EvaluationRefused("conflict", shown, status=409)
        for entry in result.ranking:
            item = by_bid[str(entry.bid)]
            item.price_score = entry.price_score
            item.price_working = _working(prices.scores[entry.bid])
            item.total_score = entry.total
            item.rank = entry.position
    else:
        for ranked in rank_by_evaluated_price(
            prices={bid: item.price_fen for bid, item in by_bid.items()},
            sequence={bid: item.bid.sequence for bid, item in by_bid.items()},
        ):
            item = by_bid[str(ranked.bid)]
            item.price_working = {"evaluated_fen": ranked.evaluated_fen}
            item.rank = ranked.position
    BidEvaluation.objects.bulk_update(bids, ["price_score", "price_working", "total_score", "rank"])
    session = apply_transition(
        session,
        "start_signing",
        actor=member_actor(acting),
        action="evaluation.consolidated",
        payload={"ranked": len(bids)},
        sealed=sealed_for(session),
    )
    report_generate(session, acting=acting)
    return session
