"""A visitor searches the portal's tenders in Chinese: two-character words, single characters,
longer phrases, text holding LIKE's metacharacters, and English words; every search is answered
through an index (trading/search.py)."""

import pytest
from django.db import connection

from tests.database_roles import as_database_owner
from tests.factories import ProjectFactory, TenderFactory, days_from_now
from trading.models import Project, Tender, TenderState
from trading.search import SearchTerms, forget_gram_shares, gram_shares, rarest_gram
from trading.selectors import tender_list_public

pytestmark = pytest.mark.django_db


def published(title: str, **fields) -> Tender:
    tender = TenderFactory(title=title, **fields)
    Tender.objects.filter(pk=tender.pk).update(
        state=TenderState.PUBLISHED, published_at=days_from_now(0)
    )
    return tender


def found(query: str) -> list[str]:
    return sorted(tender_list_public(search=query).values_list("title", flat=True))


@pytest.fixture
def titles():
    for title in (
        "示范市实验学校教学楼新建工程施工",
        "环城路道路改造工程施工",
        "2026年第一中学办公家具采购项目",
        "人民医院门诊楼装修工程施工",
    ):
        published(title, project=ProjectFactory(name="示范市公共建设项目"))


def test_a_two_character_word_finds_the_tenders_that_hold_it(titles):
    assert found("学校") == ["示范市实验学校教学楼新建工程施工"]
    assert found("道路") == ["环城路道路改造工程施工"]
    assert found("门诊") == ["人民医院门诊楼装修工程施工"]


def test_one_character_finds_every_tender_that_holds_it(titles):
    assert found("路") == ["环城路道路改造工程施工"]
    assert found("楼") == ["人民医院门诊楼装修工程施工", "示范市实验学校教学楼新建工程施工"]


def test_a_phrase_matches_as_a_whole_not_as_scattered_pairs():
    published("学校长廊改造工程")
    published("学校校长办公室装修工程")
    assert found("学校长") == ["学校长廊改造工程"]
    assert found("医院门诊楼") == []


def test_the_project_name_is_searched_too():
    published("第1标段", project=ProjectFactory(name="滨江新区外国语学校新建工程"))
    assert found("外国语学校") == ["第1标段"]
    assert found("学校") == ["第1标段"]


def test_full_width_letters_and_brackets_and_upper_case_match_their_plain_forms():
    published("ＬＥＤ路灯改造工程（一标段）")
    assert found("led") == ["ＬＥＤ路灯改造工程（一标段）"]
    assert found("LED路灯") == ["ＬＥＤ路灯改造工程（一标段）"]
    assert found("(一标段)") == ["ＬＥＤ路灯改造工程（一标段）"]


def test_like_metacharacters_in_a_query_are_taken_literally():
    published("达标率100%改造工程")
    published("达标率1000改造工程")
    published("A_B路灯改造工程")
    published("AXB路灯改造工程")
    published("路\\灯改造工程")
    published("路灯改造工程")
    assert found("0%改") == ["达标率100%改造工程"]
    assert found("%") == ["达标率100%改造工程"]
    assert found("a_b") == ["A_B路灯改造工程"]
    assert found("_") == ["A_B路灯改造工程"]
    assert found("路\\灯") == ["路\\灯改造工程"]
    assert found("\\") == ["路\\灯改造工程"]


def test_an_english_word_is_also_searched_as_its_chinese_words(titles):
    assert SearchTerms.of("Schools") == SearchTerms(
        "schools", translations=("学校", "中学", "小学")
    )
    assert found("school") == ["2026年第一中学办公家具采购项目", "示范市实验学校教学楼新建工程施工"]
    assert found("Hospital") == ["人民医院门诊楼装修工程施工"]
    assert SearchTerms.of("quantum").latin_unknown
    assert found("quantum") == []


def test_the_page_says_what_an_english_query_was_searched_as(client, titles):
    page = client.get("/tenders/", {"q": "school"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "示范市实验学校教学楼新建工程施工" in page
    assert "also searched for 学校、中学、小学" in page
    nothing = client.get("/tenders/", {"q": "quantum"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Titles are in Chinese" in nothing.content.decode()


def test_the_search_follows_a_retitled_tender_and_a_renamed_project():
    tender = published("旧标题工程")
    Tender.objects.filter(pk=tender.pk).update(title="新标题道路工程")
    Project.objects.filter(pk=tender.project_id).update(name="环湖绿道项目")
    assert found("道路") == ["新标题道路工程"]
    assert found("绿道") == ["新标题道路工程"]
    assert found("旧标题") == []


def test_the_api_searches_the_same_way(client, titles):
    body = client.get("/api/v1/tenders", {"q": "学校"}).json()
    assert [item["title"] for item in body] == ["示范市实验学校教学楼新建工程施工"]


def plan(query: str) -> str:
    sql, params = tender_list_public(search=query)[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_rare_word_among_two_thousand_tenders_is_found_through_the_indexes():
    project = ProjectFactory()
    template = TenderFactory.build(project=project)
    Tender.objects.bulk_create(
        Tender(
            project=project,
            lot_number=number + 10,
            title=f"{'东西南北'[number % 4]}城区第{number}号办公楼维修工程",
            category=template.category,
            method=template.method,
            ceiling_price_fen=template.ceiling_price_fen,
            evaluation_method=template.evaluation_method,
            state=TenderState.PUBLISHED,
            published_at=days_from_now(-number / 1000),
        )
        for number in range(2000)
    )
    published("特殊教育学校风雨操场新建工程")
    # What autovacuum does, as the owner: the indexes' pending entries merged, the statistics.
    with as_database_owner() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('tender_search_grams')")
        cursor.execute("ANALYZE trading_tender")
    forget_gram_shares()

    assert "Bitmap Index Scan on tender_search_grams" in plan("操场")
    assert "Bitmap Index Scan on tender_search_grams" in plan("风雨操场")
    assert "Bitmap Index Scan on tender_search_grams" in plan("办公楼风雨操场")
    assert found("操场") == found("风雨操场") == ["特殊教育学校风雨操场新建工程"]
    assert found("办公楼风雨操场") == []


def test_a_long_query_is_looked_up_by_its_rarest_pair():
    published("东城区第一中学办公楼维修工程")
    published("西城区特殊教育学校办公楼维修工程")
    with as_database_owner() as cursor:
        cursor.execute("ANALYZE trading_tender")
    forget_gram_shares()
    shares = gram_shares()
    assert shares["办公"] == 1.0 and "殊教" in shares
    assert rarest_gram("特殊教育学校办公楼") != "办公"
    assert found("特殊教育学校办公楼") == ["西城区特殊教育学校办公楼维修工程"]


def test_a_query_of_words_of_one_letter_finds_them_in_order():
    published("A B 路灯改造工程")
    published("B A 路灯改造工程")
    assert found("a b") == ["A B 路灯改造工程"]


def test_a_phrase_whose_rarest_pair_is_rare_is_read_from_its_holders_not_walked():
    """医院门诊楼 among many 办公楼 tenders: the holders of its rarest pair are fetched first
    (an InitPlan over the n-gram index), never the newest tenders walked; a phrase of common
    pairs is still walked. Both find exactly what LIKE finds, newest first."""
    project = ProjectFactory()
    template = TenderFactory.build(project=project)
    Tender.objects.bulk_create(
        Tender(
            project=project,
            lot_number=number + 10,
            title=("人民医院门诊楼装修工程" if number % 100 == 7 else "城区办公楼维修工程")
            + f"第{number}号",
            category=template.category,
            method=template.method,
            ceiling_price_fen=template.ceiling_price_fen,
            evaluation_method=template.evaluation_method,
            state=TenderState.PUBLISHED,
            published_at=days_from_now(-number / 1000),
        )
        for number in range(1500)
    )
    with as_database_owner() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('tender_search_grams')")
        cursor.execute("ANALYZE trading_tender")
    forget_gram_shares()

    assert "InitPlan" in plan("医院门诊楼") and "InitPlan" not in plan("办公楼维修")
    for query in ("医院门诊楼", "办公楼维修", "门诊楼装修工程第107号"):
        expected = Tender.objects.filter(search_text__contains=query).order_by(
            "-published_at", "id"
        )
        assert list(tender_list_public(search=query)[:21].values_list("id", flat=True)) == list(
            expected[:21].values_list("id", flat=True)
        )
    assert len(tender_list_public(search="医院门诊楼")) == 15
