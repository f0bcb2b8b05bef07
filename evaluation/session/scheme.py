"""The tender's scoring scheme (Tender.scoring_scheme, fixed in its documents) read for the
session: the criteria the experts score, and the price criterion the platform computes.

A criterion is {"name", "weight", "minimum", "maximum"} and may carry "code", "objective"
(客观分: every expert must give the same score) and "kind": "price" for the price criterion.
Drafts written before "kind" existed name their price criterion 价格, 报价 or 投标报价.
"""

from dataclasses import dataclass
from decimal import Decimal

from trading.models import EvaluationMethod, Tender

PRICE_KIND = "price"
PRICE_NAMES = {"价格", "报价", "投标报价", "价格分"}


@dataclass(frozen=True)
class ScoredCriterion:
    code: str
    name: str
    minimum: Decimal
    maximum: Decimal
    objective: bool


def _is_price(item: dict) -> bool:
    return item.get("kind") == PRICE_KIND or (
        "kind" not in item and str(item.get("name", "")).strip() in PRICE_NAMES
    )


def _items(tender: Tender) -> list[dict]:
    scheme = tender.scoring_scheme if isinstance(tender.scoring_scheme, dict) else {}
    return [item for item in scheme.get("criteria", []) if isinstance(item, dict)]


def scored_criteria(tender: Tender) -> list[ScoredCriterion]:
    """What each expert scores: every criterion but the price. None under the lowest evaluated
    price method (经评审的最低投标价法), which ranks by price alone."""
    if tender.evaluation_method != EvaluationMethod.COMPREHENSIVE_SCORING:
        return []
    return [
        ScoredCriterion(
            code=str(item.get("code") or f"c{position + 1}"),
            name=str(item.get("name", "")),
            minimum=Decimal(str(item.get("minimum", 0))),
            maximum=Decimal(str(item.get("maximum", item.get("weight", 0)))),
            objective=bool(item.get("objective", False)),
        )
        for position, item in enumerate(_items(tender))
        if not _is_price(item)
    ]


def price_points(tender: Tender) -> Decimal:
    """The full points of the price criterion (its maximum); 0 when the scheme has none."""
    for item in _items(tender):
        if _is_price(item):
            return Decimal(str(item.get("maximum", item.get("weight", 0))))
    return Decimal(0)


def price_parameters(tender: Tender) -> dict:
    scheme = tender.scoring_scheme if isinstance(tender.scoring_scheme, dict) else {}
    price = scheme.get("price")
    return price if isinstance(price, dict) else {}
