from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from monitoring.health import check_all
from monitoring.selectors import chronograph_status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Each part with its state; 503 when any part is down (load balancers take it out)."""
    parts = check_all()
    healthy = all(part.healthy for part in parts)
    body = {
        "status": "ok" if healthy else "down",
        "parts": {
            part.name: {"state": "up" if part.healthy else "down", "detail": part.detail}
            for part in parts
        },
        # Reported, not counted: a web process can serve while beat is restarted elsewhere.
        "chronograph": chronograph_status(),
    }
    return JsonResponse(body, status=200 if healthy else 503)
