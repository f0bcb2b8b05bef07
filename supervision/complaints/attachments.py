"""The complainant's files in object storage (the storage/ adapter), in the "documents" bucket
under `complaints/<complaint id>/attachments/<attachment id>`: keys made of ids, never of the
names people give their files. Streamed both ways; never read whole."""

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from storage.objects import StorageError, StoredObject, get_storage
from supervision.complaints.errors import ComplaintRefused
from supervision.models import ComplaintAttachment

BUCKET = "documents"
MAXIMUM_ATTACHMENTS = 20
MAXIMUM_ATTACHMENT_SIZE = 100 * 1024 * 1024
MAXIMUM_NAME_LENGTH = 200


@dataclass(frozen=True)
class AttachmentUpload:
    """A file as the complainant gives it: its name (shown, never used as a key) and bytes."""

    name: str
    stream: BinaryIO


@dataclass(frozen=True)
class StoredAttachment:
    id: uuid.UUID
    name: str
    stored: StoredObject


def attachments_check(uploads: Sequence[AttachmentUpload]) -> None:
    """Refuse what can be refused before any byte is stored."""
    if len(uploads) > MAXIMUM_ATTACHMENTS:
        raise ComplaintRefused(
            "attachments_too_many",
            _("a complaint carries at most %(count)d attachments") % {"count": MAXIMUM_ATTACHMENTS},
            field="attachments",
        )
    for index, upload in enumerate(uploads):
        name = upload.name
        if not name or len(name) > MAXIMUM_NAME_LENGTH or "/" in name or "\\" in name:
            raise ComplaintRefused(
                "attachment_name_invalid",
                _("an attachment needs a file name of 1 to 200 characters, without slashes"),
                field=f"attachments[{index}]",
            )


def attachments_store(
    *, complaint_id: uuid.UUID, uploads: Sequence[AttachmentUpload]
) -> list[StoredAttachment]:
    """Stream each file to storage, hashing it on the way; on any failure, or a file over the
    limit, remove what was stored and refuse, so nothing is left half-written."""
    storage = get_storage()
    bucket = storage.bucket(BUCKET)
    stored: list[StoredAttachment] = []
    try:
        for index, upload in enumerate(uploads):
            attachment_id = uuid.uuid4()
            key = f"complaints/{complaint_id}/attachments/{attachment_id}"
            try:
                result = storage.put_stream(bucket=bucket, key=key, stream=upload.stream)
            except StorageError as error:
                raise ComplaintRefused(
                    "storage_unavailable",
                    _("the attachments could not be stored; try again later"),
                    status=503,
                ) from error
            stored.append(StoredAttachment(attachment_id, upload.name, result))
            if result.size > MAXIMUM_ATTACHMENT_SIZE:
                raise ComplaintRefused(
                    "attachment_too_large",
                    _("an attachment is at most %(megabytes)d MiB; %(name)s is larger")
                    % {"megabytes": MAXIMUM_ATTACHMENT_SIZE // (1024 * 1024), "name": upload.name},
                    status=413,
                    field=f"attachments[{index}]",
                )
    except BaseException:
        attachments_remove(stored)
        raise
    return stored


def attachments_remove(stored: Sequence[StoredAttachment]) -> None:
    storage = get_storage()
    for item in stored:
        storage.delete(bucket=item.stored.bucket, key=item.stored.key)


def attachment_chunks(attachment: ComplaintAttachment) -> Iterator[bytes]:
    """The file's bytes from storage; the connection is released when iteration ends."""
    storage = get_storage()
    with storage.open(bucket=storage.bucket(BUCKET), key=attachment.object_key) as chunks:
        yield from chunks
