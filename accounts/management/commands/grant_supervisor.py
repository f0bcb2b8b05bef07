"""Appoint a supervisor: the one way the role is granted (docs/identities.md).

A supervisor reads who obtained the tender documents and who bid before the deadline (办法
第21条), so the role is never granted in the admin or over the web: only by this command, run
on the platform's host by someone with a shell there, naming the appointing document. It calls
the `role_grant` service, which records the grant, the document and the server account.
"""

import getpass
import socket

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Role, User
from accounts.services import SERVER, IdentityError, role_grant


class Command(BaseCommand):
    help = "Grant the supervisor role to a user, recording the appointing document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user who becomes a supervisor")
        parser.add_argument(
            "--appointed-by",
            required=True,
            help="the supervising authority's document that appoints the person",
        )

    def handle(self, *args: object, username: str, appointed_by: str, **options: object) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user is called {username}")
        if not appointed_by.strip():
            raise CommandError("--appointed-by must name the appointing document")
        server = f"{getpass.getuser()} on {socket.gethostname()}"
        reason = f"{appointed_by.strip()} (granted by {server})"
        try:
            membership = role_grant(user=user, role=Role.SUPERVISOR, actor=SERVER, reason=reason)
        except IdentityError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"{membership.user.get_username()} is a supervisor: {reason}")
        )
