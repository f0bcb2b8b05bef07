"""A backup of the platform: the database dump and a mirror of every bucket, in one folder.

    <folder>/database.dump           pg_dump, custom format (operations/postgres.py)
    <folder>/objects/<purpose>/<key> every object of the bucket of that purpose (bids,
                                     documents, archive), byte for byte, under its own key
    <folder>/manifest.json           written last: what the folder holds, each file's size
                                     and SHA-256, and which bucket each purpose had

The database is dumped first and the buckets mirrored after: every object a dumped row names
was complete before the dump began (objects are written before the rows that name them, and
never changed), so the mirror holds it; objects stored meanwhile come along unneeded. Objects
stream through `storage` one chunk at a time, whatever their size. No key is in a backup: the
keys are kept apart (docs/operations.md, "Key custody").
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings

from operations.postgres import database_dump, tool_version
from storage.objects import get_storage

FORMAT = "platform-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
OBJECTS = "objects"
COPY_CHUNK = 1 << 20


class BackupError(Exception):
    """The backup cannot be made or used; the message names the file, object or setting."""


def object_path(folder: Path, purpose: str, key: str) -> Path:
    """Where an object lies in the folder; refuses a key that would lead outside it."""
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or any(part in {"", ".", ".."} for part in parts):
        raise BackupError(f"object key {key!r} of the {purpose} bucket is not a plain path")
    return folder / OBJECTS / purpose / Path(*parts)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(COPY_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _mirror_object(folder: Path, purpose: str, bucket: str, key: str) -> dict[str, Any]:
    storage = get_storage()
    info = storage.stat(bucket=bucket, key=key)
    path = object_path(folder, purpose, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with storage.open(bucket=bucket, key=key) as chunks, path.open("xb") as file:
        for chunk in chunks:
            file.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    if size != info.size:
        raise BackupError(f"object {bucket}/{key} changed while it was copied")
    metadata = {
        name.removeprefix("x-amz-meta-"): value
        for name, value in info.metadata.items()
        if name.startswith("x-amz-meta-")
    }
    return {
        "key": key,
        "size": size,
        "sha256": digest.hexdigest(),
        "content_type": info.metadata.get("content-type", "application/octet-stream"),
        "metadata": metadata,
    }


def backup_create(folder: Path, *, progress: Callable[[str], None] = lambda line: None) -> dict:
    """Dump the database and mirror the buckets into `folder` (new, or empty); return the
    manifest written there."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    dump = folder / DUMP
    database_dump(dump)
    progress(f"database: {dump.stat().st_size} bytes dumped")
    buckets: dict[str, Any] = {}
    storage = get_storage()
    for purpose, bucket in settings.S3_BUCKETS.items():
        objects = [
            _mirror_object(folder, purpose, bucket, listed.key)
            for listed in storage.list_objects(bucket=bucket)
        ]
        buckets[purpose] = {"bucket": bucket, "objects": objects}
        total = sum(item["size"] for item in objects)
        progress(f"{purpose}: {len(objects)} objects, {total} bytes mirrored from {bucket}")
    manifest = {
        "format": FORMAT,
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": {
            "file": DUMP,
            "size": dump.stat().st_size,
            "sha256": file_sha256(dump),
            "made_by": tool_version("pg_dump"),
        },
        "buckets": buckets,
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    return manifest


def backup_read(folder: Path) -> dict:
    """The manifest of a complete backup whose dump is intact; BackupError otherwise."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{path} is missing: {folder} is not a backup, or the backup did not finish"
        ) from None
    except ValueError as error:
        raise BackupError(f"{path} is not JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a manifest of format {FORMAT}")
    dump = Path(folder) / DUMP
    if not dump.exists() or file_sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump} is missing or differs from the manifest's SHA-256")
    return manifest
