"""Supervision's API routes, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import include, path

from supervision.api import alerts, console, statistics

supervision_urlpatterns = [
    path("supervision/tenders", console.ConsoleTendersView.as_view(), name="tenders"),
    path("supervision/alerts", alerts.AlertListView.as_view(), name="alerts"),
    path(
        "supervision/alerts/<int:alert_id>/acknowledge",
        alerts.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
    path(
        "supervision/alerts/<int:alert_id>/resolve",
        alerts.AlertResolveView.as_view(),
        name="alert-resolve",
    ),
    path("supervision/rules", alerts.RuleListView.as_view(), name="rules"),
    path("supervision/statistics", statistics.StatisticsView.as_view(), name="statistics"),
]

urlpatterns = [path("", include((supervision_urlpatterns, "supervision-api")))]
