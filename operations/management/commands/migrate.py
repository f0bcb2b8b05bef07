"""`manage.py migrate`, run as the database owner and followed by the application role's grants.

Django's own command, connected as DATABASE_OWNER_URL's role (which owns the tables it creates)
instead of the application's, then `config.database_roles.apply_roles`: every table a migration
adds is granted to the application's role at once, and the event log's tables only for INSERT
and SELECT (docs/operations.md, "Database roles").
"""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate

from config.database_roles import (
    DatabaseRolesError,
    apply_roles,
    owner_connection,
    separate_database_roles,
)


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Connects as DATABASE_OWNER_URL, then grants DATABASE_APP_ROLE."

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        with owner_connection(alias):
            super().handle(*args, **options)
        try:
            append_only = apply_roles(alias)
        except DatabaseRolesError as error:
            if separate_database_roles():
                raise CommandError(str(error)) from None
            # No separate application role is configured and none can be made: the
            # application connects as the owner, so there was nothing to restrict.
            self.stderr.write(f"database roles not applied: {error}")
            return
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Granted {settings.DATABASE_APP_ROLE}: INSERT and SELECT only on "
                f"{', '.join(append_only)}"
            )
