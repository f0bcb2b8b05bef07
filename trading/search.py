"""The portal's tender search: substrings of Chinese titles found through an index, never by
reading every row (docs/trading.md, "Search").

Each tender keeps `search_text` (its title and its project's name, NFKC-normalised and in lower
case) and `search_grams` (the characters and character pairs of that text), both written by a
database trigger (migration 0008), and two GIN indexes:

* a query of one or two characters (学校, 道路, 路: most Chinese words are two characters) asks
  for that n-gram in `search_grams`; holding it is being a substring, so nothing is rechecked;
* a query of three characters or more is `search_text LIKE '%…%'` (its metacharacters escaped),
  served by a pg_trgm index: a trigram index cannot serve a pattern shorter than three
  characters, which is why the pairs exist.

One condition per query, each estimated from its own column's statistics, lets PostgreSQL choose
between the n-gram index (a rare word) and the newest-first walk (a common one); a combination
of both would multiply their selectivities and make every common phrase look rare
(bench/bench_tender_list.py measured it). Titles have no English version: an English query is
also searched as the Chinese words a small glossary gives for it (`SearchTerms.translations`).
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q

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


def matching(terms: SearchTerms) -> Q:
    """The condition on tenders: any of the terms' texts as a substring of the search text.
    Django escapes LIKE's metacharacters (%, _ and the backslash) in `contains`."""
    condition = Q()
    for text in terms.texts:
        if is_gram(text):
            condition |= Q(search_grams__contains=[text])
        else:
            condition |= Q(search_text__contains=text)
    return condition
