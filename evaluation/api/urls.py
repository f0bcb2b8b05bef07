"""API routes of the evaluation app, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.room import api as room_api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "evaluation/room/sessions",
        room_api.RoomSessionsView.as_view(),
        name="evaluation-room-sessions",
    ),
    path(
        "evaluation/room/<uuid:tender_id>/bids",
        room_api.RoomBidsView.as_view(),
        name="evaluation-room-bid-list",
    ),
    path(
        "evaluation/room/<uuid:tender_id>/bids/<uuid:bid_id>/files/<int:index>",
        room_api.RoomBidFileView.as_view(),
        name="evaluation-room-bid-file",
    ),
]
