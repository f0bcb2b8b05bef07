"""Supervision's pages, each path whole from the site's root (config/urls.py): the console
under `supervision/` (namespace `supervision`) and the operators' `/metrics` (no namespace,
like `healthz`)."""

from django.urls import include, path

from supervision.console import views as console
from supervision.rules import views as rules
from supervision.statistics import views as statistics

supervision_urlpatterns = [
    path("", console.console, name="console"),
    path("tenders/<uuid:tender_id>/", console.timeline, name="timeline"),
    path("tenders/<uuid:tender_id>/bids/", console.bids, name="bids"),
    path("tenders/<uuid:tender_id>/opening/", console.opening, name="opening"),
    path("tenders/<uuid:tender_id>/panel/", console.panel, name="panel"),
    path("tenders/<uuid:tender_id>/scores/", console.scores, name="scores"),
    path("alerts/", rules.alerts, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge", rules.acknowledge, name="alert-acknowledge"),
    path("alerts/<int:alert_id>/resolve", rules.resolve, name="alert-resolve"),
    path("rules/", rules.rules, name="rules"),
    path("statistics/", statistics.statistics_page, name="statistics"),
    path("statistics.csv", statistics.statistics_export, name="statistics-csv"),
]

urlpatterns = [
    path("supervision/", include((supervision_urlpatterns, "supervision"))),
    path("metrics", statistics.metrics, name="metrics"),
]
