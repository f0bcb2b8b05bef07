from django.core.management.base import BaseCommand, CommandError

from monitoring.chain import find_broken_link


class Command(BaseCommand):
    help = "Walk the event chain and report the first broken link."

    def handle(self, *args: object, **options: object) -> None:
        checked, broken = find_broken_link()
        if broken is not None:
            raise CommandError(f"event chain broken after {checked} good events: {broken}")
        self.stdout.write(self.style.SUCCESS(f"event chain intact: {checked} events"))
