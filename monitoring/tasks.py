from celery import shared_task

from monitoring.checkpoints import checkpoint_create
from monitoring.chronograph import run_chronograph


@shared_task(acks_late=True, ignore_result=False)
def chronograph_tick() -> dict:
    """Driven by Celery beat every CHRONOGRAPH_INTERVAL_SECONDS; safe to run twice."""
    result = run_chronograph()
    return {"transitions_made": result.transitions_made, "failed_sweeps": result.failed_sweeps}


@shared_task(acks_late=True)
def event_checkpoint() -> int | None:
    """Driven by beat every EVENT_CHECKPOINT_INTERVAL_SECONDS: sign the Merkle tree root over
    the log when events were appended; safe to run twice. Returns the signed tree size."""
    checkpoint = checkpoint_create()
    return checkpoint.tree_size if checkpoint else None
