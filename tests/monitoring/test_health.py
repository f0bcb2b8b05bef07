"""/healthz reports each real part and turns 503 when one is down."""

import pytest

from storage.embedded import EmbeddedS3Server, free_port
from storage.objects import get_storage


@pytest.fixture
def own_s3_server(tmp_path, settings, s3_server):
    """A second S3 server this test may stop without disturbing the rest of the run."""
    server = EmbeddedS3Server(
        data_dir=tmp_path / "s3",
        access_key="health-access",
        secret_key="health-secret-key",
        s3_port=free_port(),
    )
    server.start()
    settings.S3_ENDPOINT = server.endpoint
    settings.S3_ACCESS_KEY = server.access_key
    settings.S3_SECRET_KEY = server.secret_key
    get_storage.cache_clear()
    get_storage().ensure_buckets()
    yield server
    server.stop()
    get_storage.cache_clear()


@pytest.mark.django_db
def test_health_turns_503_when_the_s3_server_is_stopped(client, own_s3_server):
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json()["status"] == "ok"
    assert {name: part["state"] for name, part in healthy.json()["parts"].items()} == {
        "database": "up",
        "broker": "up",
        "object_storage": "up",
    }

    own_s3_server.stop()
    down = client.get("/healthz")

    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "down"
    assert body["parts"]["object_storage"]["state"] == "down"
    assert body["parts"]["object_storage"]["detail"].startswith(
        f"S3_ENDPOINT='{own_s3_server.endpoint}' cannot be reached"
    )
    assert body["parts"]["database"]["state"] == "up"
    assert body["parts"]["broker"]["state"] == "up"


@pytest.mark.django_db
def test_health_turns_503_when_the_broker_is_unreachable(client, settings, s3_server):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    broker = response.json()["parts"]["broker"]
    assert broker["state"] == "down"
    assert broker["detail"].startswith("CELERY_BROKER_URL: ")


@pytest.mark.django_db
def test_health_reports_a_missing_bucket(client, settings, s3_server):
    settings.S3_BUCKETS = {**settings.S3_BUCKETS, "archive": "never-created-bucket"}
    get_storage.cache_clear()
    try:
        response = client.get("/healthz")
    finally:
        get_storage.cache_clear()
    assert response.status_code == 503
    assert response.json()["parts"]["object_storage"]["detail"] == (
        "bucket 'never-created-bucket' (S3_BUCKET_ARCHIVE) is missing"
    )
