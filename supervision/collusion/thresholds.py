"""The numbers the collusion screens compare with, each a named setting with where it comes from.

None of them is a number of the law: the law names the signs (条例 第三十九条、第四十条), the
screening literature gives the orders of magnitude, and the platform's own history should
calibrate them. docs/supervision.md measures the false alarms they give on honest tenders.
"""

# -- Prices in progression (条例 第四十条（四）: 投标报价呈规律性差异) -------------------------
# Colluders step their prices by a round amount or ratio, so their steps are equal to the yuan
# (a ratio's terms rounded to the yuan stay within it too: the geometric tolerance is 1 yuan
# relative to the lowest price).
ARITHMETIC_TOLERANCE_FEN = 100
PROGRESSION_MINIMUM_TERMS = 3
# Among many bids some land in progression by chance: n²/2 pairs, each followed by a bid within
# the tolerance of the next term with probability ≈ n·2·tolerance/span (span: highest − lowest;
# the tolerance at least half the prices' common quantum, when all are round thousands).
# A progression is reported only when chance would give one as long in fewer than 1 tender in
# 100: three in step among 8 bids quoted to the yuan are reported, among 100 only four or more.
PROGRESSION_CHANCE_MAXIMUM = 0.01
# A progression of this many terms or more is red.
PROGRESSION_RED_TERMS = 4

# -- The statistical screens of a tender (variance and cover-bidding screens) -----------------
# Abrantes-Metz, Froeb, Geweke & Taylor (2006), "A variance screen for collusion", IJIO 24(3):
# prices vary less under collusion. Imhof (2019), "Detecting bid-rigging cartels with
# descriptive statistics", Journal of Competition Law & Economics 15(4), on the Ticino road
# cartel: under collusion the coefficient of variation is low (a few percent, clearly below
# its competitive value), the kurtosis high, the skewness negative (one low winning bid below
# tightly packed cover bids) and the relative distance RD = (p₂ − p₁)/σ(losing bids) above 1.
# Imhof, Karagök & Rutz (2018), "Screening for bid rigging — does it work?", JCLE 14(2), flag
# contracts where screens agree ("mutually reinforcing screens"). The last three move together
# (one low bid below the rest raises all three), so a tender is flagged when the variance screen
# (CV) holds and at least two of the other three agree with it.
CV_MAXIMUM = 0.03
KURTOSIS_MINIMUM = 1.0
SKEWNESS_MAXIMUM = -0.5
RD_MINIMUM = 1.0
ASYMMETRY_SIGNS_REQUIRED = 2
# On fewer bids kurtosis and RD rest on two or three values and flag honest tenders often.
TENDER_SCREEN_MINIMUM_BIDS = 5

# -- The same screens on subgroups of 3–4 bids (partial cartels) ------------------------------
# Wallimann, Imhof & Huber (2020), "A machine learning approach for flagging incomplete
# bid-rigging cartels" (arXiv:2004.05629), compute the screens on every subgroup of three or four
# bids of a tender: a cartel of a few firms among honest bidders shows in its own subgroup.
SUBGROUP_SIZES = (3, 4)
# A subgroup is flagged when its CV is at most this (the cartel order of magnitude above) …
SUBGROUP_CV_MAXIMUM = CV_MAXIMUM
# … and so much lower than the other bids' that chance would show one in fewer than 1 tender in
# 1000, counting every subgroup (Bonferroni over the subgroups of both sizes): the tightest of
# many subgroups is tight by construction, so an absolute threshold alone flags honest tenders.
SUBGROUP_ALPHA = 0.001
# The other bids estimate the honest dispersion: fewer than this say too little.
SUBGROUP_REFERENCE_MINIMUM = 3
# Every subgroup is enumerated while there are at most this many (n ≤ 16 for sizes 3 and 4);
# beyond, the windows of consecutive sorted prices, which hold the least-variance subgroup of
# each size (the m values of least variance are always consecutive in sorted order).
SUBGROUP_ENUMERATION_MAXIMUM = 3000

# -- Text similarity of technical documents (条例 第四十条（一）（四）) ------------------------
# Character n-grams: Chinese has no spaces, and 3-grams of characters are the usual shingle
# for near-duplicate detection of Chinese text.
SHINGLE_CHARACTERS = 3
MINHASH_BINS = 128
# 32 bands of 4 rows: pairs with Jaccard similarity J share a band with probability
# 1 − (1 − J⁴)³²: 0.99 at J = 0.6, 0.23 at J = 0.3 (the S-curve's middle is (1/32)^(1/4) ≈ 0.42).
LSH_BANDS = 32
LSH_ROWS = 4
# Honest technical bids of one tender share the tender's own wording (its requirements, its
# forms); copied ones share most of everything. Pairs at or above 0.6 are reported, red from 0.85.
TEXT_SIMILARITY_MINIMUM = 0.6
TEXT_SIMILARITY_RED = 0.85

# -- Across tenders: a bidder that keeps losing to the same winner (cover bidding, 陪标) -------
# OECD (2009), Guidelines for Fighting Bid Rigging in Public Procurement, "Checklist for
# detecting bid rigging", warning signs in the pattern of bids: "certain companies always
# submit bids but never win", "the same supplier is often the successful bidder"; a cover
# bidder (陪标) follows the designated winner from tender to tender (条例 第三十九条（二）（三）).
# A bidder's last LOSING_WINDOW losses (the most recent awards first) are read, and a winner of
# at least LOSING_TO_SAME_WINNER_MINIMUM of them is reported: half of the last ten.
LOSING_WINDOW = 10
LOSING_TO_SAME_WINNER_MINIMUM = 5

# -- Across tenders: one organisation winning most of a tenderee's tenders ---------------------
# Fazekas, Tóth & King (2016), "An objective corruption risk index using public procurement
# data", European Journal on Criminal Policy and Research 22(3): recurrent award to the same
# company by one buyer (the winner's share of the buyer's contracts) is a red flag of
# favouritism, validated against single bidding and firms' political ties; 条例 第四十一条
# (五)(六): the tenderee helping a particular bidder win. A tenderee's last TENDEREE_WINDOW
# awarded tenders are read; a winner of at least REPEAT_WINS_MINIMUM of them is reported, or,
# on a shorter history of at least REPEAT_SHARE_AWARDS_MINIMUM awards, of a share of at least
# REPEAT_SHARE_MINIMUM (4 of 4, 4 of 5).
TENDEREE_WINDOW = 10
REPEAT_WINS_MINIMUM = 5
REPEAT_SHARE_MINIMUM = 0.8
REPEAT_SHARE_AWARDS_MINIMUM = 4

# -- Chance, for both ----------------------------------------------------------------------------
# In tenders of two or three bidders a bidder loses to the same few by construction. A pattern is
# reported only when chance would give it in fewer than 1 case in 100 (as the progressions'
# bound), each tender's winner being any of its bidders with equal chance and, at most, the
# winner named having bid in every tender counted: P(wins ≥ k), the wins a sum of independent
# Bernoulli trials with p = 1/(bids − 1) for a loser's tender, 1/bids for a tenderee's.
ACROSS_CHANCE_MAXIMUM = 0.01
