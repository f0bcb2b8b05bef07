from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evaluation.demo import load_demo_pool


class Command(BaseCommand):
    help = "Put the demo experts in the pool (idempotent; needs load_demo). Refused in production."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo data is never loaded in production mode")
        experts = load_demo_pool()
        specialties = Counter(code for expert in experts for code in expert.specialties)
        listed = ", ".join(f"{code} × {count}" for code, count in sorted(specialties.items()))
        self.stdout.write(f"demo expert pool: {len(experts)} experts ({listed})")
