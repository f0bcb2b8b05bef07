"""The portal's tender search: substrings of Chinese titles found through an index, never by
reading every row (docs/trading.md, "Search").

Each tender keeps `search_text` (its title and its project's name, NFKC-normalised and in lower
case) and `search_grams` (the characters and character pairs of that text, GIN-indexed), both
written by a database trigger (migration 0008):

* a query of one or two characters (学校, 道路, 路: most Chinese words are two characters) asks
  for that n-gram; holding it is being a substring, so nothing is rechecked;
* a longer query asks for the rarest of its pairs (by the statistics ANALYZE keeps), and LIKE
  '%…%' (its metacharacters escaped) confirms each candidate.

Each query gives the index one n-gram, whose share of tenders PostgreSQL knows from its
statistics, so that it chooses well between the index (a rare word) and the newest-first walk
(a common one). Every pair of a phrase ANDed, or LIKE written as a plain condition, would have
it multiply shares it assumes independent and take every common phrase for a rare one
(bench/bench_tender_list.py measured 26–115 ms at 100k tenders that way); LIKE is therefore
written inside a CASE, which it reckons true for half the rows.

Not pg_trgm: on the embedded PostgreSQL (a cluster with the builtin C.UTF-8 locale, whose
LC_CTYPE is C) it finds no trigram in Chinese text, and it cannot serve a pattern of fewer than
three characters anyway. Titles have no English version: an English query is also searched as
the Chinese words a small glossary gives for it (`SearchTerms.translations`).
"""

import re
import time
import unicodedata
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

LATIN = re.compile(r"[a-z]")

# Common words of tender titles, for visitors who search in English (titles are in Chinese).
# Keys are lower case and singular; a query matching a key is searched as each of its words too.
GLOSSARY: dict[str, tuple[str, ...]] = {
    "school": ("学校", "中学", "小学"),
    "primary school": ("小学",),
    "middle school": ("中学",),
    "kindergarten": ("幼儿园",),
    "university": ("大学",),
    "hospital": ("医院",),
    "road": ("道路", "路"),
    "street": ("街",),
    "bridge": ("桥",),
    "tunnel": ("隧道",),
    "water": ("水",),
    "water supply": ("供水",),
    "sewage": ("污水",),
    "river": ("河",),
    "park": ("公园",),
    "greening": ("绿化",),
    "landscaping": ("绿化", "景观"),
    "lighting": ("照明", "亮化"),
    "library": ("图书馆",),
    "office": ("办公",),
    "furniture": ("家具",),
    "computer": ("计算机",),
    "equipment": ("设备",),
    "medical equipment": ("医疗设备",),
    "vehicle": ("车辆",),
    "construction": ("施工",),
    "renovation": ("改造", "装修"),
    "maintenance": ("维修", "养护"),
    "supervision": ("监理",),
    "design": ("设计",),
    "property management": ("物业",),
    "cleaning": ("保洁",),
    "security": ("安保",),
    "procurement": ("采购",),
    "housing": ("住房", "住宅"),
    "stadium": ("体育",),
    "sports": ("体育",),
}


def normalised(text: str) -> str:
    """A query as the trigger stores titles: NFKC (full-width letters and brackets folded), lower
    case, outer whitespace removed."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


@dataclass(frozen=True)
class SearchTerms:
    """What a query is searched as: the text itself, and for an English query the Chinese
    words of the glossary. `latin_unknown` is true when the query has Latin letters and the
    glossary knows none of its words: titles are in Chinese, so it will rarely match."""

    literal: str
    translations: tuple[str, ...] = ()
    latin_unknown: bool = False

    @classmethod
    def of(cls, query: str) -> "SearchTerms":
        literal = normalised(query)
        if not LATIN.search(literal):
            return cls(literal)
        phrase = " ".join(_singular(word) for word in literal.split())
        found = GLOSSARY.get(phrase)
        if found is None:
            found = tuple(
                dict.fromkeys(
                    chinese for word in phrase.split() for chinese in GLOSSARY.get(word, ())
                )
            )
        return cls(literal, translations=found, latin_unknown=not found)

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.literal, *self.translations) if self.literal else ()


def is_gram(text: str) -> bool:
    """One character, or two with no whitespace: `search_grams` holds exactly these."""
    return 0 < len(text) <= 2 and not any(character.isspace() for character in text)


def grams_of(text: str) -> list[str]:
    """The n-grams `search_grams` holds of any text holding `text`: its character pairs (none
    with whitespace), or its characters where it has no such pair ("a b")."""
    found = {text[index : index + 2] for index in range(len(text) - 1)}
    grams = [pair for pair in found if not any(character.isspace() for character in pair)]
    return sorted(grams or {character for character in text if not character.isspace()})


# How long the statistics read from pg_stats are kept: ANALYZE changes them rarely.
STATISTICS_SECONDS = 600


@dataclass(frozen=True)
class GramStatistics:
    """What ANALYZE last sampled of `search_grams`: the share of tenders holding each common
    n-gram (pg_stats' most common elements; one not listed is rarer than all of them), the
    smallest share listed, and the number of tenders (pg_class.reltuples)."""

    shares: dict[str, float]
    least_share: float
    tenders: float

    def share(self, gram: str) -> float:
        return self.shares.get(gram, self.least_share)


_statistics: dict[str, tuple[float, GramStatistics]] = {}


def gram_statistics() -> GramStatistics:
    """The statistics of the n-grams, read at most every STATISTICS_SECONDS (one query)."""
    from trading.models import Tender

    alias = router.db_for_read(Tender)
    read_at, statistics = _statistics.get(alias, (0.0, GramStatistics({}, 0.0, 0.0)))
    if time.monotonic() - read_at > STATISTICS_SECONDS:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, "
                "c.reltuples FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = "
                "current_schema() AND s.tablename = c.relname AND s.attname = 'search_grams' "
                "WHERE c.oid = 'trading_tender'::regclass"
            )
            row = cursor.fetchone()
        elements, frequencies, tenders = row if row else (None, None, 0.0)
        elements, frequencies = elements or [], frequencies or []
        shares = dict(zip(elements, frequencies, strict=False))
        # most_common_elem_freqs ends with the least and greatest frequency and the null share.
        least = float(frequencies[-3]) if elements and len(frequencies) > len(elements) else 0.0
        statistics = GramStatistics(shares, least, max(float(tenders or 0.0), 0.0))
        _statistics[alias] = (time.monotonic(), statistics)
    return statistics


def gram_shares() -> dict[str, float]:
    """The share of tenders holding each common n-gram, as ANALYZE last sampled them (pg_stats'
    most common elements of search_grams); an n-gram not listed is rarer than all of them."""
    return gram_statistics().shares


def forget_gram_shares() -> None:
    """Read the statistics again at the next search (after an ANALYZE that matters)."""
    _statistics.clear()


def rarest_gram(text: str) -> str:
    shares = gram_shares()
    return min(grams_of(text), key=lambda gram: (shares.get(gram, 0.0), gram))


def matching(terms: SearchTerms, *, within: "QuerySet | None" = None, rows: int | None = None) -> Q:
    """The condition on tenders: any of the terms' texts as a substring of the search text (one
    query more, at most every 10 minutes, reads the statistics). Django escapes LIKE's
    metacharacters (%, _ and the backslash) in `contains`."""
    condition = Q()
    for text in terms.texts:
        if is_gram(text):
            condition |= Q(search_grams__contains=[text])
        else:
            confirmed = Case(
                When(search_text__contains=text, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            gram = rarest_gram(text)
            if _rare_enough(gram):
                condition |= Q(_holders(text, within=within, rows=rows))
            else:
                condition |= Q(search_grams__contains=[gram]) & Q(confirmed)
    return condition


def _rare_enough(gram: str) -> bool:
    """Whether fetching every tender holding `gram` costs less than walking the newest ones.

    The walk reads about 21 / (share of matches) tenders to fill a page, at least 21 / share of
    the gram; fetching the holders reads share × tenders. Fetching wins while share² × tenders
    < 21: below 1.45 % of 100k tenders (医院门诊楼's rarest pair 院门 is 0.57 %), below 14.5 % of
    1k. PostgreSQL cannot weigh this itself: it takes LIKE's matches for independent of the
    pair's, and the walk for cheap."""
    statistics = gram_statistics()
    share = statistics.share(gram)
    return share * share * statistics.tenders < WALK_ROWS


# The rows a page asks for (20, and one more to tell whether there is a next page).
WALK_ROWS = 21


def _holders(text: str, *, within: "QuerySet | None" = None, rows: int | None = None) -> RawSQL:
    """`id = ANY(ARRAY(<the tenders holding the gram and the text>))`: the array is computed
    once, first, through the n-gram index (an InitPlan: the walk cannot be chosen for it), and
    the page then fetches those rows by primary key and sorts them."""
    from trading.models import Tender

    # Every pair, not the rarest alone: the index intersects their lists, so the heap is read
    # for the tenders holding them all (229 blocks for 医院门诊楼 at 100k, not 551). Inside the
    # InitPlan the planner has no walk to prefer, so ANDing the pairs cannot mislead it.
    inner = (Tender.objects.all() if within is None else within).filter(
        search_grams__contains=grams_of(text), search_text__contains=text
    )
    if within is not None:
        # The list's filters, its order and the rows it reads, inside: the page then joins the
        # projects and organisations of those rows only, not of every holder (231 of 医院门诊楼
        # at 100k for 21 shown). Each text's first `rows` holders hold the first `rows` of all.
        inner = inner.order_by(*within.query.order_by)[:rows]
    sql, params = inner.values("id").query.sql_with_params()
    table = Tender._meta.db_table
    # The SQL is Django's own, compiled from the queryset; the query's text is in `params`.
    return RawSQL(  # noqa: S611
        f'"{table}"."id" = ANY(ARRAY({sql}))', params, output_field=BooleanField()
    )
