"""Fuzzing every JSON input of the API, walked from the committed openapi.json: for every POST,
PUT and PATCH, bodies of the shape the endpoint's own schema describes (tests/fuzz/schemas.py),
the same bodies with one member replaced, removed or added, any JSON value, and text that is not
JSON, sent by a user of the role the endpoint serves. Whatever arrives, the answer is never a
5xx, and every refusal is the one JSON error shape of config/api.py: {error, message, field?}.

A new endpoint is fuzzed as soon as `make openapi` commits it; ROLES says who sends to it (the
default is the tender's tenderee)."""

import json
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Role
from tests.bids.conftest import certificate_login, make_bidder
from tests.certificates import BIDDER_NAME, BIDDER_USCC
from tests.factories import MembershipFactory, TenderFactory
from tests.fuzz.conftest import bounded, within
from tests.fuzz.mutations import JSON_VALUES, RAW_JSON_TEXT, mutated_json
from tests.fuzz.schemas import from_openapi_schema
from trading.services import Acting, tender_publish

OPENAPI = Path(django_settings.BASE_DIR) / "openapi.json"
WRITE_METHODS = ("post", "put", "patch")
# The route /tenders/{tender_id}/{action} takes these actions (trading.api.tenders).
TENDER_ACTIONS = ["publish", "amend", "clarify", "cancel", "suspend", "resume", "no-such-action"]
# Who sends to an endpoint, by the first pattern its path matches; the tenderee otherwise.
ROLES = [
    (r"^/api/v1/auth/", "anonymous"),
    (r"^/api/v1/supervision/|^/api/v1/complaints/.+/decisions$", "supervisor"),
    (r"/evaluation/price-explanation$", "bidder"),
    (r"/evaluation/", "expert"),
    (r"/opening/(data-key|objections$|sign-in|confirm|escrow-request)", "bidder"),
    (r"/opening/escrow-share$", "expert"),
    (r"bid-uploads|/bids/|/objections$|candidate-objections$|^/api/v1/complaints$", "bidder"),
]
ERROR_KEYS = {"error", "message", "field", "retryable"}


def resolve(schema: Any, components: dict) -> Any:
    """The schema with every $ref inlined, OpenAPI's `nullable` as a JSON Schema type, and the
    read-only members (never sent) left out."""
    if isinstance(schema, list):
        return [resolve(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return resolve(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    resolved = {
        key: resolve(value, components)
        for key, value in schema.items()
        if key not in ("nullable", "readOnly", "description", "example")
    }
    if "properties" in resolved:
        resolved["properties"] = {
            name: value
            for name, value in resolved["properties"].items()
            if not (isinstance(value, dict) and value.get("readOnly"))
        }
    if schema.get("nullable"):
        return {"anyOf": [resolved, {"type": "null"}]}
    return resolved


def write_endpoints() -> list[tuple[str, str, dict | None, str]]:
    """(method, path, resolved JSON schema of the body or None, media type) of every write."""
    document = json.loads(OPENAPI.read_text())
    components = document["components"]["schemas"]
    found = []
    for path, operations in sorted(document["paths"].items()):
        for method, operation in operations.items():
            if method not in WRITE_METHODS:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            media = next(iter(content), "application/json")
            schema = content.get(media, {}).get("schema")
            found.append((method, path, resolve(schema, components) if schema else None, media))
    return found


ENDPOINTS = write_endpoints()


def role_of(path: str) -> str:
    return next((role for pattern, role in ROLES if re.search(pattern, path)), "tenderee")


def bodies(schema: dict | None) -> st.SearchStrategy:
    """What is sent: a body of the schema's shape, one member of it changed, any JSON value."""
    shaped = from_openapi_schema(schema) if schema else st.fixed_dictionaries({})
    return st.one_of(
        shaped,
        shaped.flatmap(mutated_json),
        JSON_VALUES,
    ).map(lambda body: json.dumps(body).encode())


@pytest.fixture
def world(settings, platform_ca, bidder_credential, s3_server):
    """A published tender, and a client for each role, logged in the way that role logs in."""
    tender = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    tender = tender_publish(acting=Acting(user=tenderee, client_ip="10.0.0.8"), tender_id=tender.pk)
    clients: dict[str, Client] = {}

    def client_of(role: str) -> Client:
        if role in clients:
            return clients[role]
        client = Client(headers={"accept-language": "en"}, raise_request_exception=False)
        if role == "tenderee":
            client.force_login(tenderee)
        elif role == "bidder":
            make_bidder(
                bidder_credential, name=BIDDER_NAME, uscc=BIDDER_USCC, username="bidder-zhang"
            )
            certificate_login(client, bidder_credential)
        elif role in ("expert", "supervisor"):
            client.force_login(MembershipFactory(role=role, organisation=None).user)
        clients[role] = client
        return client

    return tender, client_of


def route(path: str, tender, action: str) -> str:
    """The path with its parameters filled: the world's tender, a part number, the action;
    any other object an id nobody holds (refused as not found, after the body is checked)."""
    path = path.replace("{tender_id}", str(tender.pk)).replace("{action}", action)
    path = path.replace("{number}", "1")
    return re.sub(r"\{[a-z_]+\}", lambda _match: str(uuid.uuid4()), path)


def assert_answered(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), what
        body = response.json()
        assert isinstance(body, dict) and set(body) <= ERROR_KEYS, f"{what}: {body}"
        assert {"error", "message"} <= set(body), f"{what}: {body}"
        assert isinstance(body["error"], str) and isinstance(body["message"], str), what
        assert isinstance(body.get("field", ""), str), f"{what}: {body}"


def endpoint_id(endpoint) -> str:
    method, path, _schema, _media = endpoint
    return f"{method.upper()} {path}"


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=endpoint_id)
def test_no_body_sent_to_an_endpoint_gets_a_5xx(world, endpoint):
    method, path, schema, media = endpoint
    tender, client_of = world
    client = client_of(role_of(path))
    seen: Counter[str] = Counter()

    @bounded(15)
    @given(
        body=st.one_of(bodies(schema), RAW_JSON_TEXT)
        if media != "application/octet-stream"
        else st.binary(max_size=256),
        action=st.sampled_from(TENDER_ACTIONS),
    )
    def send(body: bytes, action: str) -> None:
        url = route(path, tender, action)
        content_type = "application/json" if media != "application/octet-stream" else media
        with within(20):
            response = getattr(client, method)(url, body, content_type=content_type)
        assert_answered(response, f"{method.upper()} {url} {body[:200]!r}")
        seen[str(response.status_code)] += 1

    send()
    # The fuzz must reach past the door: an endpoint answering every example 401/403 would be
    # fuzzing nothing (ROLES names who may send).
    assert set(seen) - {"401", "403"}, f"{endpoint_id(endpoint)}: only {dict(seen)}"


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS[:: max(1, len(ENDPOINTS) // 8)], ids=endpoint_id)
def test_an_anonymous_caller_is_refused_in_the_json_error_shape(world, endpoint):
    method, path, _schema, _media = endpoint
    tender, _client_of = world
    anonymous = Client(headers={"accept-language": "en"}, raise_request_exception=False)
    response = getattr(anonymous, method)(
        route(path, tender, "amend"), b"{}", content_type="application/json"
    )
    assert_answered(response, endpoint_id(endpoint))
