"""Schedules of published tenders as the tests need them."""

import datetime as dt

from trading.models import Tender


def published_days_ago(tender: Tender, days: float) -> Tender:
    """Move a published tender's publication and documents `days` into the past, as if it had
    been published then; its bid deadline stays. The schedule stays lawful when it was."""
    shift = dt.timedelta(days=days)
    tender.refresh_from_db()
    Tender.objects.filter(pk=tender.pk).update(
        published_at=tender.published_at - shift,
        documents_from=tender.documents_from - shift,
        documents_until=tender.documents_until - shift,
        clarification_cutoff=tender.clarification_cutoff - shift,
    )
    tender.refresh_from_db()
    return tender
