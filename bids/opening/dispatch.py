"""Queueing the decryption job of one bid (the Celery task bids.tasks.bid_decrypt).

The task module is imported when a job is queued, not before: bids.tasks imports the job,
which records its results through bids.opening.results, which imports nothing that queues.
"""

import logging
from uuid import UUID

from django.conf import settings
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)


def dispatch_decryption(decryption_id: UUID) -> None:
    """Queue the decryption job on BID_DECRYPTION_QUEUE (heavy jobs may get their own workers).

    With the broker down (restarting, unreachable) the job is not queued now, and that is no
    error of the step that asked: the key is accepted and committed, and the chronograph's sweep
    queues every accepted job nobody holds (bids.opening.sweep) once the broker is back."""
    from bids.tasks import bid_decrypt

    queue = getattr(settings, "BID_DECRYPTION_QUEUE", "") or settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        bid_decrypt.apply_async(args=[str(decryption_id)], queue=queue)
    except BrokerUnavailable as error:
        logger.warning(
            "decryption %s not queued (CELERY_BROKER_URL: %s); the sweep queues it again",
            decryption_id,
            error,
        )
