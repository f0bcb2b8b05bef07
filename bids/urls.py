"""Page routes of the bids app, each path whole from the site's root (config/urls.py)."""

from django.urls import path

from bids.opening import views as opening_views
from bids.submission import views as submission_views

app_name = "bids"

urlpatterns = [
    path("bids/", submission_views.workspace, name="workspace"),
    path("bids/opening/<uuid:tender_id>/", opening_views.opening_hall_page, name="opening-hall"),
    path(
        "bids/opening/<uuid:tender_id>/live",
        opening_views.opening_hall_live,
        name="opening-hall-live",
    ),
    path(
        "bids/<uuid:bid_id>/receipt/<str:kind>.json",
        submission_views.receipt_download,
        name="receipt",
    ),
]
