from django.conf import settings
from django.db.models import QuerySet

from monitoring.clock import database_now
from monitoring.models import ChronographTick, EventCheckpoint, SealedIdentity


def chronograph_status() -> dict:
    """When the chronograph last ran, and whether that is later than two intervals allow."""
    tick = ChronographTick.objects.filter(pk=1).first()
    if tick is None:
        return {"last_tick_at": None, "state": "never_ran"}
    late_after = 2 * settings.CHRONOGRAPH_INTERVAL_SECONDS
    age = (database_now() - tick.last_tick_at).total_seconds()
    return {
        "last_tick_at": tick.last_tick_at.isoformat(),
        "ticks": tick.ticks,
        "state": "late" if age > late_after else "on_time",
    }


def sealed_identities_of(*, tender_id: str) -> QuerySet[SealedIdentity]:
    """Every sealed identity of a tender's events, in chain order, with its event.

    Unchecked: callers are the use cases that check the reader is a supervisor and log the read
    (`supervision.services.sealed_identities_read`) and the archive, made after the award."""
    return (
        SealedIdentity.objects.filter(tender_id=str(tender_id))
        .select_related("event", "actor")
        .order_by("event__sequence")
    )


def checkpoints_newest(*, limit: int) -> list[EventCheckpoint]:
    """The newest signed checkpoints first, without their proofs and frontiers."""
    return list(
        EventCheckpoint.objects.order_by("-tree_size").only(
            "tree_size", "root_hash", "previous_tree_size", "created_at"
        )[:limit]
    )
