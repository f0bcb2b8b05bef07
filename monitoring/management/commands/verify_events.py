from django.core.management.base import BaseCommand, CommandError

from monitoring.chain import find_broken_link
from monitoring.checkpoints import find_broken_checkpoint


class Command(BaseCommand):
    help = "Walk the event chain and report the first broken link."

    def handle(self, *args: object, **options: object) -> None:
        checked, broken = find_broken_link()
        if broken is not None:
            raise CommandError(f"event chain broken after {checked} good events: {broken}")
        checkpoints, problem = find_broken_checkpoint()
        if problem is not None:
            raise CommandError(f"{problem} (after {checkpoints} good checkpoints)")
        self.stdout.write(
            self.style.SUCCESS(
                f"event chain intact: {checked} events, {checkpoints} signed checkpoints"
            )
        )
