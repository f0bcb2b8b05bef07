"""Page routes of the evaluation app, each path whole from the site's root (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.room import views as room_views
from evaluation.session import views as session_views

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("evaluation/<uuid:tender_id>/", session_views.session_page, name="session"),
    path(
        "evaluation/<uuid:tender_id>/step/<path:step>",
        session_views.session_step,
        name="session-step",
    ),
    path(
        "evaluation/<uuid:tender_id>/report.<str:kind>",
        session_views.report_page,
        name="report",
    ),
    path("evaluation/room/", room_views.room_lobby_page, name="room-lobby"),
    path("evaluation/room/<uuid:tender_id>/", room_views.room_bids_page, name="room-bids"),
    path(
        "evaluation/room/<uuid:tender_id>/bids/<uuid:bid_id>/files/<int:index>",
        room_views.room_bid_file_page,
        name="room-bid-file",
    ),
]
