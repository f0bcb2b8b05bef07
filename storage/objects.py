"""The object storage adapter: streaming put, get, stat and delete over any S3 cluster.

Only this module imports the `minio` SDK (7.2.x, keyword arguments). Streams are never read
whole: uploads of unknown length go up as multipart parts of `part_size` bytes, and the reader
handed to the SDK always returns full parts, because the SDK builds a part by concatenating
reads (small reads would make each part quadratic to assemble).
"""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import BinaryIO
from xml.etree import ElementTree

import urllib3
from minio import Minio
from minio.datatypes import Part as _SdkPart
from minio.error import S3Error

MINIMUM_PART_SIZE = 5 * 1024 * 1024  # the S3 API's floor for every part but the last
READ_CHUNK_SIZE = 1024 * 1024
RELAY_BLOCK_SIZE = 256 * 1024  # what multipart_upload_stream holds per part in flight
# A header the adapter passes to _Client._build_headers, never sent: the payload digest to sign.
_GIVEN_SHA256 = "x-platform-given-sha256"


class StorageError(Exception):
    """Object storage refused or could not be reached; the message names the setting to check."""


class ObjectNotFound(StorageError):
    pass


class UploadNotFound(StorageError):
    """The multipart upload id is unknown to the server (completed, aborted or never made)."""


class StreamEnded(Exception):
    """The stream relayed by multipart_upload_stream ended (or failed) before its length."""

    def __init__(self, received: int, expected: int) -> None:
        super().__init__(f"the stream ended after {received} of {expected} bytes")
        self.received = received
        self.expected = expected


@dataclass(frozen=True)
class UploadedPart:
    number: int
    etag: str
    size: int


@dataclass(frozen=True)
class IncompleteUpload:
    bucket: str
    key: str
    upload_id: str
    initiated: datetime | None


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    key: str
    size: int
    sha256: str
    etag: str


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str
    metadata: dict[str, str]


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class HashingFullReader:
    """Wraps a stream: every read(n) returns exactly n bytes until the end, hashing as it goes."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._stream.read()
        else:
            pieces, wanted = [], size
            while wanted > 0:
                piece = self._stream.read(wanted)
                if not piece:
                    break
                pieces.append(piece)
                wanted -= len(piece)
            data = b"".join(pieces)
        self._sha256.update(data)
        self.size += len(data)
        return data

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()


class _RelayedBody:
    """A request body read from `stream` while urllib3 sends it: exactly `length` bytes, each
    block shown to `observe` on the way. `len()` is the Content-Length; a stream that ends early
    raises StreamEnded, so the connection is dropped and the server never completes the
    request."""

    def __init__(
        self, stream: BinaryIO, length: int, observe: Callable[[bytes], None] | None
    ) -> None:
        self._stream = stream
        self.length = length
        self.sent = 0
        self._observe = observe
        self.ended = False

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        remaining = self.length - self.sent
        size = remaining if size is None or size < 0 else min(size, remaining)
        if size <= 0:
            return b""
        try:
            data = self._stream.read(size)
        except OSError as error:  # the client's connection, not storage's
            self.ended = True
            raise StreamEnded(self.sent, self.length) from error
        if not data:
            self.ended = True
            raise StreamEnded(self.sent, self.length)
        if self._observe is not None:
            self._observe(data)
        self.sent += len(data)
        return data


class _Client(Minio):
    """The SDK's client, told what payload digest to sign for a relayed body.

    The SDK hashes every body before sending it (SHA-256 for SigV4 over HTTP, MD5 over HTTPS);
    a relayed stream cannot be hashed before it is sent, so it is signed `UNSIGNED-PAYLOAD`
    with the Content-Length its `len()` gives. Other requests are the SDK's own.
    """

    def _build_headers(self, host, headers=None, body=None, creds=None):  # type: ignore[override]
        headers = dict(headers or {})
        given = headers.pop(_GIVEN_SHA256, None)
        if given is None or body is None or creds is None:
            return super()._build_headers(host, headers, body, creds)
        built, date = super()._build_headers(host, headers, b"", creds)  # hashes nothing
        built.pop("Content-MD5", None)  # that of the empty body
        built["Content-Length"] = str(len(body))
        built["x-amz-content-sha256"] = given
        return built, date


def _http_client(
    *, timeout_seconds: float, retries: int, blocksize: int = 16384
) -> urllib3.PoolManager:
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout_seconds, read=max(timeout_seconds, 60.0)),
        retries=urllib3.Retry(
            total=retries, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
        ),
        maxsize=10,
        blocksize=blocksize,
    )


class ObjectStorage:
    """One S3 endpoint and the platform's buckets on it."""

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        secure: bool,
        region: str,
        buckets: dict[str, str],
        part_size: int = MINIMUM_PART_SIZE,
    ) -> None:
        if part_size < MINIMUM_PART_SIZE:
            raise StorageError(f"S3_PART_SIZE={part_size} is below the S3 minimum of 5 MiB")
        self.endpoint = endpoint
        self.buckets = dict(buckets)
        self.part_size = part_size
        options = {
            "endpoint": endpoint,
            "access_key": access_key,
            "secret_key": secret_key,
            "secure": secure,
            "region": region,
        }
        self._client = Minio(**options, http_client=_http_client(timeout_seconds=10, retries=3))
        # A relayed stream cannot be sent twice: no retries, and 256 KiB per socket write.
        self._relay_client = _Client(
            **options,
            http_client=_http_client(timeout_seconds=10, retries=0, blocksize=RELAY_BLOCK_SIZE),
        )
        # Health probes must answer in seconds, not after the SDK's retries and back-off.
        self._probe_client = Minio(
            **options, http_client=_http_client(timeout_seconds=2, retries=0)
        )

    def bucket(self, purpose: str) -> str:
        return self.buckets[purpose]

    def ensure_buckets(self) -> None:
        """Create each configured bucket that does not exist yet."""
        for purpose, name in self.buckets.items():
            setting = f"S3_BUCKET_{purpose.upper()}"
            try:
                if not self._client.bucket_exists(bucket_name=name):
                    self._client.make_bucket(bucket_name=name)
            except ValueError as error:  # the SDK checks bucket names before any request
                raise StorageError(f"{setting}={name!r} is refused: {error}") from None
            except S3Error as error:
                raise StorageError(self._explain(error, setting=f"{setting}={name!r}")) from None
            except (urllib3.exceptions.HTTPError, OSError) as error:
                raise StorageError(
                    f"S3_ENDPOINT={self.endpoint!r} cannot be reached: {error}"
                ) from None

    def ping(self) -> None:
        """Raise StorageError unless the endpoint answers, takes our keys and has every bucket."""
        try:
            existing = {bucket.name for bucket in self._probe_client.list_buckets()}
        except S3Error as error:
            raise StorageError(self._explain(error, setting="S3_ENDPOINT")) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise StorageError(
                f"S3_ENDPOINT={self.endpoint!r} cannot be reached: {error}"
            ) from None
        for purpose, name in self.buckets.items():
            if name not in existing:
                raise StorageError(f"bucket {name!r} (S3_BUCKET_{purpose.upper()}) is missing")

    def put_stream(
        self,
        *,
        bucket: str,
        key: str,
        stream: BinaryIO,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
    ) -> StoredObject:
        """Store a stream of unknown length as a multipart upload, hashing it on the way."""
        reader = HashingFullReader(stream)
        try:
            result = self._client.put_object(
                bucket_name=bucket,
                object_name=key,
                data=reader,
                length=-1,
                part_size=self.part_size,
                # The SDK's parallel uploader queues parts without bound: a fast reader and a
                # slow network would buffer the whole stream. One part at a time keeps memory flat.
                num_parallel_uploads=1,
                content_type=content_type,
                metadata=metadata,
            )
        except S3Error as error:
            raise StorageError(self._explain(error, setting=f"bucket {bucket!r}")) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise self._unreachable(error) from None
        return StoredObject(bucket, key, reader.size, reader.sha256, result.etag)

    @contextmanager
    def open(
        self, *, bucket: str, key: str, offset: int = 0, length: int | None = None
    ) -> Iterator[Iterator[bytes]]:
        """Yield an iterator over the object's bytes in chunks; the connection is released after."""
        try:
            response = self._client.get_object(
                bucket_name=bucket, object_name=key, offset=offset, length=length or 0
            )
        except S3Error as error:
            if error.code == "NoSuchKey":
                raise ObjectNotFound(f"object {bucket}/{key} does not exist") from None
            raise StorageError(self._explain(error, setting=f"bucket {bucket!r}")) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            # The server died or the network cut (a StorageError: callers answer "retry").
            raise self._unreachable(error) from None
        try:
            yield self._chunks(response.stream(READ_CHUNK_SIZE))
        finally:
            response.close()
            response.release_conn()

    def stat(self, *, bucket: str, key: str) -> ObjectInfo:
        try:
            info = self._client.stat_object(bucket_name=bucket, object_name=key)
        except S3Error as error:
            if error.code in {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}:
                raise ObjectNotFound(f"object {bucket}/{key} does not exist") from None
            raise StorageError(self._explain(error, setting=f"bucket {bucket!r}")) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise self._unreachable(error) from None
        return ObjectInfo(
            bucket,
            key,
            info.size or 0,
            info.etag or "",
            {name.lower(): value for name, value in (info.metadata or {}).items()},
        )

    def list_objects(self, *, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object of the bucket under `prefix`, in key order, listed a page at a time (the
        server's pages of up to 1000 keys): a bucket of any size is walked in constant memory.
        Sizes and ETags only; `stat` gives an object's metadata."""
        with self._s3_errors(bucket=bucket):
            for item in self._client.list_objects(
                bucket_name=bucket, prefix=prefix or None, recursive=True
            ):
                if item.is_dir or item.object_name is None:
                    continue
                yield ObjectInfo(
                    bucket, item.object_name, item.size or 0, (item.etag or "").strip('"'), {}
                )

    def delete(self, *, bucket: str, key: str) -> None:
        try:
            self._client.remove_object(bucket_name=bucket, object_name=key)
        except S3Error as error:
            raise StorageError(self._explain(error, setting=f"bucket {bucket!r}")) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise self._unreachable(error) from None

    # Multipart uploads driven part by part (resumable uploads: one part per client request).
    # The SDK exposes these S3 calls only as private methods; they are wrapped here so that the
    # rest of the platform never touches the SDK.

    def multipart_create(
        self,
        *,
        bucket: str,
        key: str,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
    ) -> str:
        """Start a multipart upload; return its upload id."""
        headers: dict[str, str] = {"Content-Type": content_type}
        for name, value in (metadata or {}).items():
            headers[f"x-amz-meta-{name}"] = value
        with self._s3_errors(bucket=bucket):
            return self._client._create_multipart_upload(
                bucket_name=bucket, object_name=key, headers=headers
            )

    def multipart_upload_part(
        self, *, bucket: str, key: str, upload_id: str, number: int, data: bytes | bytearray
    ) -> UploadedPart:
        """Store part `number` (1..10000) of an upload; a part sent again replaces the first."""
        if not 1 <= number <= 10000:
            raise StorageError(f"part number {number} is outside 1..10000")
        with self._s3_errors(bucket=bucket, key=key, upload_id=upload_id):
            etag = self._client._upload_part(
                bucket_name=bucket,
                object_name=key,
                data=data,
                headers=None,
                upload_id=upload_id,
                part_number=number,
            )
        return UploadedPart(number, etag.strip('"'), len(data))

    def multipart_upload_stream(
        self,
        *,
        bucket: str,
        key: str,
        upload_id: str,
        number: int,
        stream: BinaryIO,
        length: int,
        observe: Callable[[bytes], None] | None = None,
    ) -> UploadedPart:
        """Store part `number` from `stream`, exactly `length` bytes, relayed as it is read: at
        most RELAY_BLOCK_SIZE of it is held at a time. `observe` sees every block as it is sent,
        in order (the caller hashes them: one pass over the bytes).

        SigV4 would need the payload's digest before its first byte, so the payload goes
        unsigned (`UNSIGNED-PAYLOAD`, as the SDK signs it over HTTPS too); the request is
        signed as usual. StreamEnded if `stream` ends or fails first: the request to S3 is
        dropped unfinished, but the server may have dropped an earlier copy of the part too,
        so the caller must count the part as missing.
        """
        if not 1 <= number <= 10000:
            raise StorageError(f"part number {number} is outside 1..10000")
        body = _RelayedBody(stream, length, observe)
        try:
            with self._s3_errors(bucket=bucket, key=key, upload_id=upload_id):
                etag = self._relay_client._upload_part(
                    bucket_name=bucket,
                    object_name=key,
                    data=body,  # type: ignore[arg-type]
                    headers={_GIVEN_SHA256: "UNSIGNED-PAYLOAD"},
                    upload_id=upload_id,
                    part_number=number,
                )
        except StorageError:
            if body.ended:  # the failure was the client's stream, seen through urllib3
                raise StreamEnded(body.sent, length) from None
            raise
        if body.sent != length:
            raise StreamEnded(body.sent, length)
        return UploadedPart(number, etag.strip('"'), length)

    def multipart_list_parts(self, *, bucket: str, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts the server holds for an upload, in part-number order (see below on repeats)."""
        listed: list = []
        marker = None
        with self._s3_errors(bucket=bucket, key=key, upload_id=upload_id):
            while True:
                result = self._client._list_parts(
                    bucket_name=bucket,
                    object_name=key,
                    upload_id=upload_id,
                    max_parts=1000,
                    part_number_marker=marker,
                )
                listed.extend(result.parts)
                if not result.is_truncated or not result.parts:
                    break
                marker = str(result.next_part_number_marker)
        # A part sent twice may be listed twice until completion (SeaweedFS keeps both, in no
        # set order, with equal times): the caller's record of the ETag it got back decides.
        return sorted(
            (
                UploadedPart(part.part_number, (part.etag or "").strip('"'), part.size or 0)
                for part in listed
            ),
            key=lambda part: part.number,
        )

    def multipart_complete(
        self, *, bucket: str, key: str, upload_id: str, parts: list[UploadedPart]
    ) -> str:
        """Assemble the parts (in number order) into the object; return its ETag."""
        sdk_parts = [
            _SdkPart(part_number=part.number, etag=part.etag)
            for part in sorted(parts, key=lambda item: item.number)
        ]
        with self._s3_errors(bucket=bucket, key=key, upload_id=upload_id):
            result = self._client._complete_multipart_upload(
                bucket_name=bucket, object_name=key, upload_id=upload_id, parts=sdk_parts
            )
        return (result.etag or "").strip('"')

    def multipart_abort(self, *, bucket: str, key: str, upload_id: str) -> None:
        """Abort an upload and let the server drop its parts; an unknown upload is no error."""
        try:
            with self._s3_errors(bucket=bucket, key=key, upload_id=upload_id):
                self._client._abort_multipart_upload(
                    bucket_name=bucket, object_name=key, upload_id=upload_id
                )
        except UploadNotFound:
            return

    def multipart_list_incomplete(self, *, bucket: str, prefix: str = "") -> list[IncompleteUpload]:
        """Uploads started under `prefix` and neither completed nor aborted.

        Parsed here rather than by the SDK: minio 7.2 cannot read the `Initiated` time SeaweedFS
        writes (an offset instead of `Z`) and loses the upload-id marker of long listings.
        """
        uploads: list[IncompleteUpload] = []
        markers: dict[str, str] = {}
        with self._s3_errors(bucket=bucket):
            while True:
                response = self._client._execute(
                    "GET",
                    bucket,
                    query_params={
                        "uploads": "",
                        "prefix": prefix,
                        "max-uploads": "1000",
                        **markers,
                    },
                )
                # The reply of the configured S3 endpoint, trusted as the SDK trusts it.
                root = ElementTree.fromstring(response.data)  # noqa: S314
                namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
                found = root.findall(f"{namespace}Upload")
                for element in found:
                    initiated = element.findtext(f"{namespace}Initiated")
                    uploads.append(
                        IncompleteUpload(
                            bucket,
                            element.findtext(f"{namespace}Key") or "",
                            element.findtext(f"{namespace}UploadId") or "",
                            _parse_time(initiated) if initiated else None,
                        )
                    )
                truncated = (root.findtext(f"{namespace}IsTruncated") or "").lower() == "true"
                if not truncated or not found:
                    break
                markers = {
                    "key-marker": root.findtext(f"{namespace}NextKeyMarker") or "",
                    "upload-id-marker": root.findtext(f"{namespace}NextUploadIdMarker") or "",
                }
        return uploads

    @contextmanager
    def _s3_errors(
        self, *, bucket: str, key: str = "", upload_id: str | None = None
    ) -> Iterator[None]:
        """Turn the SDK's failures into StorageError naming the setting at fault (UploadNotFound
        for an upload id the server does not know)."""
        try:
            yield
        except S3Error as error:
            if upload_id is not None and error.code == "NoSuchUpload":
                raise UploadNotFound(f"upload {upload_id} of {bucket}/{key} is unknown") from None
            raise StorageError(self._explain(error, setting=f"bucket {bucket!r}")) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise self._unreachable(error) from None

    def _chunks(self, stream: Iterator[bytes]) -> Iterator[bytes]:
        """A GET's body, a connection lost half-way raising StorageError like any other
        failure to reach the server."""
        try:
            yield from stream
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise self._unreachable(error) from None

    def _unreachable(self, error: Exception) -> StorageError:
        return StorageError(f"S3_ENDPOINT={self.endpoint!r} cannot be reached: {error}")

    @staticmethod
    def _explain(error: S3Error, *, setting: str) -> str:
        if error.code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"}:
            return f"S3_ACCESS_KEY / S3_SECRET_KEY are refused by the S3 server ({error.code})"
        return f"S3 refused the request for {setting}: {error.code}: {error.message}"


def storage_from_settings() -> ObjectStorage:
    from django.conf import settings

    return ObjectStorage(
        endpoint=settings.S3_ENDPOINT,
        access_key=settings.S3_ACCESS_KEY,
        secret_key=settings.S3_SECRET_KEY,
        secure=settings.S3_SECURE,
        region=settings.S3_REGION,
        buckets=settings.S3_BUCKETS,
        part_size=settings.S3_PART_SIZE,
    )


@lru_cache(maxsize=1)
def get_storage() -> ObjectStorage:
    """The process-wide adapter built from settings (tests reset it with cache_clear)."""
    return storage_from_settings()
