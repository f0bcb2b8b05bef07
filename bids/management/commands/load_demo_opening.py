from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bids.demo import demo_opening_ensure


class Command(BaseCommand):
    help = (
        "A demo tender at its opening, with three sealed demo bids (idempotent; needs "
        "load_demo and object storage). Refused in production."
    )

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo data is never loaded in production mode")
        tender = demo_opening_ensure()
        self.stdout.write(
            f"demo opening: {tender.title} ({tender.state}) /bids/opening/{tender.pk}/"
        )
