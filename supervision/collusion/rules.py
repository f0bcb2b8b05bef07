"""The collusion rules: a code (the alert's kind), the article it serves, a default severity and
a title for supervisors. The signs are those of 招标投标法实施条例 (条例):

第三十九条（一）投标人之间协商投标报价等投标文件的实质性内容 — bidders agree their prices;
第四十条（一）不同投标人的投标文件由同一单位或者个人编制 — prepared by the same entity or person;
第四十条（二）不同投标人委托同一单位或者个人办理投标事宜 — handled by the same entity or person;
第四十条（四）不同投标人的投标文件异常一致或者投标报价呈规律性差异 — abnormally identical bids, or
prices with a regular pattern.

Across tenders (the nightly run, over awarded tenders):
第三十九条（二）（三）投标人之间约定中标人；约定部分投标人放弃投标或者中标 — bidders agree
the winner, or that some of them give up winning;
第四十一条（五）（六）招标人明示或者暗示投标人为特定投标人中标提供方便；招标人与投标人为谋取特定
投标人中标而采取的其他串通行为 — the tenderee helps a particular bidder win.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Severities, as monitoring.models.AlertSeverity spells them (预警 / 黄牌 / 红牌).
NOTICE = "notice"
YELLOW = "yellow"
RED = "red"

ARTICLE_39_1 = "招标投标法实施条例 第三十九条（一）"
ARTICLE_40_1 = "招标投标法实施条例 第四十条（一）"
ARTICLE_40_2 = "招标投标法实施条例 第四十条（二）"
ARTICLE_40_4 = "招标投标法实施条例 第四十条（四）"
ARTICLE_39_2_3 = "招标投标法实施条例 第三十九条（二）（三）"
ARTICLE_41_5_6 = "招标投标法实施条例 第四十一条（五）（六）"


@dataclass(frozen=True)
class CollusionRule:
    code: str
    source: str
    severity: str
    title: Promise


SAME_UPLOAD_ADDRESS = "collusion.same_upload_address"
SAME_DECRYPTION_ADDRESS = "collusion.same_decryption_address"
SAME_DOWNLOAD_ADDRESS = "collusion.same_download_address"
SAME_DEVICE = "collusion.same_device"
IDENTICAL_FILE = "collusion.identical_file"
IDENTICAL_PRICE_SHEET = "collusion.identical_price_sheet"
IDENTICAL_PRICE = "collusion.identical_price"
ARITHMETIC_PRICES = "collusion.arithmetic_prices"
GEOMETRIC_PRICES = "collusion.geometric_prices"
PRICE_SCREENS = "collusion.price_screens"
TIGHT_SUBGROUP = "collusion.tight_subgroup"
SIMILAR_TEXT = "collusion.similar_text"
# Across tenders: the kinds the nightly run raises (supervision/collusion/across.py).
LOSING_TO_SAME_WINNER = "collusion.losing_to_same_winner"
REPEAT_WINNER = "collusion.repeat_winner"

RULES = {
    rule.code: rule
    for rule in (
        # A shared network (a trading centre's hall, one building's NAT) also gives one address.
        CollusionRule(
            SAME_UPLOAD_ADDRESS,
            ARTICLE_40_2,
            YELLOW,
            _("Bids of different bidders were uploaded from the same address"),
        ),
        CollusionRule(
            SAME_DECRYPTION_ADDRESS,
            ARTICLE_40_2,
            YELLOW,
            _("Bids of different bidders were decrypted from the same address"),
        ),
        CollusionRule(
            SAME_DOWNLOAD_ADDRESS,
            ARTICLE_40_2,
            NOTICE,
            _("Different bidders obtained the tender documents from the same address"),
        ),
        CollusionRule(
            SAME_DEVICE,
            ARTICLE_40_1,
            RED,
            _("Bids of different bidders were sealed or sent on the same machine"),
        ),
        CollusionRule(
            IDENTICAL_FILE,
            f"{ARTICLE_40_4}; {ARTICLE_40_1}",
            RED,
            _("Bids of different bidders contain an identical file"),
        ),
        CollusionRule(
            IDENTICAL_PRICE_SHEET,
            ARTICLE_40_4,
            RED,
            _("Different bidders declared identical price sheets"),
        ),
        CollusionRule(
            IDENTICAL_PRICE, ARTICLE_40_4, YELLOW, _("Different bidders bid the same total price")
        ),
        CollusionRule(
            ARITHMETIC_PRICES,
            ARTICLE_40_4,
            YELLOW,
            _("Bid prices in arithmetic progression (equal steps)"),
        ),
        CollusionRule(
            GEOMETRIC_PRICES,
            ARTICLE_40_4,
            YELLOW,
            _("Bid prices in geometric progression (equal ratios)"),
        ),
        CollusionRule(
            PRICE_SCREENS,
            ARTICLE_39_1,
            NOTICE,
            _("The tender's prices show the statistical signs of bid rigging"),
        ),
        CollusionRule(
            TIGHT_SUBGROUP,
            f"{ARTICLE_39_1}; {ARTICLE_40_4}",
            YELLOW,
            _("A few bids are packed far more tightly than the others"),
        ),
        CollusionRule(
            SIMILAR_TEXT,
            f"{ARTICLE_40_4}; {ARTICLE_40_1}",
            YELLOW,
            _("Technical documents of different bidders are highly similar"),
        ),
        # Cover bidding (陪标): a bidder that keeps losing to the same winner.
        CollusionRule(
            LOSING_TO_SAME_WINNER,
            ARTICLE_39_2_3,
            YELLOW,
            _("A bidder keeps losing to the same winner"),
        ),
        # Favouritism: one organisation wins most of a tenderee's tenders.
        CollusionRule(
            REPEAT_WINNER,
            ARTICLE_41_5_6,
            YELLOW,
            _("One organisation wins most of a tenderee's tenders"),
        ),
    )
}
