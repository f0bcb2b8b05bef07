"""Celery tasks of the bids app: take ids or nothing, call a service, safe to run twice.

Their names are fixed (`name=`): beat schedules in settings and messages already queued name
them, wherever the code moves."""

from celery import Task, shared_task
from django.db import OperationalError

from bids.opening.checks import decryption_lease_seconds
from bids.opening.decryption import decrypt_bid
from bids.submission.housekeeping import bid_upload_expire_stale
from storage.objects import StorageError


@shared_task(
    name="bids.tasks.bid_uploads_expire",
    acks_late=True,
    autoretry_for=(StorageError,),
    retry_backoff=True,
    max_retries=5,
)
def bid_uploads_expire() -> int:
    """Abort uploads left unfinished longer than BID_UPLOAD_MAX_AGE_HOURS; drop their parts."""
    return bid_upload_expire_stale()


# The outcome is recorded on the BidDecryption row; nothing reads the task's result.
# acks_late with CELERY_TASK_REJECT_ON_WORKER_LOST: a job whose worker process is killed is
# put back on the queue, not dropped; it then finds the dead run's lease and waits it out.
@shared_task(
    bind=True,
    name="bids.tasks.bid_decrypt",
    acks_late=True,
    autoretry_for=(StorageError, OperationalError),
    retry_backoff=True,
    max_retries=8,
    ignore_result=True,
)
def bid_decrypt(self: Task, decryption_id: str) -> str:
    """Decrypt and check one bid at the opening (bids/opening/decryption.py); safe to run
    twice."""
    outcome = decrypt_bid(decryption_id)
    if outcome == "leased" and self.request.retries < self.max_retries:
        # Run again once the lease would lapse: a live run will have renewed it (or finished),
        # a dead one's lapses and this run takes the job, without waiting for the sweep.
        raise self.retry(countdown=decryption_lease_seconds())
    return outcome
