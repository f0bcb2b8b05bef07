"""`manage.py backup --out FOLDER`: the database dump and a mirror of every bucket."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from operations.backup import BackupError, backup_create
from operations.postgres import PostgresToolError
from storage.objects import StorageError


class Command(BaseCommand):
    help = (
        "Back up the platform into a new folder: pg_dump of the database (as "
        "DATABASE_OWNER_URL) and every object of the buckets, with a manifest of digests."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="a new or empty folder")

    def handle(self, *args: Any, out: Path, **options: Any) -> None:
        try:
            manifest = backup_create(out, progress=self.stdout.write)
        except (BackupError, PostgresToolError, StorageError) as error:
            raise CommandError(str(error)) from None
        objects = sum(len(bucket["objects"]) for bucket in manifest["buckets"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written to {out}: database dump {manifest['database']['sha256'][:16]}…, "
                f"{objects} objects"
            )
        )
