from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.demo import (
    demo_cancelled_ensure,
    demo_documents_ensure,
    demo_drafts_ensure,
    demo_tender_ensure,
)


class Command(BaseCommand):
    help = (
        "Demo tenders: one published with its signed documents, two drafts, one terminated "
        "(idempotent; needs load_demo and object storage first). Refused in production."
    )

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo data is never loaded in production mode")
        tender = demo_tender_ensure()
        demo_documents_ensure()
        self.stdout.write(f"demo tender: {tender.title} ({tender.state}) /tenders/{tender.pk}/")
        for draft in demo_drafts_ensure():
            self.stdout.write(f"demo draft: {draft.title} (the tenderee's /tenders/workspace/)")
        cancelled = demo_cancelled_ensure()
        self.stdout.write(
            f"demo tender: {cancelled.title} ({cancelled.state}) /tenders/{cancelled.pk}/"
        )
