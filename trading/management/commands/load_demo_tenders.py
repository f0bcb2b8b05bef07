from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.demo import demo_tender_ensure


class Command(BaseCommand):
    help = "Publish the demo tender (idempotent; needs load_demo first). Refused in production."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo data is never loaded in production mode")
        tender = demo_tender_ensure()
        self.stdout.write(f"demo tender: {tender.title} ({tender.state}) /tenders/{tender.pk}/")
