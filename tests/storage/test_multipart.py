"""Multipart uploads driven part by part: the adapter's calls for resumable bid uploads."""

import hashlib
import uuid

import pytest

from storage.objects import MINIMUM_PART_SIZE, UploadNotFound


def _key() -> str:
    return f"test-multipart/{uuid.uuid4()}"


def test_parts_sent_one_by_one_assemble_into_the_object(object_storage):
    bucket, key = object_storage.bucket("bids"), _key()
    first = bytes(range(256)) * (MINIMUM_PART_SIZE // 256)
    second = b"tail of the object"
    upload_id = object_storage.multipart_create(bucket=bucket, key=key)

    stored = [
        object_storage.multipart_upload_part(
            bucket=bucket, key=key, upload_id=upload_id, number=1, data=first
        ),
        object_storage.multipart_upload_part(
            bucket=bucket, key=key, upload_id=upload_id, number=2, data=second
        ),
    ]
    listed = object_storage.multipart_list_parts(bucket=bucket, key=key, upload_id=upload_id)
    assert [(part.number, part.size, part.etag) for part in listed] == [
        (1, len(first), stored[0].etag),
        (2, len(second), stored[1].etag),
    ]
    assert [
        upload.upload_id
        for upload in object_storage.multipart_list_incomplete(bucket=bucket, prefix=key)
    ] == [upload_id]

    object_storage.multipart_complete(bucket=bucket, key=key, upload_id=upload_id, parts=listed)

    with object_storage.open(bucket=bucket, key=key) as chunks:
        digest = hashlib.sha256(b"".join(chunks)).hexdigest()
    assert digest == hashlib.sha256(first + second).hexdigest()
    assert object_storage.multipart_list_incomplete(bucket=bucket, prefix=key) == []
    object_storage.delete(bucket=bucket, key=key)


def test_a_part_sent_again_replaces_the_first_when_completed_with_its_etag(object_storage):
    bucket, key = object_storage.bucket("bids"), _key()
    upload_id = object_storage.multipart_create(bucket=bucket, key=key)
    first = object_storage.multipart_upload_part(
        bucket=bucket, key=key, upload_id=upload_id, number=1, data=b"first try"
    )
    again = object_storage.multipart_upload_part(
        bucket=bucket, key=key, upload_id=upload_id, number=1, data=b"second try!"
    )
    listed = object_storage.multipart_list_parts(bucket=bucket, key=key, upload_id=upload_id)
    # SeaweedFS lists both until completion; the ETag the caller kept decides.
    assert {(part.number, part.etag) for part in listed} <= {(1, first.etag), (1, again.etag)}
    assert (1, again.etag) in {(part.number, part.etag) for part in listed}

    object_storage.multipart_complete(bucket=bucket, key=key, upload_id=upload_id, parts=[again])

    with object_storage.open(bucket=bucket, key=key) as chunks:
        assert b"".join(chunks) == b"second try!"
    object_storage.delete(bucket=bucket, key=key)


def test_an_aborted_upload_is_gone_with_its_parts(object_storage):
    bucket, key = object_storage.bucket("bids"), _key()
    upload_id = object_storage.multipart_create(bucket=bucket, key=key)
    object_storage.multipart_upload_part(
        bucket=bucket, key=key, upload_id=upload_id, number=1, data=b"x" * 1000
    )

    object_storage.multipart_abort(bucket=bucket, key=key, upload_id=upload_id)
    object_storage.multipart_abort(bucket=bucket, key=key, upload_id=upload_id)  # no error

    assert object_storage.multipart_list_incomplete(bucket=bucket, prefix=key) == []
    with pytest.raises(UploadNotFound):
        object_storage.multipart_upload_part(
            bucket=bucket, key=key, upload_id=upload_id, number=2, data=b"late"
        )
