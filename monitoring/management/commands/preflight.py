from django.core.management.base import BaseCommand, CommandError

from monitoring.health import check_broker, check_database
from storage.objects import StorageError, get_storage


class Command(BaseCommand):
    help = (
        "Check the database and broker, create the object storage buckets; stop with one line "
        "naming the setting at fault."
    )

    def handle(self, *args: object, **options: object) -> None:
        for part in (check_database(), check_broker()):
            if not part.healthy:
                raise CommandError(f"{part.name} is not usable: {part.detail}")
            self.stdout.write(f"{part.name}: up ({part.detail})")
        try:
            get_storage().ensure_buckets()
            get_storage().ping()
        except StorageError as error:
            raise CommandError(f"object storage is not usable: {error}") from None
        self.stdout.write(f"object_storage: up ({', '.join(get_storage().buckets.values())})")
        self.check_key_service()

    def check_key_service(self) -> None:
        """Where this process asks a key service, it must answer and hold the evaluation key
        whose public half this process wraps to (docs/operations.md, "Key custody")."""
        from django.conf import settings

        from signing.conf import evaluation_public_key
        from signing.envelope.format import key_id
        from signing.errors import SigningError
        from signing.keyservice import KeyServiceClient

        socket = settings.SIGNING_KEY_SERVICE_SOCKET
        if not socket:
            return
        try:
            served, wrapped_to = (
                KeyServiceClient(socket).public_key_id(),
                key_id(evaluation_public_key()),
            )
        except (SigningError, OSError) as error:
            raise CommandError(f"key service is not usable: {error}") from None
        if served != wrapped_to:
            raise CommandError(
                f"key service is not usable: it holds evaluation key {served[:16]}…, but "
                f"SIGNING_EVALUATION_PUBLIC_KEY is {wrapped_to[:16]}…"
            )
        self.stdout.write(f"key_service: up ({socket}, evaluation key {served[:16]}…)")
