"""The alert pages: the list with each alert's evidence and the supervisor's two actions, and
the rule registry as configured. Views parse and call; the services check everything again."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.acting import acting_from_request
from config.errors import Refusal
from monitoring.models import AlertSeverity, AlertState
from supervision.console.access import supervisor_required
from supervision.rules.lifecycle import alert_acknowledge, alert_resolve
from supervision.rules.registry import configured_rules
from supervision.rules.selectors import alert_page


@supervisor_required
def alerts(request: HttpRequest) -> HttpResponse:
    page = alert_page(
        state=request.GET.get("state", "active"),
        severity=request.GET.get("severity", ""),
        kind=request.GET.get("kind", ""),
        after=request.GET.get("after", "")[:200],
    )
    return render(
        request,
        "supervision/alerts.html",
        {
            "page": page,
            "states": AlertState.choices,
            "severities": AlertSeverity.choices,
            "rules": configured_rules(),
        },
    )


@supervisor_required
@require_POST
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    try:
        alert_acknowledge(acting=acting_from_request(request), alert_id=alert_id)
    except Refusal as error:
        messages.error(request, str(error))
    return redirect("supervision:alerts")


@supervisor_required
@require_POST
def resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    try:
        alert_resolve(
            acting=acting_from_request(request),
            alert_id=alert_id,
            note=request.POST.get("note", ""),
        )
    except Refusal as error:
        messages.error(request, str(error))
    return redirect("supervision:alerts")


@supervisor_required
def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/rules.html", {"rules": configured_rules()})
