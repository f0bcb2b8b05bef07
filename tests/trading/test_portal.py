"""The public portal: a visitor lists, searches and reads published tenders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProjectFactory, TenderFactory, days_from_now
from trading.models import Tender, TenderState


def published(**fields) -> Tender:
    tender = TenderFactory(**fields)
    Tender.objects.filter(pk=tender.pk).update(
        state=TenderState.PUBLISHED, published_at=days_from_now(0)
    )
    return tender


def bulk_published(count: int) -> None:
    project = ProjectFactory()
    template = TenderFactory.build(project=project)
    Tender.objects.bulk_create(
        Tender(
            project=project,
            lot_number=number + 100,
            title=f"批量标段 {number}",
            category=template.category,
            method=template.method,
            ceiling_price_fen=template.ceiling_price_fen,
            bid_deadline=template.bid_deadline,
            evaluation_method=template.evaluation_method,
            state=TenderState.PUBLISHED,
            published_at=days_from_now(-number / 1000),
        )
        for number in range(count)
    )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_list_page_costs_the_same_queries_at_10_and_at_1000_tenders(client):
    bulk_published(10)
    at_ten = queries_for(client, "/tenders/")
    bulk_published(990)
    at_thousand = queries_for(client, "/tenders/")
    assert at_ten == at_thousand == 1


@pytest.mark.django_db
def test_a_visitor_never_sees_drafts(client):
    draft = TenderFactory(title="尚未发布的草稿标段")
    visible = published(title="已发布的道路工程")
    page = client.get("/tenders/").content.decode()
    assert "已发布的道路工程" in page
    assert "尚未发布的草稿标段" not in page
    assert client.get(f"/tenders/{draft.pk}/").status_code == 404
    assert client.get(f"/tenders/{visible.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_visitor_searches_and_filters(client):
    published(title="市政道路改造工程", category="works")
    published(title="办公家具采购", category="goods")
    found = client.get("/tenders/", {"q": "道路"}).content.decode()
    assert "市政道路改造工程" in found and "办公家具采购" not in found
    goods = client.get("/tenders/", {"category": "goods"}).content.decode()
    assert "办公家具采购" in goods and "市政道路改造工程" not in goods
    nothing = client.get("/tenders/", {"region": "440300"}).content.decode()
    assert "市政道路改造工程" not in nothing


@pytest.mark.django_db
def test_the_tender_page_shows_the_schedule_and_the_price_in_yuan(client):
    tender = published(ceiling_price_fen=1_234_567_89)
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert tender.title in page
    assert "1,234,567.89" in page
    assert tender.project.tenderee.uscc in page


@pytest.mark.django_db
def test_pages_beyond_the_first_link_back_and_forth(client):
    bulk_published(45)
    second = client.get("/tenders/", {"page": 2})
    assert len(second.context["tenders"]) == 20
    assert second.context["has_previous"] and second.context["has_next"]
    third = client.get("/tenders/", {"page": 3})
    assert len(third.context["tenders"]) == 5 and not third.context["has_next"]


@pytest.mark.django_db
def test_the_demo_tender_is_published_once(client):
    from accounts.demo import load_demo_identities
    from trading.demo import demo_tender_ensure

    load_demo_identities()
    first = demo_tender_ensure()
    second = demo_tender_ensure()
    assert first.pk == second.pk and first.state == TenderState.PUBLISHED
    assert "示范市第一中学教学楼新建工程施工" in client.get("/tenders/").content.decode()
