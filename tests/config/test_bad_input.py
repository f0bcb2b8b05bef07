"""Whatever JSON a client sends to the main endpoints, the answer is never a 5xx: a valid body
with one field replaced by any JSON value, or any JSON value as the whole body, gets 2xx or a
4xx in the one error shape (config/api.py)."""

import json
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.trading.test_tender_api import draft_terms

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def paths(body: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a body's objects (a field of the body, or of an object inside it)."""
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            found.append((*prefix, key))
            found.extend(paths(value, (*prefix, key)))
    return found


def replaced(body: dict, path: tuple, value: object) -> dict:
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def bodies(valid: dict) -> st.SearchStrategy:
    return st.one_of(
        JSON,
        st.builds(replaced, st.just(valid), st.sampled_from(paths(valid)), JSON),
    )


def assert_refused_or_done(response) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) <= {"error", "message", "field", "retryable"}, body
        assert isinstance(body["error"], str) and isinstance(body["message"], str), body
        assert isinstance(body.get("field", ""), str), body


def fuzz(client: Client, path: str, valid: dict, examples: int = 40) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(bodies(valid))
    def send(body: object) -> None:
        assert_refused_or_done(client.post(path, json.dumps(body), content_type="application/json"))

    send()


@pytest.fixture
def tenderee_client(tender) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(
        MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    )
    return client


@pytest.mark.django_db
def test_no_tender_draft_body_reaches_a_500(tenderee_client, tender):
    terms = {
        **draft_terms(),
        "scoring_scheme": {
            "criteria": [{"name": "技术", "weight": 100, "minimum": 0, "maximum": 100}],
            "price": {"formula": "mean_benchmark"},
        },
        "opening_committee": {"members": [str(uuid.uuid4())], "threshold": 2},
        "required_files": ["投标函.pdf"],
        "qualification_requirements": "具备施工总承包资质",
    }
    fuzz(
        tenderee_client,
        "/api/v1/tenders/drafts",
        {"project": str(tender.project_id), "terms": terms},
        examples=120,
    )


@pytest.mark.django_db
def test_no_project_body_reaches_a_500(tenderee_client, tender):
    fuzz(
        tenderee_client,
        "/api/v1/projects",
        {
            "code": "JT-2026-009",
            "name": "环城路",
            "tenderee_uscc": tender.project.tenderee.uscc,
            "regime": "works",
            "region": "330100",
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "valid"),
    [
        ("amend", {"reason": "工期调整", "bid_deadline": "2027-02-01T09:30:00+08:00"}),
        ("clarify", {"text": "第3章第2节的工期以本澄清为准"}),
        ("objections", {"text": "资格条件排斥潜在投标人"}),
        ("contract", {"value_fen": 100, "signed_at": "2027-01-01T09:00:00+08:00"}),
    ],
)
def test_no_tender_action_body_reaches_a_500(tenderee_client, tender, action, valid):
    fuzz(tenderee_client, f"/api/v1/tenders/{tender.pk}/{action}", valid)


@pytest.mark.django_db
def test_no_objection_body_of_a_bidder_reaches_a_500(tender):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(MembershipFactory(role=Role.BIDDER, organisation=OrganisationFactory()).user)
    fuzz(client, f"/api/v1/tenders/{tender.pk}/objections", {"text": "资格条件排斥潜在投标人"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "valid"),
    [
        ("tenders/{tender}/bid-uploads", {"size": 4096}),
        ("tenders/{tender}/opening/data-key", {"data_key": "AAAA", "bid": str(uuid.uuid4())}),
        ("tenders/{tender}/opening/objections", {"text": "唱标价格有误"}),
        ("bids/{bid}/withdraw", {"time": "2026-12-03T01:00:00Z", "signature": "AAAA"}),
        ("bid-uploads/{bid}/finalise", {"idempotency_key": "k1"}),
    ],
)
def test_no_bidder_body_reaches_a_500(bidder_client, tender, path, valid):
    bidder_client.raise_request_exception = False
    route = path.format(tender=tender.pk, bid=uuid.uuid4())
    fuzz(bidder_client, f"/api/v1/{route}", valid)


@pytest.mark.django_db
def test_no_certificate_login_body_reaches_a_500(client):
    client.raise_request_exception = False
    fuzz(
        client,
        "/api/v1/auth/certificate-login",
        {"challenge_id": str(uuid.uuid4()), "signature": "AAAA", "username": "zhang"},
    )
