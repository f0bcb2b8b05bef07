"""Every console page and API × every role: supervisors read, nobody else does (403; anonymous
pages send to the login), whatever the pages show; an unknown tender is a 404. The alert
actions over the page and the API, and their refusals in the one error shape."""

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import Role
from monitoring.alerts import alert_raise
from monitoring.models import Alert, AlertState
from tests.config.test_openapi import assert_matches
from tests.evaluation.stories import opened_tender
from tests.factories import MembershipFactory, UserFactory, days_from_now
from trading.models import Tender

ROLES = ["anonymous", "bidder", "tenderee", "expert", "operator", "supervisor"]
PAGES = [
    "/supervision/",
    "/supervision/tenders/{tender}/",
    "/supervision/tenders/{tender}/bids/",
    "/supervision/tenders/{tender}/opening/",
    "/supervision/tenders/{tender}/panel/",
    "/supervision/tenders/{tender}/scores/",
    "/supervision/alerts/",
    "/supervision/rules/",
    "/supervision/statistics/",
    "/supervision/statistics.csv",
]
APIS = [
    "/api/v1/supervision/tenders",
    "/api/v1/supervision/alerts",
    "/api/v1/supervision/rules",
    "/api/v1/supervision/statistics",
]


def client_as(role: str, tender) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    if role == "operator":
        user = UserFactory(is_staff=True, is_superuser=True)
    elif role == "tenderee":
        user = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    elif role in ("expert", "supervisor"):
        user = MembershipFactory(role=role, organisation=None).user
    else:
        user = MembershipFactory(role=Role.BIDDER).user
    client.force_login(user)
    return client


@pytest.fixture
def story():
    story = opened_tender()
    Tender.objects.filter(pk=story.tender.pk).update(published_at=days_from_now(-30))
    return story


@pytest.fixture
def alert(story):
    with transaction.atomic():
        return alert_raise(
            kind="minimum_bids",
            severity="red",
            object_type="bids.openingsession",
            object_id="s-1",
            tender_id=str(story.tender.pk),
            message="Too few bids were opened.",
            evidence={"objects": [{"type": "trading.tender", "id": str(story.tender.pk)}]},
            breach_key="bids.openingsession:s-1",
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_supervisors_read_the_console(story, role):
    client = client_as(role, story.tender)
    for page in PAGES:
        response = client.get(page.format(tender=story.tender.pk))
        expected = {"anonymous": 302, "supervisor": 200}.get(role, 403)
        assert response.status_code == expected, (role, page)
    for api in APIS:
        response = client.get(api)
        assert response.status_code == (200 if role == "supervisor" else 403), (role, api)


@pytest.mark.django_db
def test_an_unknown_tender_is_not_found():
    client = client_as("supervisor", None)
    for page in PAGES[1:6]:
        response = client.get(page.format(tender="00000000-0000-4000-8000-000000000000"))
        assert response.status_code == 404


@pytest.mark.django_db
def test_the_pages_show_the_tender_its_evidence_and_the_alert(story, alert):
    client = client_as("supervisor", story.tender)
    console = client.get("/supervision/").content.decode()
    assert story.tender.title in console and "card-red" in console
    alerts = client.get("/supervision/alerts/").content.decode()
    assert "Too few bids were opened." in alerts
    assert f"/supervision/tenders/{story.tender.pk}/" in alerts
    bids = client.get(f"/supervision/tenders/{story.tender.pk}/bids/").content.decode()
    assert "c" * 64 in bids
    statistics = client.get("/supervision/statistics/")
    assert b"<svg" in statistics.content and b"<script" not in statistics.content


@pytest.mark.django_db
def test_a_supervisor_acknowledges_and_resolves_on_the_page(story, alert):
    client = client_as("supervisor", story.tender)
    response = client.post(f"/supervision/alerts/{alert.pk}/acknowledge")
    assert (response.status_code, response["Location"]) == (302, "/supervision/alerts/")
    client.post(f"/supervision/alerts/{alert.pk}/resolve", {"note": "已核实，重新招标。"})
    stored = Alert.objects.get(pk=alert.pk)
    assert (stored.state, stored.note) == (AlertState.RESOLVED, "已核实，重新招标。")
    again = client.post(f"/supervision/alerts/{alert.pk}/acknowledge", follow=True)
    # The page speaks the default language, Simplified Chinese.
    assert "状态的预警才能被" in again.content.decode()


@pytest.mark.django_db
def test_the_api_acknowledges_resolves_and_refuses_in_the_error_shape(story, alert):
    client = client_as("supervisor", story.tender)
    acknowledged = client.post(f"/api/v1/supervision/alerts/{alert.pk}/acknowledge")
    assert (acknowledged.status_code, acknowledged.json()["state"]) == (200, "acknowledged")
    assert_matches(
        "/api/v1/supervision/alerts/{alert_id}/acknowledge", "post", 200, acknowledged.json()
    )
    missing_note = client.post(
        f"/api/v1/supervision/alerts/{alert.pk}/resolve", {}, content_type="application/json"
    )
    assert (missing_note.status_code, missing_note.json()["field"]) == (400, "note")
    resolved = client.post(
        f"/api/v1/supervision/alerts/{alert.pk}/resolve",
        {"note": "已处理"},
        content_type="application/json",
    )
    assert (resolved.status_code, resolved.json()["note"]) == (200, "已处理")
    refused = client.post(f"/api/v1/supervision/alerts/{alert.pk}/acknowledge")
    assert refused.status_code == 409
    assert refused.json()["error"] == "conflict"
    listed = client.get("/api/v1/supervision/alerts?state=resolved").json()
    assert [item["id"] for item in listed["alerts"]] == [alert.pk]
    assert_matches("/api/v1/supervision/alerts", "get", 200, listed)


@pytest.mark.django_db
def test_the_console_api_matches_the_document(story, alert):
    client = client_as("supervisor", story.tender)
    body = client.get("/api/v1/supervision/tenders").json()
    assert [row["id"] for row in body["tenders"]] == [str(story.tender.pk)]
    assert body["tenders"][0]["alerts"][0]["kind"] == "minimum_bids"
    assert_matches("/api/v1/supervision/tenders", "get", 200, body)
    rules = client.get("/api/v1/supervision/rules").json()
    assert_matches("/api/v1/supervision/rules", "get", 200, rules)
    refused = client.get("/api/v1/supervision/tenders?after=nonsense")
    assert (refused.status_code, refused.json()["error"]) == (400, "cursor_invalid")
