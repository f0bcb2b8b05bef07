"""The platform's statistics for supervisors and operations: tenders by state and category,
bidders per tender, award price against ceiling price, on-time rate per stage, the failed-tender
rate, alerts by rule. A fixed number of queries (each figure one aggregate or one list of
values), whatever the number of tenders.

Nothing here counts what is still secret: bidders are counted only on tenders whose opening has
begun (办法 第二十一条: before the deadline nobody may learn how many bid).
"""

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from bids.models import Bid, BidState, OpeningOutcome, OpeningSession, OpeningState
from bids.opening.hall import REVEALED_STATES
from evaluation.models import EvaluationSession, SessionState
from monitoring.clock import database_now
from monitoring.models import Alert, AlertSeverity, AlertState
from supervision.rules.registry import configured_rules
from trading.law.periods import publicity_window
from trading.law.regimes import policy_for
from trading.law.rules import CANDIDATE_OBJECTION_ANSWER as CANDIDATE_ANSWER
from trading.law.rules import CANDIDATE_PUBLICITY_START, CONTRACT_SIGNING, Regime
from trading.law.rules import DOCUMENT_OBJECTION_ANSWER as DOCUMENT_ANSWER
from trading.models import (
    Award,
    CandidateObjection,
    CandidatePublicity,
    Category,
    Contract,
    DocumentObjection,
    ObjectionState,
    Tender,
    TenderState,
)

# A bid that counts at the opening: the bidder's last one, submitted (whatever became of it).
COUNTED_BIDS = [BidState.SUBMITTED, BidState.DECRYPTED, BidState.DECRYPT_FAILED]
BIDDER_BUCKETS = ["0", "1", "2", "3", "4", "5", "6–9", "10+"]
# Award price as a share of the ceiling price, in percent: [low, high) buckets.
RATIO_BUCKETS = [(0, 70), (70, 80), (80, 90), (90, 95), (95, 100), (100, 10**9)]


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class StateCategoryCount:
    state: str
    category: str
    count: int


@dataclass(frozen=True)
class BiddersPerTender:
    tenders: int  # tenders whose opening has begun
    mean: Decimal | None
    median: Decimal | None
    histogram: list[Tally]


@dataclass(frozen=True)
class CategoryPercent:
    key: str
    label: str
    awards: int
    mean_percent: Decimal


@dataclass(frozen=True)
class AwardRatio:
    awards: int
    mean_percent: Decimal | None
    median_percent: Decimal | None
    histogram: list[Tally]
    by_category: list[CategoryPercent]


@dataclass(frozen=True)
class StageRate:
    stage: str
    label: str
    source: str
    done: int
    on_time: int

    @property
    def rate(self) -> Decimal | None:
        if not self.done:
            return None
        return (Decimal(self.on_time) / self.done).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class FailedRate:
    openings: int  # openings with their record finalised
    failed: int

    @property
    def rate(self) -> Decimal | None:
        if not self.openings:
            return None
        return (Decimal(self.failed) / self.openings).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class RuleAlerts:
    kind: str
    title: str
    open: int
    acknowledged: int
    resolved: int
    red: int
    yellow: int

    @property
    def total(self) -> int:
        return self.open + self.acknowledged + self.resolved


@dataclass(frozen=True)
class Statistics:
    generated_at: dt.datetime
    tenders: int
    by_state: list[Tally]
    by_category: list[Tally]
    by_state_and_category: list[StateCategoryCount]
    bidders: BiddersPerTender
    award_ratio: AwardRatio
    on_time: list[StageRate]
    failed: FailedRate
    alerts: list[RuleAlerts]


def _tenders() -> tuple[list[Tally], list[Tally], list[StateCategoryCount]]:
    rows = list(Tender.objects.values("state", "category").annotate(count=Count("id")).order_by())
    states: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for row in rows:
        states[row["state"]] += row["count"]
        categories[row["category"]] += row["count"]
    return (
        [Tally(value, str(label), states[value]) for value, label in TenderState.choices],
        [Tally(value, str(label), categories[value]) for value, label in Category.choices],
        sorted(
            (StateCategoryCount(row["state"], row["category"], row["count"]) for row in rows),
            key=lambda item: (item.state, item.category),
        ),
    )


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(statistics.median(values)).quantize(Decimal("0.01")) if values else None


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None


def _bidders() -> BiddersPerTender:
    opened = Tender.objects.filter(state__in=REVEALED_STATES, opening__isnull=False)
    counts = dict(
        Bid.objects.filter(tender__in=opened, state__in=COUNTED_BIDS)
        .values("tender")
        .annotate(bidders=Count("bidder", distinct=True))
        .values_list("tender", "bidders")
    )
    total = opened.count()
    values = [Decimal(count) for count in counts.values()] + [Decimal(0)] * (total - len(counts))
    buckets: Counter[str] = Counter()
    for value in values:
        number = int(value)
        buckets[str(number) if number <= 5 else "6–9" if number < 10 else "10+"] += 1
    return BiddersPerTender(
        tenders=total,
        mean=_mean(values),
        median=_median(values),
        histogram=[Tally(bucket, bucket, buckets[bucket]) for bucket in BIDDER_BUCKETS],
    )


def _award_ratio() -> AwardRatio:
    rows = list(
        Award.objects.values_list("price_fen", "tender__ceiling_price_fen", "tender__category")
    )
    percents = [
        (Decimal(price) * 100 / Decimal(ceiling), category)
        for price, ceiling, category in rows
        if ceiling
    ]
    buckets: Counter[tuple[int, int]] = Counter()
    by_category: dict[str, list[Decimal]] = defaultdict(list)
    for percent, category in percents:
        by_category[category].append(percent)
        for low, high in RATIO_BUCKETS:
            if low <= percent < high:
                buckets[(low, high)] += 1
                break
    return AwardRatio(
        awards=len(percents),
        mean_percent=_mean([percent for percent, _category in percents]),
        median_percent=_median([percent for percent, _category in percents]),
        histogram=[
            Tally(
                f"{low}-{high}" if high < 10**9 else f"{low}+",
                f"{low}–{high}%" if high < 10**9 else f"≥{low}%",
                buckets[(low, high)],
            )
            for low, high in RATIO_BUCKETS
        ],
        by_category=[
            CategoryPercent(
                value, str(label), len(by_category[value]), _mean(by_category[value]) or Decimal(0)
            )
            for value, label in Category.choices
            if by_category[value]
        ],
    )


def _sources(code: str) -> str:
    return "; ".join(
        dict.fromkeys(
            policy_for(regime).rule(code).source
            for regime in Regime
            if policy_for(regime).has(code)
        )
    )


def _objection_rate(
    model: type[DocumentObjection] | type[CandidateObjection], stage: str, label: str, code: str
) -> StageRate:
    found = model.objects.filter(state=ObjectionState.ANSWERED).aggregate(
        done=Count("pk"), on_time=Count("pk", filter=Q(answered_at__lt=F("answer_due")))
    )
    return StageRate(stage, label, _sources(code), found["done"], found["on_time"])


def _on_time() -> list[StageRate]:
    publicities = list(
        CandidatePublicity.objects.filter(tender__project__regime=Regime.WORKS).values_list(
            "report_at", "published_at"
        )
    )
    publicity_on_time = sum(
        published_at < publicity_window(Regime.WORKS, report_at=report_at)[0]
        for report_at, published_at in publicities
    )
    contracts = Contract.objects.filter(tender__award_decision__isnull=False).aggregate(
        done=Count("pk"),
        on_time=Count("pk", filter=Q(signed_at__lt=F("tender__award_decision__contract_due"))),
    )
    sessions = EvaluationSession.objects.filter(state=SessionState.REPORTED).aggregate(
        done=Count("pk"), on_time=Count("pk", filter=Q(reported_at__lte=F("ends_at")))
    )
    return [
        StageRate(
            "publicity_start",
            _("Candidate publicity started in time"),
            _sources(CANDIDATE_PUBLICITY_START),
            len(publicities),
            publicity_on_time,
        ),
        _objection_rate(
            DocumentObjection,
            "document_objection_answer",
            _("Objections to the documents answered in time"),
            DOCUMENT_ANSWER,
        ),
        _objection_rate(
            CandidateObjection,
            "candidate_objection_answer",
            _("Objections to the result answered in time"),
            CANDIDATE_ANSWER,
        ),
        StageRate(
            "evaluation_report",
            _("Evaluations reported within their window"),
            "招标投标法实施条例 第四十八条",
            sessions["done"],
            sessions["on_time"],
        ),
        StageRate(
            "contract_signing",
            _("Contracts signed in time"),
            _sources(CONTRACT_SIGNING),
            contracts["done"],
            contracts["on_time"],
        ),
    ]


def _failed() -> FailedRate:
    found = OpeningSession.objects.filter(state=OpeningState.FINALISED).aggregate(
        openings=Count("pk"), failed=Count("pk", filter=Q(outcome=OpeningOutcome.FAILED))
    )
    return FailedRate(found["openings"], found["failed"])


def _alerts() -> list[RuleAlerts]:
    titles = {rule.code: str(rule.title) for rule in configured_rules()}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in (
        Alert.objects.values("kind", "severity", "state").annotate(count=Count("id")).order_by()
    ):
        counts[row["kind"]][row["state"]] += row["count"]
        counts[row["kind"]][row["severity"]] += row["count"]
    kinds = [*titles, *sorted(set(counts) - set(titles))]
    return [
        RuleAlerts(
            kind=kind,
            title=titles.get(kind, kind),
            open=counts[kind][AlertState.OPEN],
            acknowledged=counts[kind][AlertState.ACKNOWLEDGED],
            resolved=counts[kind][AlertState.RESOLVED],
            red=counts[kind][AlertSeverity.RED],
            yellow=counts[kind][AlertSeverity.YELLOW],
        )
        for kind in kinds
    ]


def platform_statistics() -> Statistics:
    by_state, by_category, both = _tenders()
    return Statistics(
        generated_at=database_now(),
        tenders=sum(item.count for item in by_state),
        by_state=by_state,
        by_category=by_category,
        by_state_and_category=both,
        bidders=_bidders(),
        award_ratio=_award_ratio(),
        on_time=_on_time(),
        failed=_failed(),
        alerts=_alerts(),
    )
