"""The storage adapter against a real SeaweedFS S3 server."""

import hashlib
import io
import os

import pytest

from storage.objects import (
    MINIMUM_PART_SIZE,
    HashingFullReader,
    ObjectNotFound,
    ObjectStorage,
    StorageError,
)


class TrickleStream(io.RawIOBase):
    """A stream that hands out at most `step` bytes per read, like a socket."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._position, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._step if size < 0 else min(size, self._step)
        chunk = self._data[self._position : self._position + size]
        self._position += len(chunk)
        return chunk


def test_reader_returns_full_chunks_from_a_trickling_stream():
    data = os.urandom(10_000)
    reader = HashingFullReader(TrickleStream(data, step=7))
    assert len(reader.read(4096)) == 4096
    assert len(reader.read(4096)) == 4096
    assert len(reader.read(4096)) == 10_000 - 8192
    assert reader.read(4096) == b""
    assert reader.size == 10_000
    assert reader.sha256 == hashlib.sha256(data).hexdigest()


def test_a_multipart_stream_of_unknown_length_comes_back_byte_for_byte(object_storage):
    data = os.urandom(2 * MINIMUM_PART_SIZE + 12345)  # three parts at the 5 MiB minimum
    storage = ObjectStorage(
        endpoint=object_storage.endpoint,
        access_key="test-access-key",
        secret_key="test-secret-key-for-the-run",
        secure=False,
        region="us-east-1",
        buckets=object_storage.buckets,
        part_size=MINIMUM_PART_SIZE,
    )
    bucket = storage.bucket("bids")

    stored = storage.put_stream(
        bucket=bucket,
        key="tests/multipart",
        stream=TrickleStream(data, step=65536),
        metadata={"purpose": "test"},
    )

    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.etag.endswith("-3")  # S3 marks multipart objects by their part count
    info = storage.stat(bucket=bucket, key="tests/multipart")
    assert info.size == len(data)
    assert info.metadata["x-amz-meta-purpose"] == "test"
    with storage.open(bucket=bucket, key="tests/multipart") as chunks:
        assert b"".join(chunks) == data
    with storage.open(bucket=bucket, key="tests/multipart", offset=100, length=50) as chunks:
        assert b"".join(chunks) == data[100:150]


def test_a_deleted_object_is_gone(object_storage):
    bucket = object_storage.bucket("documents")
    object_storage.put_stream(bucket=bucket, key="tests/short", stream=io.BytesIO(b"notice"))
    object_storage.delete(bucket=bucket, key="tests/short")
    with pytest.raises(ObjectNotFound, match="tests/short does not exist"):
        object_storage.stat(bucket=bucket, key="tests/short")
    with pytest.raises(ObjectNotFound), object_storage.open(bucket=bucket, key="tests/short"):
        pass


def test_wrong_keys_are_named_in_one_line(s3_server):
    storage = ObjectStorage(
        endpoint=s3_server.endpoint,
        access_key="intruder",
        secret_key="guess",
        secure=False,
        region="us-east-1",
        buckets={"bids": "platform-bids"},
    )
    with pytest.raises(StorageError) as refused:
        storage.ensure_buckets()
    # A HEAD request carries no error body, so the server's code may be either of these.
    assert str(refused.value) in {
        "S3_ACCESS_KEY / S3_SECRET_KEY are refused by the S3 server (InvalidAccessKeyId)",
        "S3_ACCESS_KEY / S3_SECRET_KEY are refused by the S3 server (AccessDenied)",
    }


def test_anonymous_requests_are_refused(object_storage):
    import urllib.error
    import urllib.request

    bucket = object_storage.bucket("bids")
    object_storage.put_stream(bucket=bucket, key="tests/secret", stream=io.BytesIO(b"sealed"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://{object_storage.endpoint}/{bucket}/tests/secret")
    assert refused.value.code == 403


def test_a_bucket_name_s3_refuses_is_named(s3_server):
    storage = ObjectStorage(
        endpoint=s3_server.endpoint,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        secure=False,
        region="us-east-1",
        buckets={"bids": "Bad_Bucket"},
    )
    with pytest.raises(StorageError, match=r"^S3_BUCKET_BIDS='Bad_Bucket' is refused"):
        storage.ensure_buckets()


def test_an_unreachable_endpoint_is_named(s3_server):
    from storage.embedded import free_port

    storage = ObjectStorage(
        endpoint=f"127.0.0.1:{free_port()}",
        access_key="a",
        secret_key="b",
        secure=False,
        region="us-east-1",
        buckets={"bids": "platform-bids"},
    )
    with pytest.raises(StorageError, match=r"^S3_ENDPOINT='127\.0\.0\.1:\d+' cannot be reached"):
        storage.ping()


def test_the_embedded_server_listens_on_loopback_only(s3_server):
    import subprocess

    listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    owner = f"pid={s3_server.process.pid},"
    weed_lines = [line for line in listening.splitlines() if owner in line]
    assert len(weed_lines) >= 8  # master, volume, filer and S3, each with its gRPC port
    for line in weed_lines:
        local_address = line.split()[3]
        assert local_address.startswith("127.0.0.1:"), line
