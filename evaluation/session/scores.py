"""Scoring (详细评审): each member scores each qualified bid on each criterion of the scheme
within its range. The price score is never typed: consolidation computes it."""

from decimal import Decimal, InvalidOperation
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from evaluation.errors import EvaluationRefused
from evaluation.models import BidEvaluation, BidOutcome, Score, SessionState
from evaluation.refusals import refusals_logged
from evaluation.session.common import (
    in_the_room,
    locked_session,
    member_actor,
    member_seat,
    require_state,
    sealed_for,
)
from evaluation.session.scheme import scored_criteria
from monitoring.clock import database_now
from monitoring.services import record_event

CENT = Decimal("0.01")


def points_of(value: object) -> Decimal:
    """Points as given (a number or a decimal string), to at most two decimals."""
    try:
        points = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise EvaluationRefused(
            message=_("%(value)s is not a number") % {"value": str(value)[:40]}, field="points"
        ) from None
    if not points.is_finite() or points != points.quantize(CENT):
        raise EvaluationRefused(
            message=_("points are a number with at most two decimals"), field="points"
        )
    return points


@refusals_logged
@in_the_room
@transaction.atomic
def score_record(
    *,
    acting: Acting,
    tender_id: UUID,
    bid_id: UUID,
    criterion: str,
    points: object,
    reason: str = "",
) -> Score:
    """A member's points for a qualified bid on a scored criterion; changeable until scoring
    closes."""
    session = locked_session(tender_id)
    seat = member_seat(acting, session)
    require_state(session, SessionState.SCORING)
    criteria = {item.code: item for item in scored_criteria(session.tender)}
    if criterion not in criteria:
        raise EvaluationRefused(
            message=_("%(criterion)s is not a scored criterion of this tender")
            % {"criterion": criterion},
            field="criterion",
        )
    item = BidEvaluation.objects.filter(session=session, bid_id=bid_id).first()
    if item is None:
        raise EvaluationRefused(
            message=_("bid %(bid)s is not in this session") % {"bid": bid_id}, field="bid_id"
        )
    if item.outcome != BidOutcome.QUALIFIED:
        raise EvaluationRefused(
            message=_("bid %(code)s was rejected in review: it is not scored")
            % {"code": item.code},
            field="bid_id",
        )
    value = points_of(points)
    scored = criteria[criterion]
    if not scored.minimum <= value <= scored.maximum:
        raise EvaluationRefused(
            message=_("%(name)s is scored from %(low)s to %(high)s; %(value)s is outside")
            % {
                "name": scored.name,
                "low": scored.minimum,
                "high": scored.maximum,
                "value": value,
            },
            field="points",
        )
    score, _created = Score.objects.update_or_create(
        seat=seat,
        bid_id=bid_id,
        criterion=criterion,
        defaults={
            "session": session,
            "points": value,
            "reason": reason.strip()[:2000],
            "recorded_at": database_now(),
        },
    )
    record_event(
        actor=member_actor(acting),
        action="evaluation.scored",
        object_type="evaluation.evaluationsession",
        object_id=str(session.pk),
        payload={"criterion": criterion, "code": item.code},
        sealed=sealed_for(session, seat=str(seat.pk), bid=str(bid_id), points=str(value)),
    )
    return score
