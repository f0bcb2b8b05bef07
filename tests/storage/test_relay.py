"""Parts relayed from a stream to a real SeaweedFS, never held whole (resumable bid uploads)."""

import hashlib
import io
import os
import uuid

import pytest

from storage.objects import MINIMUM_PART_SIZE, StreamEnded


def _key() -> str:
    return f"test-relay/{uuid.uuid4()}"


class TrickleStream(io.RawIOBase):
    """At most `step` bytes per read, like a request body; ends after `stop` bytes if given."""

    def __init__(self, data: bytes, step: int, stop: int | None = None) -> None:
        self._data, self._position, self._step = data, 0, step
        self._stop = len(data) if stop is None else stop

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._step if size < 0 else min(size, self._step)
        chunk = self._data[self._position : min(self._position + size, self._stop)]
        self._position += len(chunk)
        return chunk


def test_a_part_relayed_from_a_stream_is_stored_whole_and_observed_on_the_way(object_storage):
    bucket, key = object_storage.bucket("bids"), _key()
    first, second = os.urandom(MINIMUM_PART_SIZE), os.urandom(123_457)
    upload_id = object_storage.multipart_create(bucket=bucket, key=key)
    trace = io.StringIO()
    object_storage._relay_client.trace_on(trace)
    digests = [hashlib.sha256(), hashlib.sha256()]
    try:
        stored = [
            object_storage.multipart_upload_stream(
                bucket=bucket,
                key=key,
                upload_id=upload_id,
                number=number,
                stream=TrickleStream(data, step=9000),
                length=len(data),
                observe=digests[number - 1].update,
            )
            for number, data in ((1, first), (2, second))
        ]
    finally:
        object_storage._relay_client.trace_off()

    assert [(part.number, part.size) for part in stored] == [(1, len(first)), (2, len(second))]
    assert [digest.hexdigest() for digest in digests] == [
        hashlib.sha256(first).hexdigest(),
        hashlib.sha256(second).hexdigest(),
    ]
    # The request is signed; the payload, sent before it could be hashed, is not.
    headers = trace.getvalue().lower()
    assert "x-amz-content-sha256: unsigned-payload" in headers
    assert f"content-length: {len(first)}" in headers
    assert "authorization: aws4-hmac-sha256" in headers
    assert "x-platform-given-sha256" not in headers
    object_storage.multipart_complete(bucket=bucket, key=key, upload_id=upload_id, parts=stored)
    with object_storage.open(bucket=bucket, key=key) as chunks:
        assert b"".join(chunks) == first + second
    object_storage.delete(bucket=bucket, key=key)


def test_a_stream_that_ends_early_stores_nothing_and_the_part_can_be_sent_again(object_storage):
    bucket, key = object_storage.bucket("bids"), _key()
    data = os.urandom(MINIMUM_PART_SIZE)
    upload_id = object_storage.multipart_create(bucket=bucket, key=key)

    with pytest.raises(StreamEnded) as ended:
        object_storage.multipart_upload_stream(
            bucket=bucket,
            key=key,
            upload_id=upload_id,
            number=1,
            stream=TrickleStream(data, step=65536, stop=1_000_000),
            length=len(data),
        )

    assert (ended.value.received, ended.value.expected) == (1_000_000, len(data))
    assert object_storage.multipart_list_parts(bucket=bucket, key=key, upload_id=upload_id) == []
    part = object_storage.multipart_upload_stream(
        bucket=bucket,
        key=key,
        upload_id=upload_id,
        number=1,
        stream=io.BytesIO(data),
        length=len(data),
    )
    object_storage.multipart_complete(bucket=bucket, key=key, upload_id=upload_id, parts=[part])
    with object_storage.open(bucket=bucket, key=key) as chunks:
        assert b"".join(chunks) == data
    object_storage.delete(bucket=bucket, key=key)
