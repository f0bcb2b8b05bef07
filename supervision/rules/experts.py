"""Expert rules, across tenders: an expert whose scores stand consistently far from the rest of
its panels, and an expert who keeps sitting on one tenderee's panels. One alert per expert
(and tenderee); the evidence lists the sessions or panels behind it.

Only revealed panels are read: who sits on a panel is secret until the result (条例 第四十六条),
and an alert's event is read by more than supervisors."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, F, Sum, Window
from django.utils.translation import gettext as _

from evaluation.models import (
    EvaluationSession,
    PanelSeat,
    PanelState,
    Score,
    SeatKind,
    SeatState,
)
from monitoring.models import Alert
from supervision.rules.registry import AlertRule, Breach

EXPERT = "evaluation.expert"


def criterion_maxima(scheme: object) -> dict[str, Decimal]:
    """The maximum of each criterion of a scoring scheme, under its code (given, or c1, c2 …
    by position, as the evaluation numbers them) and under its name."""
    criteria = scheme.get("criteria", []) if isinstance(scheme, dict) else []
    maxima: dict[str, Decimal] = {}
    for position, item in enumerate(criteria):
        if not isinstance(item, dict):
            continue
        try:
            maximum = Decimal(str(item.get("maximum", item.get("weight", 0))))
        except ArithmeticError:
            continue
        if maximum <= 0:
            continue
        for key in (item.get("code") or f"c{position + 1}", item.get("name")):
            if key:
                maxima.setdefault(str(key), maximum)
    return maxima


def expert_score_deviation(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """How far each expert's points stand from the mean of the other members' points on the
    same bid and criterion, as a share of the criterion's maximum, averaged per session."""
    share = Decimal(str(rule.number("deviation_share")))
    cell = [F("session_id"), F("bid_id"), F("criterion")]
    rows = (
        Score.objects.filter(
            seat__state=SeatState.CONFIRMED, session__panel__state=PanelState.REVEALED
        )
        .filter(rule.published_in_range("session__tender__"))
        .annotate(
            cell_sum=Window(Sum("points"), partition_by=cell),
            cell_count=Window(Count("id"), partition_by=cell),
        )
        .values_list(
            "seat__expert_id", "session_id", "criterion", "points", "cell_sum", "cell_count"
        )
    )
    deviations: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    cells: dict[tuple[str, str], list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    for expert, session, criterion, points, cell_sum, cell_count in rows.iterator():
        if expert is None or cell_count < 2:
            continue  # a representative's points count in the mean, not as an expert's
        others_mean = (cell_sum - points) / (cell_count - 1)
        cells[(str(expert), str(session))].append((criterion, points, others_mean))
    if not cells:
        return []
    sessions = {
        str(session): (str(tender), criterion_maxima(scheme))
        for session, tender, scheme in EvaluationSession.objects.filter(
            pk__in={session for _expert, session in cells}
        ).values_list("pk", "tender_id", "tender__scoring_scheme")
    }
    for (expert_id, session_id), scored in cells.items():
        maxima = sessions[session_id][1]
        for criterion, points, others_mean in scored:
            maximum = maxima.get(criterion) or max(points, others_mean, Decimal(1))
            deviations[(expert_id, session_id)].append(abs(points - others_mean) / maximum)
    by_expert: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for (expert_id, session_id), values in deviations.items():
        by_expert[expert_id].append((session_id, sum(values, Decimal(0)) / len(values)))
    alerted = set(
        Alert.objects.filter(kind=rule.code, object_type=EXPERT).values_list("object_id", flat=True)
    )
    breaches = []
    for expert_id, per_session in sorted(by_expert.items()):
        far = [(session, value) for session, value in per_session if value >= share]
        if expert_id in alerted or len(far) < rule.number("minimum_sessions"):
            continue
        if Decimal(len(far)) / len(per_session) < Decimal(str(rule.number("consistent_share"))):
            continue
        far.sort(key=lambda item: sessions[item[0]][0])
        breaches.append(
            Breach(
                key=f"{EXPERT}:{expert_id}",
                object_type=EXPERT,
                object_id=expert_id,
                tender_id="",
                severity=rule.severity,
                message=_(
                    "An expert's scores stood far from the rest of the panel in %(far)d of its "
                    "%(sessions)d evaluations (on average %(share)s%% or more of a criterion's "
                    "maximum; %(source)s)."
                )
                % {
                    "far": len(far),
                    "sessions": len(per_session),
                    "share": f"{share * 100:.0f}",
                    "source": rule.source,
                },
                source=rule.source,
                facts={
                    "sessions": [
                        {
                            "session": session,
                            "tender": sessions[session][0],
                            "mean_deviation_share": f"{value:.4f}",
                        }
                        for session, value in far
                    ],
                    "evaluations": len(per_session),
                    "deviation_share": str(share),
                },
                objects=(
                    (EXPERT, expert_id),
                    *(("evaluation.evaluationsession", session) for session, _value in far),
                ),
            )
        )
    return breaches


def expert_repeat_tenderee(rule: AlertRule, now: dt.datetime) -> list[Breach]:
    """The same expert confirmed on `minimum_panels` panels of one tenderee within
    `window_days` (by when each panel was requested): random draws rarely do that."""
    since = now - dt.timedelta(days=rule.number("window_days"))
    pairs = (
        PanelSeat.objects.filter(
            kind=SeatKind.EXPERT,
            expert__isnull=False,
            state__in=[SeatState.CONFIRMED, SeatState.RECUSED],
            panel__requested_at__gte=since,
            panel__state=PanelState.REVEALED,
        )
        .filter(rule.published_in_range("panel__tender__"))
        .values("expert_id", "panel__tender__project__tenderee_id")
        .annotate(
            panels=Count("panel_id", distinct=True),
            tenders=ArrayAgg("panel__tender_id", distinct=True, order_by="panel__tender_id"),
            tenderee_name=ArrayAgg("panel__tender__project__tenderee__name", distinct=True),
        )
        .filter(panels__gte=rule.number("minimum_panels"))
        .order_by("expert_id", "panel__tender__project__tenderee_id")
    )
    alerted = set(
        Alert.objects.filter(kind=rule.code, object_type=EXPERT).values_list(
            "breach_key", flat=True
        )
    )
    breaches = []
    for pair in pairs:
        expert_id, tenderee_id = (
            str(pair["expert_id"]),
            str(pair["panel__tender__project__tenderee_id"]),
        )
        key = f"{EXPERT}:{expert_id}:tenderee:{tenderee_id}"
        if key in alerted:
            continue
        tenders = [str(tender) for tender in pair["tenders"]]
        breaches.append(
            Breach(
                key=key,
                object_type=EXPERT,
                object_id=expert_id,
                tender_id="",
                severity=rule.severity,
                message=_(
                    "One expert sat on %(panels)d panels of %(tenderee)s within %(days)d days "
                    "(experts are drawn at random: %(source)s)."
                )
                % {
                    "panels": pair["panels"],
                    "tenderee": pair["tenderee_name"][0],
                    "days": rule.number("window_days"),
                    "source": rule.source,
                },
                source=rule.source,
                facts={
                    "tenderee": tenderee_id,
                    "panels": pair["panels"],
                    "tenders": tenders,
                    "window_days": rule.number("window_days"),
                },
                objects=(
                    (EXPERT, expert_id),
                    ("accounts.organisation", tenderee_id),
                    *(("trading.tender", tender) for tender in tenders),
                ),
            )
        )
    return breaches
