"""The built-in time-stamping authority answers RFC 3161 queries over HTTP."""

import hashlib
import subprocess

import pytest

from signing.conf import platform_trust_store
from signing.timestamps import (
    TimestampInvalid,
    make_request,
    token_from_response,
    verify_timestamp,
)


def test_a_client_gets_a_token_that_verifies_offline(client, platform_ca, tmp_path):
    document = tmp_path / "notice.pdf"
    document.write_bytes("招标公告 第1号".encode())
    query = tmp_path / "query.tsq"
    subprocess.run(
        ["openssl", "ts", "-query", "-data", str(document), "-sha256", "-cert", "-out", str(query)],
        check=True,
        capture_output=True,
    )

    response = client.post("/tsa", query.read_bytes(), content_type="application/timestamp-query")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    token = token_from_response(response.content)
    info = verify_timestamp(token, document.read_bytes(), trust=platform_trust_store())
    assert info.authority.name == "Trading Platform Time-Stamping Authority"
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(response.content)
    verified = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-queryfile",
            str(query),
            "-in",
            str(reply),
            "-CAfile",
            str(platform_ca.directory / "root.pem"),
            "-untrusted",
            str(platform_ca.directory / "issuing.pem"),
        ],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Verification: OK" in verified.stdout


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"x" * 5000, "application/timestamp-query", 413),
        (b"hello", "text/plain", 415),
    ],
)
def test_a_query_of_the_wrong_kind_or_size_is_refused(
    client, platform_ca, body, content_type, status
):
    response = client.post("/tsa", body, content_type=content_type)
    assert response.status_code == status


def test_a_malformed_query_gets_a_rejection_not_a_token(client, platform_ca):
    not_a_query = b"\x30\x03\x02\x01\x05"  # a DER sequence holding one integer
    response = client.post("/tsa", not_a_query, content_type="application/timestamp-query")
    assert response.status_code == 200
    with pytest.raises(TimestampInvalid, match=r"The TSA refused the request \(rejection\)"):
        token_from_response(response.content)


def test_the_endpoint_answers_only_post(client, platform_ca):
    assert client.get("/tsa").status_code == 405


def test_a_query_built_by_the_library_is_granted(client, platform_ca):
    response = client.post(
        "/tsa", make_request(b"opening record"), content_type="application/timestamp-query"
    )
    token = token_from_response(response.content)
    info = verify_timestamp(token, b"opening record", trust=platform_trust_store())
    assert info.message_digest == hashlib.sha256(b"opening record").digest()
