"""A web process holds only the evaluation public key: the closed area's viewer, in a web
request, asks the key service to unwrap one bid's data key and streams the bid's file; the
key service is a process of its own, started as `make run` starts it."""
# Fixtures of other stories are imported; tests name them as parameters.
# ruff: noqa: F811

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.core.management.base import CommandError

from bids.models import Bid, EscrowShareSubmission
from bids.sealed_objects import data_key_purpose, evaluation_unwrap, evaluation_wrap
from signing.conf import KeyUnavailable, evaluation_private_key, evaluation_public_key
from signing.envelope.escrow_parts import submission_info
from signing.envelope.format import key_id
from signing.keyservice import KeyServiceClient, KeyServiceRefused, KeyServiceUnavailable
from tests.bids.conftest import bid_settings  # noqa: F401  (a fixture)
from tests.bids.opening import build_opening
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
    room_settings,
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


@pytest.mark.django_db
def test_escrow_recovery_runs_in_the_key_service_and_no_share_reaches_the_web(
    bid_settings, certificate_authority, web_process, caplog
):
    story = build_opening(certificate_authority, bidders=1, committee=3, threshold=2)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    lost = story.bidders[0]
    assert (
        story.host_post(f"bids/{lost.bid_id}/escrow-request", {"reason": "CA锁遗失"}).status_code
        == 200
    )
    opened = {}
    for number, member in enumerate(story.members[:2], start=1):
        opened[number] = member.opened_shares(story.tender_id)
        assert member.submit_share(story.tender_id, opened[number]).status_code == 201
    kept = {
        item.member_number: bytes(item.wrapped_share)
        for item in EscrowShareSubmission.objects.all()
    }
    for number in (1, 2):
        for mnemonic in opened[number].values():
            assert mnemonic.split()[0].encode() not in kept[number]
    # The web process cannot have the key service open a submission for it.
    submission = EscrowShareSubmission.objects.get(member_number=1)
    escrow = story.tender.escrow
    with pytest.raises(KeyServiceRefused) as refused:
        KeyServiceClient(web_process.SIGNING_KEY_SERVICE_SOCKET).unwrap(
            submission.wrap_method,
            bytes(submission.wrapped_share),
            info=submission_info(
                tender_id=story.tender_id, escrow_key_id=escrow.key_id, member_number=1
            ),
        )
    assert refused.value.code == "unwrap_refused"
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="signing.keyservice"):
        recovered = story.host_post("escrow-recovery")

    assert recovered.status_code == 200, recovered.json()
    assert recovered.json()["recovered"] == [lost.bid_id]
    assert [r.getMessage() for r in caplog.records if r.name == "signing.keyservice"] == [
        f"key service: escrow {escrow.key_id[:16]} recovered from members [1, 2]; "
        "1 data keys unwrapped"
    ]
    assert story.run_decryptions() == ["decrypted"]


@pytest.mark.django_db
def test_shares_of_another_member_or_not_shares_at_all_are_refused_as_they_arrive(
    bid_settings, certificate_authority
):
    story = build_opening(certificate_authority, bidders=1, committee=3, threshold=2)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    first, second = story.members[:2]

    theirs = first.submit_share(story.tender_id, second.opened_shares(story.tender_id))
    garbage = first.submit_share(story.tender_id, {"1": "not", "2": "a", "3": "share"})
    partial = first.submit_share(story.tender_id, {"1": first.opened_shares(story.tender_id)["1"]})

    assert (theirs.status_code, theirs.json()["error"]) == (400, "share_not_yours")
    assert theirs.json()["message"] == "These are not the shares of committee member 1."
    assert (garbage.status_code, garbage.json()["error"]) == (400, "share_malformed")
    assert (partial.status_code, partial.json()["error"]) == (400, "share_missing")
    assert not EscrowShareSubmission.objects.exists()


@pytest.mark.django_db
def test_preflight_checks_the_key_service_holds_the_key_web_processes_wrap_to(
    settings, tmp_path, s3_server, capsys
):
    call_command("preflight")
    assert f"key_service: up ({settings.SIGNING_KEY_SERVICE_SOCKET}, evaluation key " in (
        capsys.readouterr().out
    )
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    (tmp_path / "other.pub.pem").write_bytes(
        other.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.SIGNING_EVALUATION_PUBLIC_KEY = str(tmp_path / "other.pub.pem")

    with pytest.raises(CommandError) as refused:
        call_command("preflight")

    assert str(refused.value).startswith("key service is not usable: it holds evaluation key ")
    assert str(refused.value).endswith(f"SIGNING_EVALUATION_PUBLIC_KEY is {key_id(other)[:16]}…")
