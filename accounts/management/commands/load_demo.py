from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, load_demo_identities
from accounts.demo_certificates import demo_certificates_issue


class Command(BaseCommand):
    help = "Load the demo identities (idempotent). Refused in production mode."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo data is never loaded in production mode")
        logins = load_demo_identities()
        self.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD}):")
        for username, purpose in logins:
            self.stdout.write(f"  {username:<12} {purpose}")
        folder = demo_certificates_issue()
        self.stdout.write(
            f"certificates of bidders and experts (PKCS#12, same password): {folder}/<user>.p12"
        )
