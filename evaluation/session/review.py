"""The two reviews (资格审查, 符合性审查): every member's pass or fail of every bid on every
criterion, concluded by majority; the rejection grounds of 条例 第五十一条 and the tender's own;
the ceiling price checked by the platform; an abnormally low price explained in writing
before it can stand (令87 第六十条)."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from evaluation.errors import EvaluationRefused, NotOnPanel
from evaluation.models import (
    BidEvaluation,
    BidOutcome,
    EvaluationSession,
    ReviewStage,
    ReviewVerdict,
    SessionState,
)
from evaluation.refusals import refusals_logged
from evaluation.session.common import (
    bidder_of,
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
from monitoring.clock import database_now
from monitoring.services import Sealed, record_event
from monitoring.transitions import apply_transition
from trading.law.rejection_grounds import ABNORMALLY_LOW_PRICE_SOURCE, grounds_of

NEXT_STAGE = {
    SessionState.QUALIFICATION: "start_responsiveness",
    SessionState.RESPONSIVENESS: "start_scoring",
}
REASON_LENGTH = 2000


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    source: str


def criteria_of(session: EvaluationSession, stage: str) -> list[Criterion]:
    """The criteria the members judge at `stage`: the law's grounds (those the platform does not
    compute) and the tender's own (`scoring_scheme.review_criteria`: [{code, name, stage}])."""
    criteria = [
        Criterion(ground.code, str(ground.text), ground.source)
        for ground in grounds_of(stage)
        if not ground.computed
    ]
    for item in scheme_of(session).get("review_criteria", []):
        if isinstance(item, dict) and item.get("stage") == stage and item.get("code"):
            criteria.append(
                Criterion(str(item["code"]), str(item.get("name", item["code"])), _("tender"))
            )
    return criteria


def _standing(session: EvaluationSession) -> list[BidEvaluation]:
    return list(
        BidEvaluation.objects.filter(session=session)
        .exclude(outcome=BidOutcome.REJECTED)
        .order_by("code")
    )


@refusals_logged
@in_the_room
@transaction.atomic
def verdict_record(
    *,
    acting: Acting,
    tender_id: UUID,
    bid_id: UUID,
    criterion: str,
    passed: bool,
    reason: str = "",
) -> ReviewVerdict:
    """A member's pass or fail of one bid on one criterion of the current review; a fail needs
    its reason. Until the stage closes, a member may change its verdict."""
    session = locked_session(tender_id)
    seat = member_seat(acting, session)
    require_state(session, SessionState.QUALIFICATION, SessionState.RESPONSIVENESS)
    stage = ReviewStage(session.state)
    codes = {item.code for item in criteria_of(session, stage)}
    if criterion not in codes:
        raise EvaluationRefused(
            message=_("%(criterion)s is not a criterion of the %(stage)s")
            % {"criterion": criterion, "stage": stage.label},
            field="criterion",
        )
    if not any(str(item.bid_id) == str(bid_id) for item in _standing(session)):
        raise EvaluationRefused(
            message=_("bid %(bid)s is not under review in this session") % {"bid": bid_id},
            field="bid_id",
        )
    reason = reason.strip()
    if not passed and not reason:
        raise EvaluationRefused(message=_("a fail needs its reason"), field="reason")
    if len(reason) > REASON_LENGTH:
        raise EvaluationRefused(
            message=_("the reason is longer than %(length)s characters")
            % {"length": REASON_LENGTH},
            field="reason",
        )
    verdict, _created = ReviewVerdict.objects.update_or_create(
        seat=seat,
        bid_id=bid_id,
        stage=stage,
        criterion=criterion,
        defaults={
            "session": session,
            "passed": passed,
            "reason": reason,
            "recorded_at": database_now(),
        },
    )
    record_event(
        actor=member_actor(acting),
        action="evaluation.verdict_recorded",
        object_type="evaluation.evaluationsession",
        object_id=str(session.pk),
        payload={"stage": stage, "criterion": criterion, "passed": passed},
        sealed=sealed_for(session, seat=str(seat.pk), bid=str(bid_id), reason=reason),
    )
    return verdict


def abnormally_low(session: EvaluationSession, standing: list[BidEvaluation]) -> set[int]:
    """The bids whose price lies more than the configured share below the mean of the other
    standing bids (令87 第六十条 names no number: the tender's scheme or the setting does)."""
    share = Decimal(
        str(
            scheme_of(session).get("abnormally_low_share", settings.EVALUATION_ABNORMALLY_LOW_SHARE)
        )
    )
    found = set()
    for item in standing:
        others = [other.price_fen for other in standing if other.pk != item.pk]
        if len(others) < 2:
            continue
        mean = Decimal(sum(others)) / len(others)
        if Decimal(item.price_fen) < mean * (1 - share):
            found.add(item.pk)
    return found


@refusals_logged
@in_the_room
@transaction.atomic
def price_explanations_request(*, acting: Acting, tender_id: UUID) -> list[BidEvaluation]:
    """The leader asks the bidders of abnormally low prices for their written explanation."""
    session = locked_session(tender_id)
    leader_seat(acting, session)
    require_state(session, SessionState.RESPONSIVENESS)
    standing = _standing(session)
    low = abnormally_low(session, standing)
    now = database_now()
    asked = [
        item for item in standing if item.pk in low and item.price_explanation_requested_at is None
    ]
    for item in asked:
        item.price_explanation_requested_at = now
        item.save(update_fields=["price_explanation_requested_at"])
        record_event(
            actor=member_actor(acting),
            action="evaluation.price_explanation_requested",
            object_type="evaluation.bidevaluation",
            object_id=str(item.pk),
            payload={"code": item.code, "source": ABNORMALLY_LOW_PRICE_SOURCE},
            sealed=sealed_for(session, bid=str(item.bid_id)),
        )
    return asked


@refusals_logged
@transaction.atomic
def price_explanation_submit(*, acting: Acting, tender_id: UUID, explanation: str) -> None:
    """The bidder's written explanation of its price, asked for by the panel."""
    session = locked_session(tender_id)
    bidder = bidder_of(acting)
    item = (
        BidEvaluation.objects.select_for_update()
        .filter(session=session, bid__bidder=bidder)
        .first()
        if bidder is not None
        else None
    )
    if item is None or item.price_explanation_requested_at is None:
        raise NotOnPanel(message=_("the panel asked for no explanation of your price"))
    if item.price_explanation_accepted is not None:
        raise EvaluationRefused(
            "conflict", _("the panel has already decided on your explanation"), status=409
        )
    explanation = explanation.strip()
    if not explanation or len(explanation) > 20000:
        raise EvaluationRefused(
            message=_("the explanation must be 1 to 20000 characters"), field="explanation"
        )
    item.price_explanation = explanation
    item.save(update_fields=["price_explanation"])
    record_event(
        actor=acting.as_actor(),
        action="evaluation.price_explained",
        object_type="evaluation.bidevaluation",
        object_id=str(item.pk),
        payload={"characters": len(explanation)},
        sealed=Sealed(tender_id=str(session.tender_id), fields={}),
    )


@refusals_logged
@in_the_room
@transaction.atomic
def price_explanation_decide(
    *, acting: Acting, tender_id: UUID, bid_id: UUID, accepted: bool, reason: str
) -> BidEvaluation:
    """The panel's decision on an explanation, entered by its leader with the reason."""
    session = locked_session(tender_id)
    leader_seat(acting, session)
    require_state(session, SessionState.RESPONSIVENESS)
    item = BidEvaluation.objects.select_for_update().filter(session=session, bid_id=bid_id).first()
    if item is None or item.price_explanation_requested_at is None:
        raise EvaluationRefused(
            message=_("no explanation was asked of bid %(bid)s") % {"bid": bid_id},
            field="bid_id",
        )
    if not item.price_explanation and accepted:
        raise EvaluationRefused(
            message=_("the bidder has not explained its price: it cannot be accepted"),
            field="accepted",
        )
    if not reason.strip():
        raise EvaluationRefused(message=_("the decision needs its reason"), field="reason")
    item.price_explanation_accepted = accepted
    if not accepted:
        item.outcome = BidOutcome.REJECTED
        item.rejection_grounds = [
            *item.rejection_grounds,
            {
                "ground": "abnormally_low_price",
                "source": ABNORMALLY_LOW_PRICE_SOURCE,
                "stage": ReviewStage.RESPONSIVENESS,
                "reason": reason.strip(),
            },
        ]
    item.save(update_fields=["price_explanation_accepted", "outcome", "rejection_grounds"])
    record_event(
        actor=member_actor(acting),
        action="evaluation.price_explanation_decided",
        object_type="evaluation.bidevaluation",
        object_id=str(item.pk),
        payload={"code": item.code, "accepted": accepted},
        sealed=sealed_for(session, bid=str(bid_id), reason=reason.strip()),
    )
    return item


def _conclude(session: EvaluationSession, stage: str) -> dict[int, list[dict]]:
    """{bid evaluation pk: grounds it fails on} by majority of the counted members; refused
    while a verdict is missing."""
    seats = counted_seats(session)
    standing = _standing(session)
    criteria = criteria_of(session, stage)
    verdicts = ReviewVerdict.objects.filter(
        session=session, stage=stage, seat__in=seats, bid__in=[item.bid_id for item in standing]
    )
    expected = len(seats) * len(standing) * len(criteria)
    if verdicts.count() != expected:
        raise EvaluationRefused(
            "conflict",
            _("%(missing)s of %(expected)s verdicts are missing: every member judges every bid")
            % {"missing": expected - verdicts.count(), "expected": expected},
            status=409,
        )
    fails = Counter(
        (verdict.bid_id, verdict.criterion) for verdict in verdicts if not verdict.passed
    )
    reasons: dict[tuple, list[str]] = {}
    for verdict in verdicts:
        if not verdict.passed:
            reasons.setdefault((verdict.bid_id, verdict.criterion), []).append(verdict.reason)
    grounds: dict[int, list[dict]] = {}
    for item in standing:
        for criterion in criteria:
            if fails[(item.bid_id, criterion.code)] * 2 > len(seats):
                grounds.setdefault(item.pk, []).append(
                    {
                        "ground": criterion.code,
                        "source": criterion.source,
                        "stage": stage,
                        "reason": "；".join(reasons[(item.bid_id, criterion.code)]),
                    }
                )
        if (
            stage == ReviewStage.RESPONSIVENESS
            and item.price_fen > session.tender.ceiling_price_fen
        ):
            grounds.setdefault(item.pk, []).append(
                {
                    "ground": "price_within_ceiling",
                    "source": "招标投标法实施条例 第五十一条(五)",
                    "stage": stage,
                    "reason": _("the price %(price)s fen is above the ceiling %(ceiling)s fen")
                    % {"price": item.price_fen, "ceiling": session.tender.ceiling_price_fen},
                }
            )
    return grounds


@refusals_logged
@in_the_room
@transaction.atomic
def review_close(*, acting: Acting, tender_id: UUID) -> EvaluationSession:
    """The leader closes the current review: the majority's conclusions are applied and the
    session moves on (qualification → responsiveness → scoring)."""
    session = locked_session(tender_id)
    leader_seat(acting, session)
    require_state(session, SessionState.QUALIFICATION, SessionState.RESPONSIVENESS)
    stage = ReviewStage(session.state)
    grounds = _conclude(session, stage)
    standing = _standing(session)
    if stage == ReviewStage.RESPONSIVENESS:
        undecided = [
            item.code
            for item in standing
            if item.pk in abnormally_low(session, standing)
            and item.pk not in grounds
            and item.price_explanation_accepted is None
        ]
        if undecided:
            raise EvaluationRefused(
                "conflict",
                _(
                    "the price of %(codes)s is abnormally low: it stands only once the panel "
                    "has decided on the bidder's written explanation (%(source)s)"
                )
                % {"codes": ", ".join(undecided), "source": ABNORMALLY_LOW_PRICE_SOURCE},
                status=409,
            )
    for item in standing:
        if item.pk in grounds:
            item.outcome = BidOutcome.REJECTED
            item.rejection_grounds = [*item.rejection_grounds, *grounds[item.pk]]
        elif stage == ReviewStage.RESPONSIVENESS:
            item.outcome = BidOutcome.QUALIFIED
        item.save(update_fields=["outcome", "rejection_grounds"])
    return apply_transition(
        session,
        NEXT_STAGE[SessionState(session.state)],
        actor=member_actor(acting),
        action=f"evaluation.{stage}_closed",
        payload={"rejected": sorted(item.code for item in standing if item.pk in grounds)},
        sealed=sealed_for(session),
    )


@refusals_logged
@in_the_room
@transaction.atomic
def review_start(*, acting: Acting, tender_id: UUID) -> EvaluationSession:
    """The leader opens the qualification review."""
    session = locked_session(tender_id)
    leader_seat(acting, session)
    return apply_transition(
        session,
        "start_qualification",
        actor=member_actor(acting),
        action="evaluation.qualification_started",
        sealed=sealed_for(session),
    )
