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
