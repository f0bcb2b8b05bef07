"""`manage.py database_roles`: grant the application's role its rights, as the owner.

`migrate` does this after every migration; run it alone after creating the application's role
or restoring a backup (docs/operations.md, "Database roles").
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.database_roles import DatabaseRolesError, apply_roles


class Command(BaseCommand):
    help = (
        "As DATABASE_OWNER_URL, grant DATABASE_APP_ROLE everything on the platform's tables "
        "but UPDATE, DELETE and TRUNCATE of the event log (creating the role where missing)."
    )
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            append_only = apply_roles()
        except DatabaseRolesError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{settings.DATABASE_APP_ROLE}: INSERT and SELECT only on "
            f"{', '.join(append_only) or 'no table yet (run migrate)'}; "
            "SELECT, INSERT, UPDATE and DELETE on the others"
        )
