"""Large request bodies under a real gunicorn: read in big blocks, every byte, exactly once."""

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn_port():
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "tests.config.gunicorn_echo",
            "-w",
            "1",
            "--threads",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "-c",
            os.devnull,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _put(connection: http.client.HTTPConnection, body: bytes, path: str = "/") -> dict:
    connection.request("PUT", path, body=body)
    response = connection.getresponse()
    assert response.status == 200
    return json.loads(response.read())


def test_a_large_body_is_read_whole_through_gunicorns_length_reader(gunicorn_port):
    body = os.urandom(20 * 1024 * 1024 + 12345)
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=60)

    answer = _put(connection, body)

    assert answer == {
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "read_by": "GunicornBody",
    }


def test_a_body_read_in_one_call_comes_whole(gunicorn_port):
    # Django's request.body reads everything at once: a read must not stop at one receive.
    body = os.urandom(2 * 1024 * 1024 + 7)  # under DATA_UPLOAD_MAX_MEMORY_SIZE
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=60)

    answer = _put(connection, body, path="/?whole=1")

    assert answer["size"] == len(body)
    assert answer["sha256"] == hashlib.sha256(body).hexdigest()


def test_two_bodies_on_one_kept_alive_connection_stay_apart(gunicorn_port):
    first, second = os.urandom(3 * 1024 * 1024 + 1), os.urandom(700_001)
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=60)

    answers = [_put(connection, first), _put(connection, second)]

    assert [answer["sha256"] for answer in answers] == [
        hashlib.sha256(first).hexdigest(),
        hashlib.sha256(second).hexdigest(),
    ]


def test_a_body_cut_short_by_the_client_yields_only_what_arrived(gunicorn_port):
    sent = os.urandom(1024 * 1024)
    with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=60) as client:
        client.sendall(b"PUT / HTTP/1.1\r\nHost: test\r\nContent-Length: 5000000\r\n\r\n" + sent)
        client.shutdown(socket.SHUT_WR)  # the bidder's connection drops half-way
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk

    result = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert result["size"] == len(sent)
    assert result["sha256"] == hashlib.sha256(sent).hexdigest()


def test_a_body_without_a_length_is_left_to_django(gunicorn_port):
    # The upload API refuses such a body (411); the helper must not take it over either.
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=60)

    connection.request("PUT", "/", body=iter([b"a" * 1000, b"b" * 1000]), encode_chunked=True)
    answer = json.loads(connection.getresponse().read())

    assert answer["read_by"] == "Body"  # gunicorn's own
