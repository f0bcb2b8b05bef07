"""API routes of the evaluation app, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import URLPattern, URLResolver, include, path

from evaluation.panel import api as panel_api
from evaluation.pool import api as pool_api
from evaluation.room import api as room_api
from evaluation.session import api as session_api

# The pool and the draw (docs/evaluation.md, "The pool and the draw"). A panel's routes have
# two segments after the tender, so trading's `tenders/<id>/<action>` never takes them.
pool_and_draw_urlpatterns = [
    path("experts", pool_api.ExpertRegisterView.as_view(), name="expert-register"),
    path("experts/me", pool_api.MyProfileView.as_view(), name="expert-profile"),
    path("experts/me/conflicts", pool_api.MyConflictsView.as_view(), name="expert-conflicts"),
    path(
        "experts/me/conflicts/<uuid:conflict_id>",
        pool_api.MyConflictView.as_view(),
        name="expert-conflict",
    ),
    *[
        path(
            f"experts/<uuid:expert_id>/{change}",
            pool_api.ExpertStateView.as_view(),
            {"change": change},
            name=f"expert-{change}",
        )
        for change in pool_api.STATE_CHANGES
    ],
    path(
        "tenders/<uuid:tender_id>/panel/request",
        panel_api.PanelRequestView.as_view(),
        name="panel-request",
    ),
    path(
        "tenders/<uuid:tender_id>/panel/progress",
        panel_api.PanelProgressView.as_view(),
        name="panel-progress",
    ),
    path(
        "tenders/<uuid:tender_id>/panel/draw-record",
        panel_api.DrawRecordView.as_view(),
        name="panel-draw-record",
    ),
    path("panel/seats", panel_api.MySeatsView.as_view(), name="panel-seats"),
    *[
        path(
            f"panel/seats/<uuid:seat_id>/{decision}",
            panel_api.SeatDecisionView.as_view(),
            {"decision": decision},
            name=f"panel-seat-{decision}",
        )
        for decision in ("confirm", "decline", "recuse")
    ],
]

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
    path("", include((pool_and_draw_urlpatterns, "pool-and-draw-api"))),
]
