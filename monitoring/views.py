from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from monitoring.health import check_all, may_see_details
from monitoring.selectors import chronograph_status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Ok or down (503 when any part is down: load balancers take it out); each part with its
    state only for the operators (monitoring.health.may_see_details)."""
    parts = check_all()
    healthy = all(part.healthy for part in parts)
    if not may_see_details(request):
        return JsonResponse({"status": "ok" if healthy else "down"}, status=200 if healthy else 503)
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
