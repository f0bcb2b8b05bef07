"""Bad input never reaches a 500: each answers 4xx with {"error", "message", "field"?} naming the
field, from the one place that maps refusals (config/api.py), and nothing is written."""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test import Client

from accounts.models import Role
from config.api import refusal_of
from config.errors import Refusal
from monitoring.models import Event
from monitoring.transitions import TransitionRefused
from tests.factories import MembershipFactory, OrganisationFactory, ProjectFactory, UserFactory
from tests.trading.test_tender_api import create_project, draft_terms
from trading.models import Tender
from trading.services import Acting, TenderInvalid, tender_create_draft


@pytest.fixture
def tenderee_client(db):
    organisation = OrganisationFactory(name="示范市交通运输局")
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(MembershipFactory(role=Role.TENDEREE, organisation=organisation).user)
    client.organisation = organisation
    return client


@pytest.fixture
def project_id(tenderee_client) -> str:
    return create_project(tenderee_client, tenderee_client.organisation).json()["id"]


def post(client: Client, path: str, body: str):
    return client.post(path, body, content_type="application/json")


def draft(client: Client, project_id: str, **terms):
    import json

    body = json.dumps({"project": project_id, "terms": draft_terms(**terms)})
    return post(client, "/api/v1/tenders/drafts", body)


def assert_nothing_drafted() -> None:
    assert not Tender.objects.exists()
    assert not Event.objects.filter(action="tender.drafted").exists()


@pytest.mark.django_db
def test_a_deeply_nested_body_is_refused(tenderee_client, project_id):
    response = post(tenderee_client, "/api/v1/tenders/drafts", "[" * 100_000 + "]" * 100_000)

    assert response.status_code == 400
    assert response.json() == {
        "error": "body_too_deep",
        "message": "The JSON body is nested deeper than 32 levels.",
    }
    assert_nothing_drafted()


@pytest.mark.django_db
def test_a_body_nested_past_the_limit_names_where(tenderee_client, project_id):
    nested = '{"a":' * 40 + "1" + "}" * 40
    body = f'{{"project": "{project_id}", "terms": {{"scoring_scheme": {nested}}}}}'

    response = post(tenderee_client, "/api/v1/tenders/drafts", body)

    assert response.status_code == 400
    assert response.json()["error"] == "body_too_deep"
    assert response.json()["field"] == "terms.scoring_scheme" + ".a" * 30
    assert_nothing_drafted()


@pytest.mark.django_db
def test_a_list_where_an_object_belongs_is_refused_naming_the_field(tenderee_client, project_id):
    terms = post(
        tenderee_client,
        "/api/v1/tenders/drafts",
        f'{{"project": "{project_id}", "terms": ["title"]}}',
    )
    body = post(tenderee_client, "/api/v1/tenders/drafts", "[1, 2]")
    committee = draft(tenderee_client, project_id, opening_committee=["a", "b"])

    assert (terms.status_code, terms.json()["error"], terms.json()["field"]) == (
        400,
        "invalid",
        "terms",
    )
    assert body.status_code == 400
    assert body.json() == {
        "error": "invalid",
        "message": "Invalid data. Expected a dictionary, but got list.",
    }
    assert committee.status_code == 400
    assert committee.json() == {
        "error": "invalid",
        "field": "opening_committee",
        "message": "must be an object with members and a threshold",
    }
    assert_nothing_drafted()


@pytest.mark.django_db
def test_an_integer_beyond_64_bits_is_refused_naming_the_field(tenderee_client, project_id):
    price = draft(tenderee_client, project_id, ceiling_price_fen=2**64)
    # Within 64 bits but beyond the column (and any sensible window): the service names it.
    window = draft(tenderee_client, project_id, decryption_window_minutes=2**40)

    assert price.status_code == 400
    assert price.json() == {
        "error": "number_out_of_range",
        "field": "terms.ceiling_price_fen",
        "message": "terms.ceiling_price_fen is beyond the range of a 64-bit integer.",
    }
    assert window.status_code == 400
    assert window.json() == {
        "error": "invalid",
        "field": "decryption_window_minutes",
        "message": "must be a whole number of minutes greater than 0, within a year",
    }
    assert_nothing_drafted()


@pytest.mark.django_db
def test_text_with_the_nul_character_is_refused_naming_the_field(tenderee_client, project_id):
    response = draft(tenderee_client, project_id, title="环城路\x00大修")
    query = tenderee_client.get("/api/v1/tenders", {"q": "环城路\x00"})

    assert response.status_code == 400
    assert response.json() == {
        "error": "text_invalid",
        "field": "terms.title",
        "message": "terms.title holds the NUL character.",
    }
    assert query.status_code == 400
    assert query.json() == {
        "error": "text_invalid",
        "field": "q",
        "message": "q holds the NUL character.",
    }
    assert_nothing_drafted()


@pytest.mark.django_db
def test_committee_members_that_are_not_user_ids_are_refused_naming_the_member(
    tenderee_client, project_id
):
    member = UserFactory()
    not_an_id = draft(
        tenderee_client,
        project_id,
        opening_committee={"members": [str(member.pk), 42], "threshold": 2},
    )
    nobody = "7d0c2a4e-95b4-4f57-9a3e-6c1b7f1d2e30"
    unknown = draft(
        tenderee_client,
        project_id,
        opening_committee={"members": [str(member.pk), nobody], "threshold": 2},
    )

    assert not_an_id.status_code == 400
    assert not_an_id.json() == {
        "error": "invalid",
        "field": "opening_committee.members[1]",
        "message": "42 is not a user id",
    }
    assert unknown.status_code == 400
    assert unknown.json() == {
        "error": "invalid",
        "field": "opening_committee.members[1]",
        "message": f"no user has the id {nobody}",
    }
    assert_nothing_drafted()


def test_a_non_numeric_content_length_on_the_timestamp_endpoint_is_refused(client, platform_ca):
    response = client.post(
        "/tsa",
        b"\x30\x00",
        content_type="application/timestamp-query",
        CONTENT_LENGTH="twelve",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "content_length_invalid",
        "field": "Content-Length",
        "message": "Content-Length must be a whole number of bytes, not 'twelve'.",
    }


@pytest.mark.django_db(transaction=True)
def test_two_drafts_created_at_once_take_lots_one_and_two():
    """The second draft waits on the project's row lock while the first is not committed, then
    counts its lot: without the lock both take lot 1 and the second fails on the unique lot."""
    project = ProjectFactory()
    user = MembershipFactory(role=Role.TENDEREE, organisation=project.tenderee).user
    terms = {
        key: value
        for key, value in draft_terms().items()
        if key in {"title", "category", "method", "ceiling_price_fen", "evaluation_method"}
    }
    drafted, release, answers = threading.Event(), threading.Event(), []

    def first() -> None:
        try:
            with transaction.atomic():
                tender_create_draft(acting=Acting(user=user), project=project, terms=terms)
                drafted.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    def second() -> None:
        try:
            client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
            client.force_login(user)
            answers.append(
                client.post(
                    "/api/v1/tenders/drafts",
                    {"project": str(project.pk), "terms": terms},
                    content_type="application/json",
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert drafted.wait(timeout=20)
    threads[1].start()
    # Let the second request reach the database and wait there on the first's lock.
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0] or not threads[1].is_alive():
                break
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert [answer.status_code for answer in answers] == [201], answers[0].content
    assert sorted(Tender.objects.values_list("lot_number", flat=True)) == [1, 2]
    assert Event.objects.filter(action="tender.drafted").count() == 2


def test_every_refusal_type_maps_to_the_one_shape():
    tender = TenderInvalid({"bid_deadline": "must be in the future", "title": "is required"})
    transition = TransitionRefused("tender 1 is cancelled: it cannot cancel from that state")

    assert isinstance(tender, Refusal) and isinstance(tender, ValueError)
    assert tender.problems == {"bid_deadline": "must be in the future", "title": "is required"}
    assert str(tender) == "bid_deadline: must be in the future; title: is required"
    assert (tender.status, tender.as_json()) == (
        400,
        {"error": "invalid", "message": "must be in the future", "field": "bid_deadline"},
    )
    assert refusal_of(transition) is transition
    assert (transition.status, transition.as_json()) == (
        409,
        {"error": "conflict", "message": "tender 1 is cancelled: it cannot cancel from that state"},
    )
    denied = refusal_of(PermissionDenied("not the tenderee"))
    assert (denied.status, denied.as_json()) == (
        403,
        {"error": "permission_denied", "message": "not the tenderee"},
    )
    assert refusal_of(KeyError("a fault of the platform")) is None
