"""API routes of the evaluation app, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.room import api as room_api
from evaluation.session import api as session_api

_session = "tenders/<uuid:tender_id>/evaluation"

urlpatterns: list[URLPattern | URLResolver] = [
    path(_session, session_api.SessionView.as_view(), name="evaluation-session"),
    *(
        path(
            f"{_session}/{step}",
            session_api.step_view(step),
            name=f"evaluation-{step.replace('/', '-')}",
        )
        for step in session_api.STEPS
    ),
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
