"""The grounds on which the panel rejects a bid (否决投标), as data: the seven of 招标投标法实施条例
第五十一条, each with the review stage that examines it. A tender adds its own criteria in its
scoring scheme; a price above the ceiling is found by the platform, never typed (第五十一条(五))."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

QUALIFICATION = "qualification"
RESPONSIVENESS = "responsiveness"
SOURCE = "招标投标法实施条例 第五十一条"


@dataclass(frozen=True)
class RejectionGround:
    code: str
    stage: str
    text: Promise
    source: str
    # Judged by the platform from the data, not by the experts' votes.
    computed: bool = False


REJECTION_GROUNDS = (
    RejectionGround(
        "signed_and_sealed",
        QUALIFICATION,
        _("The bid carries the bidder's seal and its representative's signature"),
        f"{SOURCE}(一)",
    ),
    RejectionGround(
        "consortium_agreement",
        QUALIFICATION,
        _("A consortium bid carries the consortium agreement"),
        f"{SOURCE}(二)",
    ),
    RejectionGround(
        "bidder_qualified",
        QUALIFICATION,
        _("The bidder meets the qualifications the tender documents require"),
        f"{SOURCE}(三)",
    ),
    RejectionGround(
        "single_bid_and_price",
        RESPONSIVENESS,
        _("One bid with one price (alternatives only where the tender documents ask for them)"),
        f"{SOURCE}(四)",
    ),
    RejectionGround(
        "price_within_ceiling",
        RESPONSIVENESS,
        _("The bid price is not above the ceiling price"),
        f"{SOURCE}(五)",
        computed=True,
    ),
    RejectionGround(
        "price_not_below_cost",
        RESPONSIVENESS,
        _("The bid price is not below the bidder's cost"),
        f"{SOURCE}(五)",
    ),
    RejectionGround(
        "substantive_response",
        RESPONSIVENESS,
        _("The bid responds to the substantive requirements and conditions of the tender"),
        f"{SOURCE}(六)",
    ),
    RejectionGround(
        "no_collusion_or_fraud",
        RESPONSIVENESS,
        _("No collusion, fraud, bribery or other unlawful conduct"),
        f"{SOURCE}(七)",
    ),
)

# 政府采购货物和服务招标投标管理办法 (财政部令第87号) 第六十条: a price abnormally below the others
# may stand only with the bidder's written explanation, and is rejected without it.
ABNORMALLY_LOW_PRICE_SOURCE = "政府采购货物和服务招标投标管理办法 第六十条"


def grounds_of(stage: str) -> tuple[RejectionGround, ...]:
    return tuple(ground for ground in REJECTION_GROUNDS if ground.stage == stage)
