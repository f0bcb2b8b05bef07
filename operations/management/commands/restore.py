"""`manage.py restore --from FOLDER`: a backup into a fresh database and bucket set, then
checked: the event chain, the signed checkpoints and every receipt."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.database_roles import DatabaseRolesError
from operations.backup import BackupError
from operations.postgres import PostgresToolError
from operations.restore import restore
from operations.verification import VerificationFailed, verify_platform
from storage.objects import StorageError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the (empty) database and buckets the settings "
        "name, then verify the event chain, checkpoints and every receipt."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="folder", type=Path, required=True)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            restore(folder, progress=self.stdout.write)
            verified = verify_platform()
        except (
            BackupError,
            PostgresToolError,
            StorageError,
            DatabaseRolesError,
            VerificationFailed,
        ) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"restored from {folder} and verified: {verified.events} events, "
                f"{verified.checkpoints} signed checkpoints, {verified.receipts} receipts"
            )
        )
