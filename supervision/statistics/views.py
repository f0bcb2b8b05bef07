"""The statistics page (charts drawn as SVG on the server), its CSV export, and /metrics."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from monitoring.operations import is_operations_request
from supervision.console.access import supervisor_required
from supervision.statistics.charts import bar_chart
from supervision.statistics.export import statistics_csv
from supervision.statistics.metrics import metrics_text
from supervision.statistics.selectors import Tally, platform_statistics


@supervisor_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    found = platform_statistics()
    charts = [
        bar_chart(_("Tenders by state"), [item for item in found.by_state if item.count]),
        bar_chart(_("Tenders by category"), found.by_category),
        bar_chart(
            _("Bidders per tender (tenders whose opening has begun)"), found.bidders.histogram
        ),
        bar_chart(_("Award price as a share of the ceiling price"), found.award_ratio.histogram),
        bar_chart(
            _("On-time rate per stage (percent)"),
            [
                Tally(stage.stage, stage.label, round((stage.rate or 0) * 100))
                for stage in found.on_time
            ],
            unit="%",
        ),
        bar_chart(
            _("Alerts by rule"),
            [Tally(rule.kind, rule.title, rule.total) for rule in found.alerts],
        ),
    ]
    return render(request, "supervision/statistics.html", {"stats": found, "charts": charts})


@supervisor_required
def statistics_export(request: HttpRequest) -> HttpResponse:
    found = platform_statistics()
    response = HttpResponse(statistics_csv(found), content_type="text/csv; charset=utf-8")
    stamp = found.generated_at.strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="statistics-{stamp}.csv"'
    return response


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not is_operations_request(request):
        raise Http404
    return HttpResponse(
        metrics_text(platform_statistics()), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
