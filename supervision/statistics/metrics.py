"""The metrics endpoint for operations (/metrics): the statistics and the platform's own clocks
in the Prometheus text format (version 0.0.4), for operators (monitoring.operations: their
networks, or a bearer of the token).

To anyone else it answers 404, like a page that does not exist: a public probe learns nothing,
not even that metrics are served (/healthz is the public probe, and tells only up or down).
"""

from collections.abc import Iterable
from decimal import Decimal

from monitoring.clock import database_now
from monitoring.models import ChronographTick, EventChainHead
from supervision.statistics.selectors import Statistics


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items()) + "}"


def _family(
    name: str, help_text: str, samples: Iterable[tuple[dict[str, str], object]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{_labels(labels)} {value}" for labels, value in samples if value is not None]
    return lines


def metrics_text(found: Statistics) -> str:
    now = database_now()
    tick = ChronographTick.objects.filter(pk=1).first()
    head = EventChainHead.objects.filter(pk=1).first()
    lines: list[str] = []
    lines += _family(
        "platform_tenders",
        "Tenders by state and category.",
        (
            ({"state": item.state, "category": item.category}, item.count)
            for item in found.by_state_and_category
        ),
    )
    lines += _family(
        "platform_bidders_per_tender",
        "Bidders per tender whose opening has begun: mean and median.",
        [
            ({"statistic": "mean"}, found.bidders.mean),
            ({"statistic": "median"}, found.bidders.median),
        ],
    )
    lines += _family(
        "platform_opened_tenders",
        "Tenders whose opening has begun (the base of bidders per tender).",
        [({}, found.bidders.tenders)],
    )
    lines += _family(
        "platform_award_to_ceiling_ratio",
        "Award price over ceiling price: mean and median.",
        [
            ({"statistic": "mean"}, _ratio(found.award_ratio.mean_percent)),
            ({"statistic": "median"}, _ratio(found.award_ratio.median_percent)),
        ],
    )
    lines += _family(
        "platform_stage_done",
        "Acts done per stage with a legal period.",
        (({"stage": stage.stage}, stage.done) for stage in found.on_time),
    )
    lines += _family(
        "platform_stage_on_time_ratio",
        "Share of the acts of a stage done within their legal period.",
        (({"stage": stage.stage}, stage.rate) for stage in found.on_time),
    )
    lines += _family(
        "platform_failed_tender_ratio",
        "Share of finalised openings that failed (too few valid bids).",
        [({}, found.failed.rate)],
    )
    lines += _family(
        "platform_alerts",
        "Alerts by rule and state.",
        (
            ({"kind": rule.kind, "state": state}, count)
            for rule in found.alerts
            for state, count in (
                ("open", rule.open),
                ("acknowledged", rule.acknowledged),
                ("resolved", rule.resolved),
            )
        ),
    )
    lines += _family(
        "platform_chronograph_tick_age_seconds",
        "Seconds since the chronograph last ran.",
        [({}, round((now - tick.last_tick_at).total_seconds(), 3) if tick else None)],
    )
    lines += _family(
        "platform_event_chain_length",
        "Events in the tamper-evident log.",
        [({}, head.last_sequence if head else 0)],
    )
    return "\n".join(lines) + "\n"


def _ratio(percent: Decimal | None) -> str | None:
    return None if percent is None else f"{percent / 100:.4f}"
