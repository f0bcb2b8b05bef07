"""The committed OpenAPI document is the API's truth: it matches the code, and responses match it.

After changing an endpoint, run `make openapi` and commit openapi.json.
"""

import json
from pathlib import Path

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft7Validator

from accounts.models import Role
from tests.factories import MembershipFactory, TenderFactory
from trading.services import Acting, tender_publish

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def committed_document() -> dict:
    return json.loads(COMMITTED.read_text())


def test_the_committed_document_matches_the_code():
    with translation.override("en"):  # `make openapi` writes the English document
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert json.loads(json.dumps(schema)) == committed_document(), (
        "openapi.json is stale: run `make openapi`"
    )


def as_json_schema(node: object) -> object:
    """OpenAPI 3.0 marks optional nulls with `nullable: true`; JSON Schema says type null."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def assert_matches(path: str, method: str, status: int, body: object) -> None:
    document = committed_document()
    content = document["paths"][path][method]["responses"][str(status)]["content"]
    schema = as_json_schema(
        {**content["application/json"]["schema"], "components": document["components"]}
    )
    errors = sorted(Draft7Validator(schema).iter_errors(body), key=str)
    assert errors == [], [error.message for error in errors]


@pytest.mark.django_db
def test_the_public_tender_list_and_detail_match_the_document(client):
    tender = TenderFactory()
    acting = Acting(
        user=MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    )
    tender_publish(acting=acting, tender_id=tender.pk)

    listing = client.get("/api/v1/tenders")
    detail = client.get(f"/api/v1/tenders/{tender.pk}")
    feed = client.get("/api/v1/ocds/releases")

    assert_matches("/api/v1/tenders", "get", 200, listing.json())
    assert_matches("/api/v1/tenders/{tender_id}", "get", 200, detail.json())
    assert_matches("/api/v1/ocds/releases", "get", 200, feed.json())
    assert len(feed.json()["releases"]) == 1


@pytest.mark.django_db
def test_a_certificate_challenge_matches_the_document(client):
    response = client.post("/api/v1/auth/challenge")
    assert response.status_code == 201
    assert_matches("/api/v1/auth/challenge", "post", 201, response.json())
