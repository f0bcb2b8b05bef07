"""A web process holds only the evaluation public key: the closed area's viewer, in a web
request, asks the key service to unwrap one bid's data key and streams the bid's file; the
key service is a process of its own, started as `make run` starts it."""

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bids.models import Bid
from bids.sealed_objects import data_key_purpose, evaluation_unwrap, evaluation_wrap
from signing.conf import KeyUnavailable, evaluation_private_key, evaluation_public_key
from signing.envelope.format import key_id
from signing.keyservice import KeyServiceClient, KeyServiceRefused, KeyServiceUnavailable
from tests.evaluation.room_story import (
    TECHNICAL,
    build_room,
    room_settings,  # noqa: F401  (a fixture)
)

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def web_process(settings):
    """This test process as a web process: no CA or evaluation passphrase, the key service's
    socket (the run's, tests/key_service.py)."""
    settings.PLATFORM_PROCESS = "web"
    settings.SIGNING_EVALUATION_PASSPHRASE = None
    settings.SIGNING_CA_PASSPHRASE = None
    return settings


@pytest.mark.django_db
def test_the_viewer_in_a_web_process_streams_a_bid_through_the_key_service(
    room_settings,  # noqa: F811
    certificate_authority,
    web_process,
    caplog,
):
    room = build_room(certificate_authority, bidders=1)
    bid = Bid.objects.get(tender=room.tender)
    with pytest.raises(KeyUnavailable):
        evaluation_private_key()

    caplog.clear()

    with caplog.at_level(logging.INFO, logger="signing.keyservice"):
        response = room.client().get(room.file_url(bid.pk, 0))
        content = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert content == TECHNICAL
    unwraps = [record for record in caplog.records if record.name == "signing.keyservice"]
    assert [record.getMessage() for record in unwraps] == [
        "key service: unwrapped "
        f'{{"of":"{data_key_purpose(bid)}","purpose":"platform evaluation key wrap"}}'
    ]


def test_a_web_process_holds_no_evaluation_or_ca_passphrase(web_process):
    from signing.conf import ca_passphrase, key_passphrase

    with pytest.raises(KeyUnavailable) as refused:
        evaluation_private_key()
    assert str(refused.value) == (
        "a web process holds only the evaluation public key: it asks the key service "
        "(SIGNING_KEY_SERVICE_SOCKET) to unwrap"
    )
    with pytest.raises(KeyUnavailable, match="SIGNING_CA_PASSPHRASE is withheld from web"):
        ca_passphrase()
    assert key_passphrase("platform")  # it signs receipts and notices
    assert evaluation_public_key()  # from the public file, no passphrase


def test_a_web_process_without_the_key_service_cannot_unwrap(web_process, tmp_path):
    method, wrapped, _ = evaluation_wrap(b"k" * 32, purpose="a test secret")
    web_process.SIGNING_KEY_SERVICE_SOCKET = str(tmp_path / "nobody-listens.sock")

    with pytest.raises(KeyServiceUnavailable) as refused:
        evaluation_unwrap(method, wrapped, purpose="a test secret")

    assert str(refused.value).startswith(
        f"the key service does not answer at {tmp_path / 'nobody-listens.sock'} "
        "(SIGNING_KEY_SERVICE_SOCKET): "
    )
    web_process.SIGNING_KEY_SERVICE_SOCKET = ""
    with pytest.raises(KeyUnavailable, match="SIGNING_KEY_SERVICE_SOCKET is not set"):
        evaluation_unwrap(method, wrapped, purpose="a test secret")


def start_key_service(socket: Path, settings) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SIGNING_CA_DIR": str(settings.SIGNING_CA_DIR),
        "SIGNING_KEY_SERVICE_SOCKET": str(socket),
        "PLATFORM_PROCESS": "key_service",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "signing.keyservice"],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    limit = time.monotonic() + 30
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > limit:
            process.kill()
            pytest.fail(f"the key service did not start: {process.stdout.read()}")
        time.sleep(0.1)
    return process


def test_the_key_service_process_unwraps_one_secret_at_a_time(settings, tmp_path):
    socket = tmp_path / "keys.sock"
    process = start_key_service(socket, settings)
    try:
        client = KeyServiceClient(socket)
        method, wrapped, _ = evaluation_wrap(b"d" * 32, purpose="sealed-bid data key of bid 7")

        assert client.public_key_id() == key_id(evaluation_public_key())
        settings.SIGNING_KEY_SERVICE_SOCKET = str(socket)
        assert evaluation_unwrap(method, wrapped, purpose="sealed-bid data key of bid 7") == (
            b"d" * 32
        )
        with pytest.raises(KeyServiceRefused) as refused:
            evaluation_unwrap(method, wrapped, purpose="sealed-bid data key of bid 8")
        assert refused.value.code == "wrong_key"
        assert oct(socket.stat().st_mode & 0o777) == "0o660"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"answers at {socket}" in output
    assert "key service: unwrapped " in output
    assert not socket.exists()


def test_a_second_key_service_on_the_same_socket_refuses_to_start(settings, tmp_path):
    socket = tmp_path / "keys.sock"
    first = start_key_service(socket, settings)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "signing.keyservice", "--socket", str(socket)],
            cwd=PROJECT,
            env={**os.environ, "SIGNING_CA_DIR": str(settings.SIGNING_CA_DIR)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        first.terminate()
        first.communicate(timeout=30)
    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"key service: cannot start: another key service already answers at {socket}"
    )
