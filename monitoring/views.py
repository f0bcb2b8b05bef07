from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from monitoring.health import check_all
from monitoring.operations import is_operations_request
from monitoring.selectors import checkpoints_newest, chronograph_status

CHECKPOINTS_SHOWN = 50


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Up or down, 503 when any part is down (load balancers take it out); to operators
    (monitoring.operations) each part with its state and error, and the chronograph. The
    public learns nothing else: not the database's vendor, the S3 endpoint, an error line."""
    parts = check_all()
    healthy = all(part.healthy for part in parts)
    body: dict[str, object] = {"status": "ok" if healthy else "down"}
    if is_operations_request(request):
        body["parts"] = {
            part.name: {"state": "up" if part.healthy else "down", "detail": part.detail}
            for part in parts
        }
        # Reported, not counted: a web process can serve while beat is restarted elsewhere.
        body["chronograph"] = chronograph_status()
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def checkpoints_page(request: HttpRequest) -> HttpResponse:
    """The public notice board of the event log: the newest signed checkpoints (tree size,
    root, time), each downloadable signed, for anyone to copy and later hold the platform to
    (docs/event-log.md, "Published checkpoints")."""
    return render(
        request,
        "monitoring/checkpoints.html",
        {"checkpoints": checkpoints_newest(limit=CHECKPOINTS_SHOWN)},
    )
