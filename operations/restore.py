"""Restoring a backup (operations/backup.py) into a fresh database and a fresh bucket set.

Fresh means empty: a restore never merges into a platform that holds anything, so what it
yields is exactly what was backed up. The database is loaded in one transaction as the owner,
the application's role is granted (config/database_roles.py), the objects are stored into the
buckets the settings name now (where a bucket's name changed, the rows that name it follow),
each checked against the manifest's SHA-256 on the way; then `verification` checks the result.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections

from config.database_roles import apply_roles, owner_connection
from operations.backup import DUMP, BackupError, backup_read, object_path
from operations.postgres import database_restore
from storage.objects import get_storage


def _require_empty_database(alias: str) -> None:
    with owner_connection(alias):
        tables = connections[alias].introspection.table_names()
    if tables:
        name = connections[alias].settings_dict["NAME"]
        raise BackupError(
            f"database {name!r} holds {len(tables)} tables: restore into a new, empty database"
        )


def _require_empty_buckets(purposes: list[str]) -> None:
    storage = get_storage()
    storage.ensure_buckets()
    for purpose in purposes:
        bucket = storage.bucket(purpose)
        if next(iter(storage.list_objects(bucket=bucket)), None) is not None:
            raise BackupError(
                f"bucket {bucket!r} (S3_BUCKET_{purpose.upper()}) holds objects: restore into "
                "new, empty buckets"
            )


def _follow_renamed_buckets(renamed: dict[str, str], alias: str) -> int:
    """Rows that name a bucket (a `bucket` field) are moved to its new name; returns how many."""
    moved = 0
    for model in apps.get_models():
        if not any(field.name == "bucket" for field in model._meta.concrete_fields):
            continue
        for old, new in renamed.items():
            moved += model._default_manager.using(alias).filter(bucket=old).update(bucket=new)
    return moved


def _restore_objects(folder: Path, purpose: str, entries: list[dict[str, Any]]) -> int:
    storage = get_storage()
    bucket = storage.bucket(purpose)
    total = 0
    for entry in entries:
        path = object_path(folder, purpose, entry["key"])
        if not path.exists():
            raise BackupError(f"{path} is missing: the backup lost object {entry['key']}")
        with path.open("rb") as stream:
            stored = storage.put_stream(
                bucket=bucket,
                key=entry["key"],
                stream=stream,
                content_type=entry["content_type"],
                metadata=entry["metadata"] or None,
            )
        if (stored.size, stored.sha256) != (entry["size"], entry["sha256"]):
            raise BackupError(
                f"{path} differs from the manifest ({stored.size} bytes, SHA-256 "
                f"{stored.sha256[:16]}…): the backup is damaged"
            )
        total += stored.size
    return total


def restore(
    folder: Path, *, alias: str = "default", progress: Callable[[str], None] = lambda line: None
) -> dict:
    """Load the backup in `folder` into the database and buckets of the settings (both empty);
    returns its manifest."""
    folder = Path(folder)
    manifest = backup_read(folder)
    purposes = list(manifest["buckets"])
    unknown = [purpose for purpose in purposes if purpose not in settings.S3_BUCKETS]
    if unknown:
        raise BackupError(f"the backup holds buckets this platform does not name: {unknown}")
    _require_empty_database(alias)
    _require_empty_buckets(purposes)
    with owner_connection(alias):
        database_restore(folder / DUMP, alias=alias)
        renamed = {
            manifest["buckets"][purpose]["bucket"]: settings.S3_BUCKETS[purpose]
            for purpose in purposes
            if manifest["buckets"][purpose]["bucket"] != settings.S3_BUCKETS[purpose]
        }
        moved = _follow_renamed_buckets(renamed, alias)
    progress(f"database: restored from {DUMP}; {moved} rows moved to renamed buckets")
    apply_roles(alias)
    for purpose in purposes:
        entries = manifest["buckets"][purpose]["objects"]
        total = _restore_objects(folder, purpose, entries)
        progress(f"{purpose}: {len(entries)} objects, {total} bytes stored")
    connections[alias].close()
    return manifest
