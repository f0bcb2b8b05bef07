"""Page routes of the bids app (included under /bids/ by config/urls.py)."""

from django.urls import path

from bids import views

app_name = "bids"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("opening/<uuid:tender_id>/", views.opening_hall_page, name="opening-hall"),
    path("<uuid:bid_id>/receipt/<str:kind>.json", views.receipt_download, name="receipt"),
]
