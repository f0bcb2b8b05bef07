from django.conf import settings

from monitoring.clock import database_now
from monitoring.models import ChronographTick


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
