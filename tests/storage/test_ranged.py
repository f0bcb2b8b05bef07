"""The opening's seekable reader over a stored object, against the real S3 server."""

import io
import os
from contextlib import contextmanager

import pytest

from storage.ranged import RangedObjectReader

HEAD = 64 * 1024


class GetCounter:
    """The real storage, with every GET's offset and length noted (the reader's requests)."""

    def __init__(self, storage) -> None:
        self.storage = storage
        self.gets: list[tuple[int, int | None]] = []

    @contextmanager
    def open(self, *, bucket: str, key: str, offset: int = 0, length: int | None = None):
        self.gets.append((offset, length))
        with self.storage.open(bucket=bucket, key=key, offset=offset, length=length) as chunks:
            yield chunks


def _stored(object_storage, data: bytes, key: str) -> str:
    bucket = object_storage.bucket("bids")
    object_storage.put_stream(bucket=bucket, key=key, stream=io.BytesIO(data))
    return bucket


def _read_all(reader: RangedObjectReader, block: int = 256 * 1024) -> bytes:
    buffer = bytearray(block)
    out = bytearray()
    while count := reader.readinto(buffer):
        out += buffer[:count]
    return bytes(out)


def test_reading_the_header_fetches_only_the_head_then_the_rest_in_one_get(object_storage):
    data = os.urandom(3 * 1024 * 1024 + 17)
    bucket = _stored(object_storage, data, "tests/ranged-head")
    counter = GetCounter(object_storage)

    with RangedObjectReader(
        counter, bucket=bucket, key="tests/ranged-head", size=len(data), head_size=HEAD
    ) as reader:
        assert reader.read(100) == data[:100]
        assert _read_all(reader) == data[100:]

    assert counter.gets == [(0, HEAD), (HEAD, None)]


@pytest.mark.parametrize("prefetch", [True, False])
def test_a_seek_past_the_head_reads_from_there_to_the_end(object_storage, prefetch):
    data = os.urandom(512 * 1024)
    bucket = _stored(object_storage, data, "tests/ranged-seek")
    counter = GetCounter(object_storage)

    with RangedObjectReader(
        counter,
        bucket=bucket,
        key="tests/ranged-seek",
        size=len(data),
        head_size=HEAD,
        prefetch=prefetch,
    ) as reader:
        assert reader.read(10) == data[:10]
        reader.seek(400_000)
        assert _read_all(reader) == data[400_000:]
        reader.seek(20)
        assert reader.read(HEAD) == data[20 : 20 + HEAD]

    assert counter.gets == [(0, HEAD), (400_000, None), (20, None)]


@pytest.mark.parametrize("prefetch", [True, False])
def test_views_lent_by_the_reader_hold_the_bytes_without_a_copy(object_storage, prefetch):
    data = os.urandom(2 * 1024 * 1024 + 99)
    bucket = _stored(object_storage, data, "tests/ranged-views")
    counter = GetCounter(object_storage)

    with RangedObjectReader(
        counter,
        bucket=bucket,
        key="tests/ranged-views",
        size=len(data),
        head_size=HEAD,
        prefetch=prefetch,
    ) as reader:
        first = reader.readview(10)
        views = [first]
        while view := reader.readview(300 * 1024):
            assert 0 < len(view) <= 300 * 1024
            views.append(view)
        # Every view still holds its bytes after the reader moved on.
        assert b"".join(bytes(view) for view in views) == data
        assert reader.readview(1) == b""

    assert counter.gets == [(0, HEAD), (HEAD, None)]


def test_asking_the_size_by_seeking_to_the_end_and_back_costs_no_get(object_storage):
    data = os.urandom(200 * 1024)
    bucket = _stored(object_storage, data, "tests/ranged-size")
    counter = GetCounter(object_storage)

    with RangedObjectReader(
        counter, bucket=bucket, key="tests/ranged-size", size=len(data), head_size=HEAD
    ) as reader:
        assert reader.read(10) == data[:10]
        position = reader.tell()
        assert reader.seek(0, io.SEEK_END) == len(data)
        reader.seek(position)
        assert reader.read(10) == data[10:20]

    assert counter.gets == [(0, HEAD)]


def test_an_object_shorter_than_its_expected_size_ends_the_read_early(object_storage):
    data = os.urandom(100 * 1024)
    bucket = _stored(object_storage, data, "tests/ranged-short")

    with RangedObjectReader(
        object_storage,
        bucket=bucket,
        key="tests/ranged-short",
        size=len(data) + 5000,
        head_size=HEAD,
    ) as reader:
        assert _read_all(reader) == data
        assert reader.tell() == len(data)


def test_a_sealed_bid_opened_in_one_pass_costs_one_get(
    object_storage, bidder_credential, trust_store
):
    from signing.envelope import open_sealed_bid
    from tests.signing.envelope_helpers import seal_contents

    sealed = seal_contents(bidder_credential, [os.urandom(1024 * 1024 + 5), b"second file"])
    bucket = _stored(object_storage, sealed, "tests/ranged-sealed")
    counter = GetCounter(object_storage)

    # The opening job's way: from the start to the end, in file order.
    with RangedObjectReader(
        counter, bucket=bucket, key="tests/ranged-sealed", size=len(sealed), prefetch=False
    ) as reader:
        open_sealed_bid(
            reader,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            overlap=False,
            in_one_pass=True,
        )
    assert counter.gets == [(0, None)]

    # The manifest first (the file's last part), then back to the files: three.
    counter.gets.clear()
    with RangedObjectReader(
        counter, bucket=bucket, key="tests/ranged-sealed", size=len(sealed), head_size=HEAD
    ) as reader:
        open_sealed_bid(reader, trust=trust_store, private_key=bidder_credential.private_key)
    assert len(counter.gets) == 3
