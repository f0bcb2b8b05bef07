"""Page routes of the evaluation app, each path whole from the site's root (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.panel import views as panel_views
from evaluation.pool import views as pool_views
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
    # The pool and the draw (docs/evaluation.md, "The pool and the draw").
    path("evaluation/profile/", pool_views.profile_page, name="pool-profile"),
    path(
        "evaluation/profile/conflicts/<uuid:conflict_id>/withdraw/",
        pool_views.conflict_withdraw,
        name="pool-conflict-withdraw",
    ),
    path("evaluation/invitations/", panel_views.invitations_page, name="invitations"),
    path(
        "evaluation/invitations/<uuid:seat_id>/<slug:decision>/",
        panel_views.seat_decision,
        name="seat-decision",
    ),
    path(
        "evaluation/tenders/<uuid:tender_id>/panel/",
        panel_views.panel_progress_page,
        name="panel-progress",
    ),
    path(
        "evaluation/tenders/<uuid:tender_id>/panel/request/",
        panel_views.panel_request_page,
        name="panel-request",
    ),
]
