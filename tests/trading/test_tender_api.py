"""The tender API: a tenderee's client drafts and publishes; refusals are JSON naming the field."""

import pytest

from accounts.models import Role
from monitoring.models import Event
from tests.factories import MembershipFactory, OrganisationFactory, days_from_now
from trading.models import Tender, TenderState


@pytest.fixture
def tenderee(client):
    organisation = OrganisationFactory(name="示范市交通运输局")
    user = MembershipFactory(role=Role.TENDEREE, organisation=organisation).user
    client.force_login(user)
    return organisation


def draft_terms(**changes) -> dict:
    terms = {
        "title": "环城路大修工程",
        "category": "works",
        "method": "open",
        "ceiling_price_fen": 36_000_000_00,
        "estimated_price_fen": 38_000_000_00,
        "bid_security_fen": 500_000_00,
        "evaluation_method": "lowest_evaluated_price",
        "documents_from": days_from_now(0.01).isoformat(),
        "documents_until": days_from_now(12).isoformat(),
        "clarification_cutoff": days_from_now(9).isoformat(),
        "bid_deadline": days_from_now(26).isoformat(),
    }
    return {**terms, **changes}


def create_project(client, tenderee, **changes) -> dict:
    body = {
        "code": "JT-2026-001",
        "name": "环城路大修",
        "tenderee_uscc": tenderee.uscc,
        "regime": "works",
        "region": "330100",
        **changes,
    }
    return client.post("/api/v1/projects", body, content_type="application/json")


@pytest.mark.django_db
def test_a_tenderee_client_drafts_and_publishes_through_the_api(client, tenderee):
    project = create_project(client, tenderee).json()
    draft = client.post(
        "/api/v1/tenders/drafts",
        {"project": project["id"], "terms": draft_terms()},
        content_type="application/json",
    )
    assert draft.status_code == 201, draft.json()
    assert draft.json()["state"] == "draft"
    assert (draft.json()["estimated_price_fen"], draft.json()["bid_security_fen"]) == (
        38_000_000_00,
        500_000_00,
    )

    published = client.post(f"/api/v1/tenders/{draft.json()['id']}/publish")

    assert published.status_code == 200, published.json()
    assert published.json()["state"] == "published"
    shown = client.get(f"/api/v1/tenders/{draft.json()['id']}").json()
    assert (shown["title"], shown["estimated_price_fen"]) == ("环城路大修工程", 38_000_000_00)
    assert list(Event.objects.values_list("action", flat=True)) == [
        "project.created",
        "tender.drafted",
        "tender.published",
        "notice.published",
    ]


@pytest.mark.django_db
def test_an_unknown_regime_is_refused_naming_the_field(client, tenderee):
    response = create_project(client, tenderee, regime="lottery")
    assert response.status_code == 400
    assert response.json()["field"] == "regime"


@pytest.mark.django_db
def test_a_deadline_before_the_documents_is_refused_at_publication(client, tenderee):
    project = create_project(client, tenderee).json()
    draft = client.post(
        "/api/v1/tenders/drafts",
        {"project": project["id"], "terms": draft_terms(bid_deadline=days_from_now(3).isoformat())},
        content_type="application/json",
    ).json()
    response = client.post(f"/api/v1/tenders/{draft['id']}/publish")
    assert response.status_code == 400
    assert response.json()["field"] in {"bid_deadline", "documents_until"}
    assert Tender.objects.get().state == TenderState.DRAFT


@pytest.mark.django_db
def test_a_time_without_offset_is_refused(client, tenderee):
    project = create_project(client, tenderee).json()
    terms = draft_terms(bid_deadline="2026-12-30T09:30:00")
    response = client.post(
        "/api/v1/tenders/drafts",
        {"project": project["id"], "terms": terms},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "field": "bid_deadline",
        "message": "An ISO 8601 time with its offset is needed.",
    }


@pytest.mark.django_db
def test_cancelling_twice_is_a_conflict(client, tenderee):
    project = create_project(client, tenderee).json()
    draft = client.post(
        "/api/v1/tenders/drafts",
        {"project": project["id"], "terms": draft_terms()},
        content_type="application/json",
    ).json()
    first = client.post(
        f"/api/v1/tenders/{draft['id']}/cancel",
        {"reason": "资金未落实"},
        content_type="application/json",
    )
    second = client.post(
        f"/api/v1/tenders/{draft['id']}/cancel",
        {"reason": "again"},
        content_type="application/json",
    )
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"] == "conflict"


@pytest.mark.django_db
def test_a_bidder_may_not_suspend(client):
    bidder = MembershipFactory(role=Role.BIDDER).user
    client.force_login(bidder)
    from tests.factories import TenderFactory

    tender = TenderFactory(state="published")  # public: the refusal tells nothing new
    response = client.post(
        f"/api/v1/tenders/{tender.pk}/suspend", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


@pytest.mark.django_db
def test_a_bidder_is_told_a_draft_does_not_exist(client):
    """Another organisation's draft answers as an unknown id does (trading.middleware)."""
    client.force_login(MembershipFactory(role=Role.BIDDER).user)
    from tests.factories import TenderFactory

    draft = TenderFactory()
    for tender_id in (draft.pk, "00000000-0000-0000-0000-000005ec12e7"):
        response = client.post(
            f"/api/v1/tenders/{tender_id}/suspend", {"reason": "x"}, content_type="application/json"
        )
        assert response.status_code == 404, response.content


@pytest.mark.django_db
def test_a_project_code_used_twice_is_refused_naming_the_field(client, tenderee):
    assert create_project(client, tenderee).status_code == 201
    again = create_project(client, tenderee)
    assert again.status_code == 400
    assert again.json()["field"] == "code"


@pytest.mark.django_db
def test_an_empty_deadline_leaves_it_unset_and_publication_names_it(client, tenderee):
    project = create_project(client, tenderee).json()
    draft = client.post(
        "/api/v1/tenders/drafts",
        {"project": project["id"], "terms": draft_terms(bid_deadline="")},
        content_type="application/json",
    )
    assert draft.status_code == 201, draft.json()
    published = client.post(f"/api/v1/tenders/{draft.json()['id']}/publish")
    assert published.status_code == 400
    assert published.json()["field"] == "bid_deadline"


@pytest.mark.django_db
def test_a_bid_security_above_two_percent_of_the_estimated_price_is_refused(client, tenderee):
    project = create_project(client, tenderee).json()
    terms = draft_terms(bid_security_fen=760_000_01)
    response = client.post(
        "/api/v1/tenders/drafts",
        {"project": project["id"], "terms": terms},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "field": "bid_security_fen",
        "message": "bid_security_fen: bid security must not exceed 2% of the estimated price "
        "(招标投标法实施条例 第二十六条), i.e. 760,000.00 yuan; it is 760,000.01 yuan",
    }
    assert not Tender.objects.exists()
