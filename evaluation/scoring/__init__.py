"""The scoring mathematics of the closed evaluation: pure functions over plain values (no
models, no database), called by the evaluation services. docs/evaluation.md, "Scoring".

| module | what it holds |
|---|---|
| ``schemes`` | ``PriceScheme`` (lowest price or mean as benchmark), checked against the law |
| ``prices`` | ``price_scores``: each bid's price score with its working (计算过程) |
| ``criteria`` | ``Criterion`` (range, objective or subjective), ``OutlierRule`` |
| ``consolidation`` | ``consolidate``: totals, means, ranking and flags |
| ``flags`` | ``Flag``: objective disagreements and outliers (令87 第六十四条) |
| ``evaluated_price`` | ``rank_by_evaluated_price`` (经评审的最低投标价法) |
| ``ranking`` | ties: by the lower price, then the earlier submission sequence |
| ``numbers`` | rounding half up to 0.01, fen shown as yuan |

Money is whole fen (int); scores are Decimal with two places, rounded half up; every refusal is
a ``ScoringRefused`` (a ``config.errors.Refusal``) naming its field.
"""

from evaluation.scoring.consolidation import BidResult, Consolidation, consolidate
from evaluation.scoring.criteria import Criterion, CriterionKind, OutlierBasis, OutlierRule
from evaluation.scoring.errors import ScoringRefused
from evaluation.scoring.evaluated_price import Adjustment, EvaluatedPrice, rank_by_evaluated_price
from evaluation.scoring.flags import Flag, FlagKind
from evaluation.scoring.prices import PriceResult, PriceScore, price_scores
from evaluation.scoring.ranking import TieBreak
from evaluation.scoring.schemes import PriceMethod, PriceScheme

__all__ = [
    "Adjustment",
    "BidResult",
    "Consolidation",
    "Criterion",
    "CriterionKind",
    "EvaluatedPrice",
    "Flag",
    "FlagKind",
    "OutlierBasis",
    "OutlierRule",
    "PriceMethod",
    "PriceResult",
    "PriceScheme",
    "PriceScore",
    "ScoringRefused",
    "TieBreak",
    "consolidate",
    "price_scores",
    "rank_by_evaluated_price",
]
