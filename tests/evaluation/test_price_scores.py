"""The price score against tables computed by hand (each figure worked out on paper or with bc,
never with the code under test). Prices are in fen; the tables show yuan for reading."""

from decimal import Decimal
from fractions import Fraction

import pytest

from evaluation.scoring import PriceScheme, ScoringRefused, price_scores
from evaluation.scoring.numbers import points

WORKS = {"regime": "works", "category": "works"}
GOODS = {"regime": "government_procurement", "category": "goods"}


def fen(yuan: str) -> int:
    return int(Decimal(yuan.replace(",", "")) * 100)


def table(result):
    """(benchmark in yuan, {bid: (deviation %, score)}) as strings, for exact comparison."""
    return (
        f"{Decimal(result.benchmark_fen) / 100:,.2f}",
        {bid: (str(s.deviation_percent), str(s.score)) for bid, s in result.scores.items()},
    )


def test_lowest_price_method_scores_five_bids_against_the_lowest():
    prices = {
        "A": fen("1,000,000.00"),
        "B": fen("950,000.00"),
        "C": fen("1,100,000.00"),
        "D": fen("980,000.00"),
        "E": fen("1,234,567.89"),
    }
    result = price_scores(PriceScheme.lowest_price(full_points=30), prices, **GOODS)
    # score = 950,000 / price × 30; deviation = (price − 950,000) / 950,000 × 100
    assert table(result) == (
        "950,000.00",
        {
            "A": ("5.26", "28.50"),
            "B": ("0.00", "30.00"),
            "C": ("15.79", "25.91"),  # 25.909090…
            "D": ("3.16", "29.08"),  # 29.081632…
            "E": ("29.95", "23.09"),  # 23.085000210…
        },
    )
    assert result.counted == ("B", "D", "A", "C", "E")
    assert result.dropped == ()
    assert result.working == ("benchmark = the lowest valid price = 950,000.00 yuan",)
    assert result.scores["E"].working == (
        "score = benchmark / price × 30 = 950,000.00 / 1,234,567.89 × 30 = 23.09",
    )


def test_mean_method_drops_the_highest_and_lowest_of_five_bids():
    prices = {
        "A": fen("3,500,000.00"),
        "B": fen("3,600,000.00"),
        "C": fen("3,400,000.00"),
        "D": fen("3,800,000.00"),
        "E": fen("3,000,000.00"),
    }
    scheme = PriceScheme.mean(full_points=60, above_rate=1, below_rate="0.5")
    result = price_scores(scheme, prices, **WORKS)
    # benchmark = (3,500,000 + 3,600,000 + 3,400,000) / 3 = 3,500,000 (D and E dropped)
    assert table(result) == (
        "3,500,000.00",
        {
            "A": ("0.00", "60.00"),
            "B": ("2.86", "57.14"),  # 60 − 1 × 2.86
            "C": ("-2.86", "58.57"),  # 60 − 0.5 × 2.86 = 58.57
            "D": ("8.57", "51.43"),  # 60 − 8.57
            "E": ("-14.29", "52.86"),  # 60 − 0.5 × 14.29 = 52.855 → 52.86
        },
    )
    assert result.dropped == ("E", "D")
    assert result.counted == ("C", "A", "B")
    assert result.working == (
        "5 valid prices, more than 3: the highest (3,800,000.00 yuan) and the lowest "
        "(3,000,000.00 yuan) are dropped",
        "mean = 10,500,000.00 / 3 = 3,500,000.00 yuan, to the fen",
        "benchmark = mean = 3,500,000.00 yuan",
    )
    assert result.scores["C"].working == (
        "deviation = (price − benchmark) / benchmark × 100 = (3,400,000.00 − 3,500,000.00) "
        "/ 3,500,000.00 × 100 = -2.86%",
        "score = 60 − 0.5 × 2.86 = 58.57 (0.5 deducted per 1% below the benchmark)",
    )


def test_mean_method_with_three_bids_drops_none():
    prices = {"A": fen("3,500,000"), "B": fen("3,600,000"), "C": fen("3,700,000")}
    scheme = PriceScheme.mean(full_points=60, above_rate=1, below_rate="0.5")
    result = price_scores(scheme, prices, **WORKS)
    assert table(result) == (
        "3,600,000.00",
        {
            "A": ("-2.78", "58.61"),  # 100,000 / 3,600,000 = 2.777…%; 60 − 1.39
            "B": ("0.00", "60.00"),
            "C": ("2.78", "57.22"),
        },
    )
    assert result.dropped == ()
    assert result.working[0] == "3 valid prices, not more than 3: none is dropped"


def test_mean_method_with_four_bids_drops_two_and_a_scheme_may_never_drop():
    prices = {"A": 100_00, "B": 200_00, "C": 300_00, "D": 1000_00}
    dropping = PriceScheme.mean(full_points=10, above_rate=0, below_rate=0)
    assert price_scores(dropping, prices, **WORKS).benchmark_fen == 250_00  # (200 + 300) / 2
    keeping = PriceScheme.mean(full_points=10, above_rate=0, below_rate=0, drop_above=None)
    result = price_scores(keeping, prices, **WORKS)
    assert result.benchmark_fen == 400_00  # (100 + 200 + 300 + 1000) / 4
    assert result.working[0] == "4 valid prices: the scheme drops none"


def test_mean_method_lowers_the_benchmark_by_the_downward_factor():
    prices = {
        "A": fen("1,000,000"),
        "B": fen("950,000"),
        "C": fen("1,100,000"),
        "D": fen("800,000"),
        "E": fen("1,200,000"),
    }
    scheme = PriceScheme.mean(
        full_points=30, above_rate=1, below_rate="0.5", downward_factor="0.03"
    )
    result = price_scores(scheme, prices, **WORKS)
    # mean = 3,050,000 / 3 = 1,016,666.666… → 1,016,666.67; × 0.97 = 986,166.6699 → 986,166.67
    assert result.mean_fen == 101_666_667
    assert table(result) == (
        "986,166.67",
        {
            "A": ("1.40", "28.60"),  # 1.40273…%
            "B": ("-3.67", "28.17"),  # −3.66739…%; 30 − 0.5 × 3.67 = 28.165 → 28.17
            "C": ("11.54", "18.46"),
            "D": ("-18.88", "20.56"),  # 30 − 9.44
            "E": ("21.68", "8.32"),
        },
    )
    assert result.working[2] == (
        "benchmark = mean × (1 − 0.03) = 1,016,666.67 × 0.97 = 986,166.67 yuan, to the fen"
    )


def test_a_score_below_the_minimum_is_raised_to_it():
    prices = {"A": 100_00, "B": 100_00, "C": 150_00}
    scheme = PriceScheme.mean(full_points=30, above_rate=2, below_rate=1, minimum=10)
    result = price_scores(scheme, prices, **WORKS)
    # mean = 350 / 3 = 116.666… → 116.67; C is (150 − 116.67) / 116.67 = 28.57% above
    assert table(result)[1]["C"] == ("28.57", "10.00")  # 30 − 2 × 28.57 = −27.14 → 10
    assert result.scores["C"].unfloored == Decimal("-27.14")
    assert result.scores["C"].working[-1] == "the score is raised to the scheme's minimum: 10.00"


def test_equal_lowest_prices_both_get_full_points():
    prices = {"A": 900_00, "B": 900_00, "C": 1000_00}
    result = price_scores(PriceScheme.lowest_price(full_points=30), prices, **GOODS)
    assert table(result)[1] == {
        "A": ("0.00", "30.00"),
        "B": ("0.00", "30.00"),
        "C": ("11.11", "27.00"),
    }


def test_equal_highest_prices_drop_only_one_of_them():
    prices = {"A": 100_00, "B": 200_00, "C": 400_00, "D": 400_00}
    scheme = PriceScheme.mean(full_points=10, above_rate=0, below_rate=0)
    result = price_scores(scheme, prices, **WORKS)
    assert result.dropped == ("A", "D")  # the later of the equal highest, in the order given
    assert result.benchmark_fen == 300_00  # (200 + 400) / 2


def test_scores_round_half_up_to_two_places():
    # 4,900 / 8,000 × 10 = 6.125: half up gives 6.13 (half to even would give 6.12).
    result = price_scores(PriceScheme.lowest_price(full_points=10), {"A": 4900, "B": 8000}, **WORKS)
    assert result.scores["B"].score == Decimal("6.13")
    # (202,450 − 200,000) / 200,000 × 100 = 1.225%: 1.23 (not 1.22); below: −1.23.
    scheme = PriceScheme.mean(full_points=10, above_rate=1, below_rate=1, drop_above=None)
    result = price_scores(scheme, {"A": 200_000, "B": 202_450, "C": 197_550}, **WORKS)
    assert result.benchmark_fen == 200_000
    assert result.scores["B"].deviation_percent == Decimal("1.23")
    assert result.scores["C"].deviation_percent == Decimal("-1.23")
    assert (points(Fraction(-1, 200)), points(Fraction(1, 200))) == (
        Decimal("-0.01"),
        Decimal("0.01"),
    )


def test_the_mean_rounds_half_a_fen_up():
    scheme = PriceScheme.mean(full_points=10, above_rate=1, below_rate=1)
    assert price_scores(scheme, {"A": 10001, "B": 10002}, **WORKS).benchmark_fen == 10002


@pytest.mark.parametrize(
    ("prices", "code", "field"),
    [
        ({}, "prices_missing", "prices"),
        ({"A": 0}, "price_invalid", "prices[A]"),
        ({"A": -100}, "price_invalid", "prices[A]"),
        ({"A": 100.5}, "price_invalid", "prices[A]"),
        ({"A": True}, "price_invalid", "prices[A]"),
    ],
)
def test_a_missing_or_bad_price_is_refused(prices, code, field):
    with pytest.raises(ScoringRefused) as refused:
        price_scores(PriceScheme.lowest_price(full_points=30), prices, **WORKS)
    assert (refused.value.code, refused.value.field) == (code, field)


@pytest.mark.parametrize(
    ("build", "field", "message"),
    [
        (lambda: PriceScheme.lowest_price(full_points=0), "full_points", "greater than 0"),
        (lambda: PriceScheme.lowest_price(full_points="x"), "full_points", "must be a number"),
        (lambda: PriceScheme.lowest_price(full_points="NaN"), "full_points", "must be a number"),
        (
            lambda: PriceScheme.mean(full_points=30, above_rate=-1, below_rate=0),
            "above_rate",
            "0 or more",
        ),
        (
            lambda: PriceScheme.mean(full_points=30, above_rate=1, below_rate=1, drop_above=1),
            "drop_above",
            "2 or more",
        ),
        (
            lambda: PriceScheme.mean(full_points=30, above_rate=1, below_rate=1, downward_factor=1),
            "downward_factor",
            "not including, 1",
        ),
        (
            lambda: PriceScheme.mean(full_points=30, above_rate=1, below_rate=1, minimum=31),
            "minimum",
            "from 0 to the full points 30",
        ),
        (
            lambda: PriceScheme("lowest_price_benchmark", Decimal(30), drop_above=3),
            "drop_above",
            "applies only to the mean method",
        ),
        (
            lambda: PriceScheme.from_mapping({"formula": "median"}, full_points=30),
            "method",
            "must be one of lowest_price_benchmark, mean_benchmark",
        ),
        (
            lambda: PriceScheme.from_mapping({"formula": "mean_benchmark", "k": 1}, full_points=30),
            "k",
            "is not a parameter",
        ),
    ],
)
def test_a_bad_scheme_is_refused_naming_its_field(build, field, message):
    with pytest.raises(ScoringRefused) as refused:
        build()
    assert refused.value.code == "price_scheme_invalid"
    assert refused.value.field == f"price_scheme.{field}"
    assert message in refused.value.message


def test_a_scheme_is_read_from_the_tender_terms_with_the_mean_defaults():
    scheme = PriceScheme.from_mapping(
        {"formula": "mean_benchmark", "above_rate": "1", "below_rate": 0.5}, full_points=60
    )
    assert scheme == PriceScheme.mean(full_points=60, above_rate=1, below_rate="0.5")
    assert scheme.drop_above == 3
    assert scheme.below_rate == Decimal("0.5")
