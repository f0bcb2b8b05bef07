"""The statistics as rows (the CSV export) and as JSON (the API): the same figures as the page."""

import csv
import io
from decimal import Decimal
from typing import Any

from supervision.statistics.selectors import Statistics


def _number(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def statistics_rows(found: Statistics) -> list[tuple[str, str, str, str]]:
    """(section, key, sub-key, value) rows, in the page's order."""
    rows: list[tuple[str, str, str, str]] = [
        ("generated_at", found.generated_at.isoformat(), "", ""),
        ("tenders", "total", "", str(found.tenders)),
    ]
    rows += [("tenders_by_state", item.key, "", str(item.count)) for item in found.by_state]
    rows += [("tenders_by_category", item.key, "", str(item.count)) for item in found.by_category]
    rows += [
        ("tenders_by_state_and_category", item.state, item.category, str(item.count))
        for item in found.by_state_and_category
    ]
    bidders = found.bidders
    rows += [
        ("bidders_per_tender", "tenders", "", str(bidders.tenders)),
        ("bidders_per_tender", "mean", "", _number(bidders.mean)),
        ("bidders_per_tender", "median", "", _number(bidders.median)),
    ]
    rows += [
        ("bidders_per_tender", "histogram", item.key, str(item.count)) for item in bidders.histogram
    ]
    ratio = found.award_ratio
    rows += [
        ("award_to_ceiling_percent", "awards", "", str(ratio.awards)),
        ("award_to_ceiling_percent", "mean", "", _number(ratio.mean_percent)),
        ("award_to_ceiling_percent", "median", "", _number(ratio.median_percent)),
    ]
    rows += [
        ("award_to_ceiling_percent", "histogram", item.key, str(item.count))
        for item in ratio.histogram
    ]
    rows += [
        ("award_to_ceiling_percent", "mean_by_category", item.key, str(item.mean_percent))
        for item in ratio.by_category
    ]
    for stage in found.on_time:
        rows += [
            ("on_time", stage.stage, "done", str(stage.done)),
            ("on_time", stage.stage, "on_time", str(stage.on_time)),
            ("on_time", stage.stage, "rate", _number(stage.rate)),
        ]
    rows += [
        ("failed_tenders", "openings", "", str(found.failed.openings)),
        ("failed_tenders", "failed", "", str(found.failed.failed)),
        ("failed_tenders", "rate", "", _number(found.failed.rate)),
    ]
    for rule in found.alerts:
        rows += [
            ("alerts_by_rule", rule.kind, "open", str(rule.open)),
            ("alerts_by_rule", rule.kind, "acknowledged", str(rule.acknowledged)),
            ("alerts_by_rule", rule.kind, "resolved", str(rule.resolved)),
            ("alerts_by_rule", rule.kind, "red", str(rule.red)),
            ("alerts_by_rule", rule.kind, "yellow", str(rule.yellow)),
        ]
    return rows


def statistics_csv(found: Statistics) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "sub_key", "value"])
    writer.writerows(statistics_rows(found))
    return out.getvalue()


def statistics_json(found: Statistics) -> dict[str, Any]:
    def tallies(items: list) -> dict[str, int]:
        return {item.key: item.count for item in items}

    return {
        "generated_at": found.generated_at.isoformat(),
        "tenders": found.tenders,
        "tenders_by_state": tallies(found.by_state),
        "tenders_by_category": tallies(found.by_category),
        "tenders_by_state_and_category": [
            {"state": item.state, "category": item.category, "count": item.count}
            for item in found.by_state_and_category
        ],
        "bidders_per_tender": {
            "tenders": found.bidders.tenders,
            "mean": _number(found.bidders.mean) or None,
            "median": _number(found.bidders.median) or None,
            "histogram": tallies(found.bidders.histogram),
        },
        "award_to_ceiling_percent": {
            "awards": found.award_ratio.awards,
            "mean": _number(found.award_ratio.mean_percent) or None,
            "median": _number(found.award_ratio.median_percent) or None,
            "histogram": tallies(found.award_ratio.histogram),
            "mean_by_category": {
                item.key: str(item.mean_percent) for item in found.award_ratio.by_category
            },
        },
        "on_time": [
            {
                "stage": stage.stage,
                "source": stage.source,
                "done": stage.done,
                "on_time": stage.on_time,
                "rate": _number(stage.rate) or None,
            }
            for stage in found.on_time
        ],
        "failed_tenders": {
            "openings": found.failed.openings,
            "failed": found.failed.failed,
            "rate": _number(found.failed.rate) or None,
        },
        "alerts_by_rule": [
            {
                "kind": rule.kind,
                "open": rule.open,
                "acknowledged": rule.acknowledged,
                "resolved": rule.resolved,
                "red": rule.red,
                "yellow": rule.yellow,
            }
            for rule in found.alerts
        ],
    }
