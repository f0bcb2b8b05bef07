"""/healthz tells the public only whether the platform is up: which part is down, and why (hosts,
ports, buckets), only to the operators' networks or to a request bearing the operations
token (monitoring/operations.py)."""

import pytest
from django.test import Client

from storage.embedded import free_port


def from_address(address: str, **headers) -> Client:
    return Client(REMOTE_ADDR=address, headers=headers)


@pytest.mark.django_db
def test_the_public_learns_only_ok(s3_server):
    response = from_address("203.0.113.50").get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_public_learns_only_down_when_a_part_is_down(settings, s3_server):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = from_address("203.0.113.50").get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down"}
    assert b"CELERY_BROKER_URL" not in response.content


@pytest.mark.django_db
def test_the_operators_network_sees_every_part(settings, s3_server):
    settings.OPERATIONS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    body = from_address("10.20.3.4").get("/healthz").json()
    assert body["status"] == "ok"
    assert {name: part["state"] for name, part in body["parts"].items()} == {
        "database": "up",
        "broker": "up",
        "object_storage": "up",
    }
    assert set(from_address("10.21.0.1").get("/healthz").json()) == {"status"}


@pytest.mark.django_db
def test_the_health_token_opens_the_details_from_anywhere(settings, s3_server):
    settings.OPERATIONS_TOKEN = "monitor-7f3a9c"
    bearer = from_address("203.0.113.50", authorization="Bearer monitor-7f3a9c")
    assert "parts" in bearer.get("/healthz").json()
    wrong = from_address("203.0.113.50", authorization="Bearer monitor-7f3a9d")
    assert wrong.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_no_token_configured_opens_nothing(settings, s3_server):
    settings.OPERATIONS_TOKEN = ""
    anyone = from_address("203.0.113.50", authorization="Bearer ")
    assert anyone.get("/healthz").json() == {"status": "ok"}
