"""Queueing the decryption job of one bid (the Celery task bids.tasks.bid_decrypt).

The task module is imported when a job is queued, not before: bids.tasks imports the job,
which records its results through bids.opening.results, which imports nothing that queues.
"""

from uuid import UUID

from django.conf import settings


def dispatch_decryption(decryption_id: UUID) -> None:
    """Queue the decryption job on BID_DECRYPTION_QUEUE (heavy jobs may get their own workers)."""
    from bids.tasks import bid_decrypt

    queue = getattr(settings, "BID_DECRYPTION_QUEUE", "") or settings.CELERY_TASK_DEFAULT_QUEUE
    bid_decrypt.apply_async(args=[str(decryption_id)], queue=queue)
