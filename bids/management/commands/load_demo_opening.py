from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bids.demo import demo_opened_ensure, demo_opening_ensure, demo_receipt_ensure


class Command(BaseCommand):
    help = (
        "Demo bids: bidder1's bid with its receipt in the published demo tender, a tender at "
        "its opening with three sealed demo bids, and a tender opened with its signed record "
        "(idempotent; needs load_demo, load_demo_tenders and object storage). Refused in "
        "production."
    )

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo data is never loaded in production mode")
        demo_receipt_ensure()
        self.stdout.write("demo bid: bidder1's bid and its receipt at /bids/")
        tender = demo_opening_ensure()
        self.stdout.write(
            f"demo opening: {tender.title} ({tender.state}) /bids/opening/{tender.pk}/"
        )
        opened = demo_opened_ensure()
        self.stdout.write(
            f"demo opened: {opened.title} ({opened.state}) /bids/opening/{opened.pk}/"
        )
